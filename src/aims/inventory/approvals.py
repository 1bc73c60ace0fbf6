"""The inventory's sign-offs in the "To approve" inbox (aims.core.approvals): AI Act classifications and change
decisions. Registered from InventoryConfig.ready()."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from aims.core import approvals
from aims.core.stored_text import Text

from .models import ChangeApproval, ChangeDecision, Classification
from .services.changes import APPROVAL as CHANGE_DECISION
from .services.changes import approve_change, decision_approvers
from .services.classification import APPROVAL as CLASSIFICATION
from .services.classification import sign_off_classification


# --- Classification: a reviewer in one of the configured roles over the system's unit signs it off ----------------

def classification_url(classification: Classification) -> str:
    return f"{classification.system.get_absolute_url()}?tab=classification#sign-off"


# What the inbox shows of a system and of a person: the wide text and JSON columns stay in the database (reading
# them for every row of an organisation-wide inbox cost more than the rest of the page: benchmarks/approvals.py).
SYSTEM_FIELDS = ("id", "name", "reference_code", "unit_id", "owner_id", "backup_owner_id", "technical_lead_id",
                 "business_referent_id", "is_frozen")
PERSON_FIELDS = ("id", "first_name", "last_name", "email", "username", "is_active", "language")


def _only(prefix: str, fields) -> list[str]:
    return [f"{prefix}__{field}" for field in fields]


def _waiting_classifications():
    return (Classification.objects.filter(status=Classification.Status.AWAITING_SIGN_OFF, provisional=False,
                                          system__is_frozen=False)
            .select_related("system", "system__unit", "classified_by")
            .only("id", "status", "classified_at", "system_id", "classified_by_id", *_only("system", SYSTEM_FIELDS),
                  "system__unit__id", "system__unit__path", "system__unit__name",
                  *_only("classified_by", PERSON_FIELDS)))


def _sign_off(*, actor, obj, comment: str = "", **_details):
    return sign_off_classification(actor=actor, classification=obj, comment=comment)


# --- Change decisions: the people named in its still-open approver slots ------------------------------------------

def decision_url(decision: ChangeDecision) -> str:
    return reverse("inventory:change_detail", args=[decision.pk])


def _waiting_decisions():
    people = ("owner", "backup_owner", "technical_lead", "business_referent")
    return (ChangeDecision.objects.filter(status=ChangeDecision.Status.PENDING, system__is_frozen=False)
            .select_related("system", "system__unit", *(f"system__{p}" for p in people), "requested_by")
            .only("id", "kind", "status", "requested_at", "required_approvers", "system_id", "requested_by_id",
                  *_only("system", SYSTEM_FIELDS), "system__unit__id", "system__unit__path",
                  *(f for p in people for f in _only(f"system__{p}", PERSON_FIELDS)),
                  *_only("requested_by", PERSON_FIELDS))
            .prefetch_related(Prefetch("approvals", queryset=ChangeApproval.objects.only("decision_id", "slot",
                                                                                           "approver_id"))))


def _decisions_for(user) -> list[ChangeDecision]:
    group_names = set(user.people_groups.values_list("name", flat=True))
    candidates = _waiting_decisions()
    if not group_names:  # then only the people named on the system can be asked: read just their decisions
        candidates = candidates.filter(Q(system__owner=user) | Q(system__backup_owner=user)
                                       | Q(system__technical_lead=user) | Q(system__business_referent=user))
    mine = []
    for decision in candidates:
        if decision.requested_by_id == user.pk or any(a.approver_id == user.pk for a in decision.approvals.all()):
            continue
        filled = {approval.slot for approval in decision.approvals.all()}
        for slot in decision.required_approvers:
            if slot["key"] in filled:
                continue
            if "group" in slot and slot["group"] in group_names:
                mine.append(decision)
                break
            named = getattr(decision.system, slot.get("system_field", ""), None) if "system_field" in slot else None
            if named is not None and named.pk == user.pk:
                mine.append(decision)
                break
    return mine


def _give_approval(*, actor, obj, comment: str = "", slot: str | None = None, **_details):
    return approve_change(actor=actor, decision=obj, comment=comment, slot=slot)


def register() -> None:
    approvals.register(approvals.ApprovalKind(
        key=CLASSIFICATION, label=gettext_lazy("AI Act classification"), order=10,
        waiting=_waiting_classifications,
        approvers=lambda c: approvals.people_in_approver_roles(CLASSIFICATION, c.system.unit),
        waiting_for=lambda user: _waiting_classifications().filter(
            approvals.in_approver_scope(user, CLASSIFICATION, "system__unit")).exclude(classified_by=user),
        author=lambda c: c.classified_by, since=lambda c: c.classified_at, url=classification_url,
        approve=_sign_off,
        describe=lambda c: Text(gettext_lazy("AI Act classification of “%(system)s”"), system=str(c.system)),
    ))
    approvals.register(approvals.ApprovalKind(
        key=CHANGE_DECISION, label=gettext_lazy("Change decision"), order=30,
        waiting=_waiting_decisions, approvers=decision_approvers, waiting_for=_decisions_for,
        author=lambda d: d.requested_by, since=lambda d: d.requested_at, url=decision_url,
        approve=_give_approval,
        describe=lambda d: Text(gettext_lazy("%(kind)s of “%(system)s”"), kind=ChangeDecision.Kind(d.kind).label,
                                system=str(d.system)),
    ))
