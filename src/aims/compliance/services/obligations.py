"""The per-system obligations register: kept in step with each system's classification (added, retired, brought
back, each in the ledger), kept by the system's owners (status, owner, notes, exception), and checked at go-live."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, context, ledger
from aims.core.assignment import check_assignee
from aims.core.notifications import notify
from aims.core.permissions import CHANGE, can_in_unit, require
from aims.core.services import _save_with_changes, stamp_new

from ..models import Requirement, SystemObligation
from ._common import clean_text, reject_unknown

EDITABLE = ("status", "owner", "notes")
EXCEPTION_APPROVAL = "compliance.obligation_exception"  # the "To approve" inbox's kind (compliance/approvals.py)


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
            if current.exception_waiting:  # nothing left to decide: the approvers' tasks close
                approvals.settle(EXCEPTION_APPROVAL, current)
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
    if changes.get("owner") is not None and changes["owner"] != obligation.owner:
        check_assignee(actor=actor, person=changes["owner"], action=CHANGE, domain="obligations",
                       unit=obligation.system.unit, field="owner",
                       what=_("owner of the obligation %(article)s of “%(system)s”")
                       % {"article": obligation.article, "system": obligation.system.name})
    return _save_with_changes(actor=actor, obj=obligation, changes=changes, reason=reason,
                              expected_version=expected_version)


def _locked(obligation: SystemObligation) -> SystemObligation:
    return SystemObligation.objects.select_for_update(of=("self",)).select_related("system__unit").get(
        pk=obligation.pk)


@transaction.atomic
def request_exception(*, actor, obligation: SystemObligation, justification: str) -> SystemObligation:
    """Ask that the system may go live without meeting the obligation (yet), with the reason. Whoever keeps the
    register asks; the decision is another person's, in the "To approve" inbox (approve_exception)."""
    obligation = _locked(obligation)
    require(actor, CHANGE, obligation)
    if not obligation.is_active:
        raise ValidationError(_("This obligation no longer applies to the system."))
    if obligation.exception_at is not None:
        raise ValidationError(_("An exception is already approved: withdraw it before asking for another one."))
    if obligation.exception_waiting:
        raise ValidationError(_("An exception already waits for approval."))
    justification = clean_text(justification, "exception_justification", required=True,
                               message=_("Say why the system may go live without it."))
    obligation = _save_with_changes(actor=actor, obj=obligation, expected_version=None, reason=justification,
                                    action="compliance.systemobligation.exception_request",
                                    changes={"exception_requested": justification, "exception_requested_by": actor,
                                             "exception_requested_at": context.now()})
    approvals.request(EXCEPTION_APPROVAL, obligation, body=justification)
    return obligation


def _waiting(obligation: SystemObligation) -> SystemObligation:
    obligation = _locked(obligation)
    if not obligation.exception_waiting:
        raise ValidationError(_("No exception waits for approval on this obligation."))
    return obligation


@transaction.atomic
def approve_exception(*, actor, obligation: SystemObligation, comment: str = "") -> SystemObligation:
    """The approver's decision (catalogs/approvals.yaml; never the person who asked): the exception is recorded and
    the go-live gate accepts the obligation without evidence."""
    obligation = _waiting(obligation)
    approvals.require_approver(actor, EXCEPTION_APPROVAL, obligation)
    obligation = _save_with_changes(actor=actor, obj=obligation, expected_version=None,
                                    reason=clean_text(comment, "comment"),
                                    action="compliance.systemobligation.exception",
                                    changes={"exception_justification": obligation.exception_requested,
                                             "exception_by": actor, "exception_at": context.now()})
    approvals.settle(EXCEPTION_APPROVAL, obligation)
    notify(recipient=obligation.exception_requested_by, url=obligation.get_absolute_url(),
           title=gettext_lazy("Exception approved: %(obligation)s of “%(system)s”"), body=comment,
           params={"obligation": obligation.article, "system": obligation.system.name}, kind="compliance.obligation")
    return obligation


@transaction.atomic
def refuse_exception(*, actor, obligation: SystemObligation, comment: str) -> SystemObligation:
    """The approver refuses, saying why; the obligation needs evidence again (or a better-argued request)."""
    obligation = _waiting(obligation)
    approvals.require_approver(actor, EXCEPTION_APPROVAL, obligation)
    comment = clean_text(comment, "comment", required=True, message=_("Say why the exception is refused."))
    asked_by = obligation.exception_requested_by
    obligation = _save_with_changes(actor=actor, obj=obligation, expected_version=None, reason=comment,
                                    action="compliance.systemobligation.exception_refused",
                                    changes={"exception_requested": "", "exception_requested_by": None,
                                             "exception_requested_at": None})
    approvals.settle(EXCEPTION_APPROVAL, obligation)
    notify(recipient=asked_by, url=obligation.get_absolute_url(), body=comment,
           title=gettext_lazy("Exception refused: %(obligation)s of “%(system)s”"),
           params={"obligation": obligation.article, "system": obligation.system.name}, kind="compliance.obligation")
    return obligation


def may_withdraw_exception(user, obligation: SystemObligation) -> bool:
    """Compliance writers over the system's unit withdraw an exception; whoever asked withdraws their waiting
    request."""
    if obligation.exception_waiting and obligation.exception_requested_by_id == user.pk:
        return True
    return can_in_unit(user, CHANGE, "compliance", obligation.system.unit)


@transaction.atomic
def withdraw_exception(*, actor, obligation: SystemObligation, reason: str) -> SystemObligation:
    obligation = _locked(obligation)
    if not may_withdraw_exception(actor, obligation):
        require(actor, CHANGE, domain="compliance", unit=obligation.system.unit)
    if obligation.exception_requested_at is None and obligation.exception_at is None:
        raise ValidationError(_("No exception is recorded or asked for on this obligation."))
    reason = clean_text(reason, "reason", required=True, message=_("Say why the exception is withdrawn."))
    waiting = obligation.exception_waiting
    obligation = _save_with_changes(actor=actor, obj=obligation, expected_version=None, reason=reason,
                                    action="compliance.systemobligation.exception_withdrawn",
                                    changes={"exception_requested": "", "exception_requested_by": None,
                                             "exception_requested_at": None, "exception_justification": "",
                                             "exception_by": None, "exception_at": None})
    if waiting:
        approvals.settle(EXCEPTION_APPROVAL, obligation)
    return obligation


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
