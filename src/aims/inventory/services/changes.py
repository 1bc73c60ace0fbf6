"""Change decisions (minor update, major update, retirement) and their approvals; retirement freezes the system."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.catalogs import load_catalog, localised
from aims.core import approvals, context
from aims.core.models import PeopleGroup, Task, User
from aims.core.notifications import close_tasks, notify
from aims.core.permissions import CHANGE, require
from aims.core.services import _create, _save_with_changes

from .. import signals
from ..models import AISystem, ChangeApproval, ChangeDecision, Stage
from ._common import ensure_change_allowed, ensure_not_frozen, required_text

CONFIG = "change_decisions"
APPROVAL = "inventory.change_decision"  # its kind in the "To approve" inbox (see ..approvals)
SYSTEM_FIELDS = ("technical_lead", "business_referent", "owner", "backup_owner")


def approver_config(kind: str) -> tuple[list[dict], str]:
    """The approver slots configured for `kind`, and the configuration version."""
    config = load_catalog(CONFIG)
    try:
        slots = config["kinds"][kind]["approvers"]
    except KeyError:
        raise ValidationError({"kind": _("Unknown kind of change.")}) from None
    for slot in slots:
        if ("system_field" in slot) == ("group" in slot) or slot.get("system_field", "owner") not in SYSTEM_FIELDS:
            raise ValidationError(_("The change-decision configuration is invalid for slot “%(key)s”.")
                                  % {"key": slot.get("key")})
    return slots, str(config["version"])


def slot_people(slot: dict, system: AISystem) -> list[User]:
    """Who may fill a slot now: the person named on the system, or the active members of the configured group."""
    if "system_field" in slot:
        person = getattr(system, slot["system_field"])
        return [person] if person is not None and person.is_active else []
    group = PeopleGroup.objects.filter(name=slot["group"]).first()
    return list(group.members.filter(is_active=True)) if group else []


def decision_approvers(decision: ChangeDecision) -> list[User]:
    """Everyone who may still fill one of the decision's open slots (not those who gave a verdict already)."""
    approvals_given = list(decision.approvals.all())
    given = {approval.approver_id for approval in approvals_given}
    filled = {approval.slot for approval in approvals_given}
    people = {}
    for slot in decision.required_approvers:
        if slot["key"] not in filled:
            people.update({p.pk: p for p in slot_people(slot, decision.system) if p.pk not in given})
    return list(people.values())


def pending_slots(decision: ChangeDecision) -> list[dict]:
    filled = set(decision.approvals.values_list("slot", flat=True))
    return [slot for slot in decision.required_approvers if slot["key"] not in filled]


def eligible_slots(decision: ChangeDecision, user) -> list[dict]:
    """The still-open slots `user` may fill (none once they have given a verdict on this decision, and none for the
    person who requested the change: nobody approves their own request)."""
    if user.pk == decision.requested_by_id or decision.approvals.filter(approver=user).exists():
        return []
    return [slot for slot in pending_slots(decision) if any(p.pk == user.pk for p in slot_people(slot, decision.system))]


@transaction.atomic
def request_change(*, actor, system: AISystem, kind: str, description: str, reason: str = "") -> ChangeDecision:
    """Open a change decision; its required approvers come from the configuration and are notified."""
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    description = required_text(description, "description", _("Describe the change."))
    slots, version = approver_config(kind)
    people_by_slot = {}
    for slot in slots:
        # Nobody approves their own request: the requester does not count towards a slot.
        people = [person for person in slot_people(slot, system) if person.pk != actor.pk]
        if not people and slot_people(slot, system):
            raise ValidationError({"kind": _("You hold the approver role “%(slot)s” of this change yourself, and nobody "
                                             "approves their own request: ask another person to request it.")
                                   % {"slot": localised(slot.get("label") or slot["key"], get_language() or "en")}})
        if not people:
            if "system_field" in slot:
                message = _("The system has no active %(who)s; name one before requesting this change.")
            else:
                message = _("The group “%(who)s” does not exist or has no active member.")
            who = slot.get("group") or AISystem._meta.get_field(slot.get("system_field", "owner")).verbose_name
            raise ValidationError({"kind": message % {"who": who}})
        people_by_slot[slot["key"]] = people
    named = [people[0].pk for slot, people in zip(slots, people_by_slot.values()) if "system_field" in slot]
    if len(named) != len(set(named)):
        raise ValidationError({"kind": _("The same person holds two of the required approver roles; this change needs "
                                         "distinct approvers.")})
    if kind == ChangeDecision.Kind.RETIREMENT and system.change_decisions.filter(
            kind=kind, status__in=[ChangeDecision.Status.PENDING, ChangeDecision.Status.APPROVED]).exists():
        raise ValidationError({"kind": _("A retirement of this system is already under way.")})
    decision = _create(actor=actor, reason=reason, obj=ChangeDecision(
        system=system, kind=kind, description=description, requested_by=actor, required_approvers=slots,
        config_version=version,
    ))
    approvals.request(APPROVAL, decision, body=description)
    return decision


def _give_verdict(*, actor, decision: ChangeDecision, verdict: str, comment: str, slot: str | None) -> ChangeApproval:
    ensure_not_frozen(decision.system)
    if decision.status != ChangeDecision.Status.PENDING:
        raise ValidationError(_("This decision is no longer pending (it is: %(status)s).")
                              % {"status": decision.get_status_display()})
    # Being a required approver is the permission here: committee members, the DPO or management need no inventory role.
    slots = eligible_slots(decision, actor)
    if not slots:
        raise PermissionDenied(_("You are not an approver still expected on this decision."))
    if slot is not None:
        slots = [s for s in slots if s["key"] == slot]
        if not slots:
            raise ValidationError({"slot": _("You cannot approve in this capacity.")})
    approval = _create(actor=actor, obj=ChangeApproval(decision=decision, slot=slots[0]["key"], approver=actor,
                                                       verdict=verdict, comment=comment), reason=comment)
    # The actor's own task is done; the other approvers' tasks close when the decision is decided.
    Task.objects.filter(assignee=actor, source=approvals.task_source(APPROVAL, decision), done_at__isnull=True).update(
        done_at=context.now())
    return approval


@transaction.atomic
def approve_change(*, actor, decision: ChangeDecision, comment: str = "", slot: str | None = None) -> ChangeDecision:
    """Approve in one required capacity; the decision is approved once every slot has an approval."""
    _give_verdict(actor=actor, decision=decision, verdict=ChangeApproval.Verdict.APPROVED, comment=(comment or "").strip(),
                  slot=slot)
    if pending_slots(decision):
        return decision
    decision = _save_with_changes(actor=actor, obj=decision, expected_version=None, reason="",
                                  action="inventory.changedecision.approve",
                                  changes={"status": ChangeDecision.Status.APPROVED, "decided_at": context.now()})
    approvals.settle(APPROVAL, decision)
    notify(recipient=decision.requested_by, title=gettext_lazy("Approved: %(kind)s of “%(system)s”"),
           params={"kind": decision.get_kind_display(), "system": str(decision.system)},
           url=f"{decision.system.get_absolute_url()}#change-{decision.pk}", kind="inventory.change")
    return decision


@transaction.atomic
def reject_change(*, actor, decision: ChangeDecision, comment: str, slot: str | None = None) -> ChangeDecision:
    """Any one rejection rejects the whole decision; the reason is mandatory."""
    comment = required_text(comment, "comment", _("Say why you reject this change."))
    _give_verdict(actor=actor, decision=decision, verdict=ChangeApproval.Verdict.REJECTED, comment=comment, slot=slot)
    decision = _save_with_changes(actor=actor, obj=decision, expected_version=None, reason=comment,
                                  action="inventory.changedecision.reject",
                                  changes={"status": ChangeDecision.Status.REJECTED, "decided_at": context.now()})
    approvals.settle(APPROVAL, decision)
    notify(recipient=decision.requested_by, title=gettext_lazy("Rejected: %(kind)s of “%(system)s”"), body=comment,
           params={"kind": decision.get_kind_display(), "system": str(decision.system)},
           url=f"{decision.system.get_absolute_url()}#change-{decision.pk}", kind="inventory.change")
    return decision


@transaction.atomic
def make_change_effective(*, actor, decision: ChangeDecision, reason: str = "") -> ChangeDecision:
    """Put an approved decision into effect. A retirement freezes the system: stage retired, read-only for good."""
    system = decision.system
    if actor.pk not in (decision.requested_by_id, system.owner_id):
        require(actor, CHANGE, system)
    ensure_not_frozen(system)
    ensure_change_allowed(system)
    if decision.status != ChangeDecision.Status.APPROVED:
        raise ValidationError(_("Only an approved decision can take effect; every required approval must be in first."))
    now = context.now()
    decision = _save_with_changes(actor=actor, obj=decision, expected_version=None, reason=reason,
                                  action="inventory.changedecision.effective",
                                  changes={"status": ChangeDecision.Status.EFFECTIVE, "effective_at": now})
    if decision.kind == ChangeDecision.Kind.RETIREMENT:
        _save_with_changes(actor=actor, obj=system, expected_version=None, reason=reason or decision.description,
                           action="inventory.aisystem.retire",
                           changes={"stage": Stage.RETIRED, "is_frozen": True, "retired_at": now})
        close_tasks(source=f"inventory.reclassify.{system.pk}")
        close_tasks(source=f"inventory.classification.provisional.{system.pk}")
    signals.change_effective.send(sender=AISystem, system=system, actor=actor, decision=decision)
    return decision
