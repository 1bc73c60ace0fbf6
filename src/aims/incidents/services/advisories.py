"""Advisories: what the organisation publishes about a vulnerability, written in plain language in English and French,
with the facts the exports are built from (where the products stand, why they are not affected, the fix, the credit).
Publishing needs both languages and waits for the end of every embargo agreed with a reporter; each publication is a
new revision."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.core import context
from aims.core.labels import date_text
from aims.core.permissions import CHANGE, require
from aims.core.services import _create, _save_with_changes

from ..models_disclosure import Advisory, AdvisoryState, NotAffectedReason

ADVISORY_EDITABLE = ("state", "not_affected_reason", "title_en", "title_fr", "summary_en", "summary_fr",
                     "recommendation_en", "recommendation_fr", "fixed_in", "credit")


def _reference(vulnerability) -> str:
    return f"AIMS-SA-{vulnerability.reference}"


def _check(values: dict) -> None:
    errors = {}
    if values.get("state") not in AdvisoryState.values:
        errors["state"] = _("Choose where our products stand.")
    reason = values.get("not_affected_reason") or ""
    if values.get("state") == AdvisoryState.NOT_AFFECTED and reason not in NotAffectedReason.values:
        errors["not_affected_reason"] = _("Say why the products are not affected.")
    if values.get("state") != AdvisoryState.NOT_AFFECTED and reason:
        errors["not_affected_reason"] = _("Only products that are not affected have a reason for it.")
    if values.get("state") == AdvisoryState.FIXED and not (values.get("fixed_in") or "").strip():
        errors["fixed_in"] = _("Say from which version or date the products are fixed.")
    for name in ("title_en", "summary_en"):
        if not (values.get(name) or "").strip():
            errors[name] = _("This field is required.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_advisory(*, actor, vulnerability, changes: dict, expected_version: int | None = None,
                  reason: str = "") -> Advisory:
    """Write (or change) the advisory of a vulnerability. A change to a published advisory makes it the draft of its
    next revision (the exports say draft, not final) until it is published again."""
    require(actor, CHANGE, vulnerability)
    unknown = set(changes) - set(ADVISORY_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    existing = Advisory.objects.filter(vulnerability=vulnerability).first()
    if existing is None:
        values = {"state": AdvisoryState.UNDER_INVESTIGATION, **changes}
        _check(values)
        return _create(actor=actor, reason=reason, obj=Advisory(
            reference=_reference(vulnerability), vulnerability=vulnerability, author=actor, **values))
    values = {name: getattr(existing, name) for name in ADVISORY_EDITABLE}
    values.update(changes)
    _check(values)
    if existing.status == Advisory.Status.PUBLISHED and any(getattr(existing, k) != v for k, v in changes.items()):
        # The published revision is not rewritten under readers: the change is a draft of the next revision (its
        # exports say so) until it is published.
        changes = {**changes, "status": Advisory.Status.DRAFT}
    return _save_with_changes(actor=actor, obj=existing, changes=changes, reason=reason,
                              expected_version=expected_version)


def embargo_until(advisory: Advisory):
    """The latest embargo agreed with a reporter of the vulnerability (None when there is none)."""
    dates = [d for d in advisory.vulnerability.disclosure_cases.values_list("embargo_until", flat=True) if d]
    return max(dates) if dates else None


@transaction.atomic
def publish_advisory(*, actor, advisory: Advisory, reason: str = "") -> Advisory:
    """Publish the advisory (its next revision). Refused while an embargo agreed with a reporter runs, or while the
    French text is missing."""
    require(actor, CHANGE, advisory.vulnerability)
    errors = {}
    for name in ("title_fr", "summary_fr"):
        if not getattr(advisory, name).strip():
            errors[name] = _("The advisory is published in English and French: write the French text.")
    if advisory.recommendation_en.strip() and not advisory.recommendation_fr.strip():
        errors["recommendation_fr"] = _("The advisory is published in English and French: write the French text.")
    embargo = embargo_until(advisory)
    if embargo is not None and embargo > context.today():  # the organisation's calendar day, not UTC's
        errors["__all__"] = _("An embargo agreed with the reporter runs until %(date)s: the advisory cannot be "
                              "published before.") % {"date": date_text(embargo)}
    if errors:
        raise ValidationError(errors)
    now = context.now()
    return _save_with_changes(actor=actor, obj=advisory, reason=reason, expected_version=None,
                              action="incidents.advisory.publish", changes={
                                  "status": Advisory.Status.PUBLISHED, "revision": advisory.revision + 1,
                                  "published_at": advisory.published_at or now, "revised_at": now})
