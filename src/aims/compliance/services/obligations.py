"""The per-system obligations register: kept in step with each system's classification (added, retired, brought
back, each in the ledger), kept by the system's owners (status, owner, notes, exception), and checked at go-live."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.core import context, ledger
from aims.core.permissions import CHANGE, require
from aims.core.services import _save_with_changes, stamp_new

from ..models import Requirement, SystemObligation
from ._common import clean_text, reject_unknown

EDITABLE = ("status", "owner", "notes")


def _date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@transaction.atomic
def sync_obligations(*, system, obligations: list[dict], catalogue_version: str = "", actor=None) -> dict:
    """Make the register match the obligations a classification proposes ([{key, article, title: {en, fr},
    applies_from, applies_from_key}]). Trusted code (the classification service already authorised the change)."""
    wanted = {o["key"]: o for o in obligations}
    existing = {o.key: o for o in SystemObligation.objects.select_for_update().filter(system=system)}
    requirements = dict(Requirement.objects.filter(framework__key="eu_ai_act", ref__in=list(wanted))
                        .values_list("ref", "pk"))
    counts = {"added": 0, "retired": 0, "restored": 0, "updated": 0}
    for key, facts in wanted.items():
        title = facts.get("title") or {}
        values = {"article": facts.get("article", "")[:120], "title_en": title.get("en", key),
                  "title_fr": title.get("fr", ""), "applies_from": _date(facts.get("applies_from")),
                  "applies_from_key": facts.get("applies_from_key") or "", "requirement_id": requirements.get(key),
                  "catalogue_version": catalogue_version}
        current = existing.get(key)
        if current is None:
            obligation = SystemObligation(system=system, key=key, owner=system.owner, **values)
            stamp_new(obligation)
            obligation.save()
            ledger.record(actor=actor, action="compliance.systemobligation.create", obj=obligation,
                          after=ledger.snapshot(obligation), reason=_("Follows the AI Act classification."))
            counts["added"] += 1
            continue
        changes = {k: v for k, v in values.items() if getattr(current, k) != v}
        if not current.is_active:
            changes.update(is_active=True, retired_at=None)
        if changes:
            action = "compliance.systemobligation.restore" if not current.is_active else \
                "compliance.systemobligation.update"
            counts["restored" if not current.is_active else "updated"] += 1
            _save_with_changes(actor=actor, obj=current, changes=changes, expected_version=None, action=action,
                               reason=_("Follows the AI Act classification."))
    for key, current in existing.items():
        if key not in wanted and current.is_active:
            _save_with_changes(actor=actor, obj=current, expected_version=None,
                               action="compliance.systemobligation.retire",
                               reason=_("No longer applies after the system was re-classified."),
                               changes={"is_active": False, "retired_at": context.now()})
            counts["retired"] += 1
    return counts


@transaction.atomic
def update_obligation(*, actor, obligation: SystemObligation, changes: dict, expected_version: int | None = None,
                      reason: str = "") -> SystemObligation:
    require(actor, CHANGE, obligation)
    reject_unknown(changes, EDITABLE)
    if "notes" in changes:
        changes["notes"] = clean_text(changes["notes"], "notes")
    if changes.get("owner") is not None and not changes["owner"].is_active:
        raise ValidationError({"owner": _("The owner's account is deactivated.")})
    return _save_with_changes(actor=actor, obj=obligation, changes=changes, reason=reason,
                              expected_version=expected_version)


@transaction.atomic
def record_exception(*, actor, obligation: SystemObligation, justification: str) -> SystemObligation:
    """A recorded, justified decision that the system may go live without meeting the obligation (yet). Changing
    obligations of a system is not enough for this decision: it needs compliance rights (the AIMS manager)."""
    require(actor, CHANGE, obligation)
    require(actor, CHANGE, domain="compliance", unit=obligation.system.unit)
    justification = clean_text(justification, "exception_justification", required=True,
                               message=_("Say why the system may go live without it."))
    return _save_with_changes(actor=actor, obj=obligation, expected_version=None, reason=justification,
                              action="compliance.systemobligation.exception",
                              changes={"exception_justification": justification, "exception_by": actor,
                                       "exception_at": context.now()})


@transaction.atomic
def withdraw_exception(*, actor, obligation: SystemObligation, reason: str) -> SystemObligation:
    require(actor, CHANGE, domain="compliance", unit=obligation.system.unit)
    reason = clean_text(reason, "reason", required=True, message=_("Say why the exception is withdrawn."))
    return _save_with_changes(actor=actor, obj=obligation, expected_version=None, reason=reason,
                              action="compliance.systemobligation.exception_withdrawn",
                              changes={"exception_justification": "", "exception_by": None, "exception_at": None})


def sync_all(actor=None) -> int:
    """Bring every classified system's register in step with its current classification (a daily safety net for
    systems classified before this module, or while it was disabled)."""
    from aims.inventory.models import AISystem, Classification

    count = 0
    for system in AISystem.objects.select_related("owner").exclude(ai_act_tier=""):
        classification = Classification.objects.filter(system=system).exclude(
            status=Classification.Status.SUPERSEDED).order_by("-classified_at", "-id").first()
        if classification is not None:
            result = sync_obligations(system=system, obligations=classification.obligations or [],
                                      catalogue_version=classification.catalogue_version, actor=actor)
            count += result["added"] + result["retired"] + result["restored"]
    return count
