"""AI systems: register, update, delete, owner go-live approval and lifecycle moves through the gates."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, dates, ledger
from aims.core.assignment import check_assignee
from aims.core.notifications import notify, open_task
from aims.core.permissions import ADD, CHANGE, DELETE, VIEW, require
from aims.core.services import _create, _delete, _save_with_changes, clean_for_create, lock_and_reload

from .. import gates, signals
from ..models import STAGE_ORDER, AISystem, Classification, GateOverride, OwnerApproval, Stage
from ._common import ensure_not_frozen, is_aims_manager_for, reject_unknown
from .classification import APPROVAL as CLASSIFICATION_APPROVAL

# What the system form and API may change; stage, classification and freezing have their own services.
SYSTEM_EDITABLE = (
    "name", "reference_code", "purpose", "intended_use", "unit", "owner", "backup_owner", "business_referent",
    "technical_lead", "criticality", "personal_data", "special_category_data", "confidential_data",
    "external_exposure", "autonomy", "human_oversight", "deployment_mode", "users_and_affected", "value", "priority",
    "next_review_date", "links", "incident_contact", "escalation_path",
)
REFERENCE_PREFIX = "AIS-"


class GateRefused(ValidationError):
    """A lifecycle move failed its gate. `failures` (and `results`, every check) say why and where to fix it."""

    def __init__(self, target: str, results: list[gates.GateResult]):
        self.target = target
        self.results = results
        self.failures = [r for r in results if not r.passed]
        super().__init__([f"{r.label}: {r.message}" for r in self.failures])


def _check_people(fields: dict) -> None:
    owner = fields.get("owner", ...)
    if owner is None:
        raise ValidationError({"owner": _("Every AI system needs a named owner.")})
    if owner is not ... and not owner.is_active:
        raise ValidationError({"owner": _("The owner must be an active person.")})


# What each person named on a system must be able to do there: the owners run it; the others must open it (the
# technical lead and business referent approve its changes, the incident contact is called when it misbehaves).
PEOPLE_NEEDS = {"owner": CHANGE, "backup_owner": CHANGE, "technical_lead": VIEW, "business_referent": VIEW,
                "incident_contact": VIEW}


def _check_assignees(*, actor, people: dict, unit, system_name: str) -> None:
    """Every person named must be able to act on the system in `unit` (aims.core.assignment)."""
    for field, action in PEOPLE_NEEDS.items():
        if people.get(field) is not None:
            label = AISystem._meta.get_field(field).verbose_name
            check_assignee(actor=actor, person=people[field], action=action, domain="inventory", unit=unit, field=field,
                           what=_("%(role)s of “%(system)s”") % {"role": label, "system": system_name})


@transaction.atomic
def create_system(*, actor, name: str, unit, owner, reason: str = "", **fields) -> AISystem:
    """Register an AI system in `unit` with its named `owner`; other fields as in SYSTEM_EDITABLE."""
    require(actor, ADD, domain="inventory", unit=unit)
    reject_unknown(fields, SYSTEM_EDITABLE)
    _check_people({"owner": owner})
    dates.refuse_past(fields.get("next_review_date"), "next_review_date")
    _check_assignees(actor=actor, people={**fields, "owner": owner}, unit=unit, system_name=name)
    reference = (fields.pop("reference_code", "") or "").strip()
    system = AISystem(name=name, unit=unit, owner=owner, reference_code=reference or f"tmp-{uuid.uuid4().hex[:20]}",
                      **fields)
    clean_for_create(system)
    system.save()
    if not reference:
        # The default reference is derived from the primary key, known only once the row exists.
        system.reference_code = f"{REFERENCE_PREFIX}{system.pk:05d}"
        system.save(update_fields=["reference_code"])
    ledger.record(actor=actor, action="inventory.aisystem.create", obj=system, after=ledger.snapshot(system),
                  reason=reason)
    signals.announce_registered(system=system, actor=actor)
    return system


@transaction.atomic
def update_system(*, actor, system: AISystem, changes: dict, expected_version: int | None = None,
                  reason: str = "") -> AISystem:
    """Change the editable fields. A change to a classification-relevant field asks for re-classification."""
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    reject_unknown(changes, SYSTEM_EDITABLE)
    _check_people(changes)
    if changes.get("unit") is not None and changes["unit"].pk != system.unit_id:
        require(actor, ADD, domain="inventory", unit=changes["unit"])
    if "reference_code" in changes and not (changes["reference_code"] or "").strip():
        raise ValidationError({"reference_code": _("The reference cannot be empty.")})
    if "next_review_date" in changes:  # a review date already overdue may stay as it is
        dates.refuse_past(changes["next_review_date"], "next_review_date", kept=system.next_review_date)
    stored = lock_and_reload(system)  # the row as it is now, locked: compared with the changes below
    moved = changes.get("unit") is not None and changes["unit"].pk != system.unit_id
    # Moved to another unit, everyone named must be able to act there; otherwise the newly named people.
    named = {field: changes.get(field, getattr(system, field)) for field in PEOPLE_NEEDS} if moved else {
        field: changes[field] for field in PEOPLE_NEEDS if field in changes
        and getattr(changes[field], "pk", None) != getattr(system, f"{field}_id")}
    _check_assignees(actor=actor, people=named, unit=changes["unit"] if moved else system.unit,
                     system_name=changes.get("name") or system.name)
    changed_relevant = [f for f in AISystem.CLASSIFICATION_FIELDS if f in changes and stored[f] != changes[f]]
    current = _current_classification(system) if changed_relevant else None
    if current is not None:
        changes = {**changes, "needs_reclassification": True}
    system = _save_with_changes(actor=actor, obj=system, changes=changes, reason=reason,
                                expected_version=expected_version, reloaded=stored)
    if current is not None:
        _ask_for_reclassification(actor=actor, system=system, classification=current, fields=changed_relevant)
    return system


def _current_classification(system) -> Classification | None:
    # Plain SQL for the lookup: it runs on every edit of a classification-relevant field, and building the ORM query
    # cost more than running it (see benchmarks/ledger.py); the row is loaded only when there is one.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Classification._meta.db_table} WHERE system_id = %s AND status NOT IN (%s, %s) "
                       "ORDER BY classified_at DESC, id DESC LIMIT 1",
                       [system.pk, Classification.Status.SUPERSEDED, Classification.Status.NEEDS_RECLASSIFICATION])
        row = cursor.fetchone()
    return Classification.objects.get(pk=row[0]) if row else None


def _ask_for_reclassification(*, actor, system, classification, fields) -> None:
    labels = ", ".join(str(AISystem._meta.get_field(f).verbose_name) for f in fields)
    _save_with_changes(actor=actor, obj=classification, expected_version=None,
                       changes={"status": Classification.Status.NEEDS_RECLASSIFICATION,
                                "reclassification_reason": _("Changed: %(fields)s.") % {"fields": labels}},
                       reason="", action="inventory.classification.needs_reclassification")
    approvals.settle(CLASSIFICATION_APPROVAL, classification)  # nobody signs off what must be redone
    params = {"system": str(system)}
    url = f"{system.get_absolute_url()}?tab=classification#classification"  # the tab with the questionnaire
    notify(recipient=system.owner, title=gettext_lazy("Re-classify “%(system)s” under the EU AI Act"),
           body=gettext_lazy("A field that can change its EU AI Act classification was modified. Please run the "
                             "classification again."), params=params, url=url, kind="inventory.reclassify")
    open_task(assignee=system.owner, title=gettext_lazy("Re-classify “%(system)s” under the EU AI Act"),
              source=f"inventory.reclassify.{system.pk}", url=url, params=params)


@transaction.atomic
def delete_system(*, actor, system: AISystem, reason: str = "") -> None:
    """Only ideas and designs may be deleted; anything further along is retired, which keeps its history."""
    require(actor, DELETE, system)
    ensure_not_frozen(system)
    if system.stage not in (Stage.IDEA, Stage.DESIGN):
        raise ValidationError(_("A system past the design stage cannot be deleted; retire it with a change "
                                "decision instead."))
    _delete(actor=actor, obj=system, reason=reason)


@transaction.atomic
def approve_go_live(*, actor, system: AISystem, comment: str = "") -> OwnerApproval:
    """The owner's go-live approval. Being the named owner is the permission: no inventory role is needed."""
    ensure_not_frozen(system)
    if getattr(actor, "pk", None) != system.owner_id or not actor.is_active:
        raise PermissionDenied(_("Only the owner of the system can approve its go-live."))
    approval = OwnerApproval(system=system, stage=Stage.DEPLOYMENT, approved_by=actor, comment=(comment or "").strip(),
                             system_version=system.version)
    return _create(actor=actor, obj=approval)


def gate_status(system: AISystem, target: str) -> list[gates.GateResult]:
    """What a move to `target` would check, without moving: for pages that show the gate before trying."""
    return gates.evaluate_move(system, target)


@transaction.atomic
def move_to_stage(*, actor, system: AISystem, stage: str, justification: str = "", expected_version: int | None = None,
                  reason: str = "") -> AISystem:
    """Move a system to another lifecycle stage, through the gate checks of the stages it enters.

    Failed checks refuse the move (GateRefused). An AIMS manager may pass anyway with a written `justification`:
    a GateOverride records the failed checks and the justification, ledgered and listed on the system.
    """
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    if stage not in STAGE_ORDER:
        raise ValidationError({"stage": _("Unknown lifecycle stage.")})
    if stage == Stage.RETIRED:
        raise ValidationError({"stage": _("A system is retired through a retirement change decision.")})
    system.refresh_from_db()
    if stage == system.stage:
        raise ValidationError({"stage": _("The system is already at this stage.")})
    results = gates.evaluate_move(system, stage)
    failures = [r for r in results if not r.passed]
    justification = (justification or "").strip()
    override = None
    if failures:
        if not justification:
            raise GateRefused(stage, results)
        if not is_aims_manager_for(actor, system.unit):
            raise PermissionDenied(_("Only an AIMS manager may override a failed gate."))
        override = _create(actor=actor, obj=GateOverride(
            system=system, from_stage=system.stage, to_stage=stage, overridden_by=actor, justification=justification,
            failed_checks=[{"key": r.key, "label": r.label, "message": r.message, "stage": r.stage} for r in failures],
        ), reason=justification)
    note = _("Gate override #%(id)s: %(text)s") % {"id": override.pk, "text": justification} if override else ""
    previous = system.stage
    system = _save_with_changes(actor=actor, obj=system, changes={"stage": stage}, expected_version=expected_version,
                                reason="\n".join(part for part in (reason, note) if part),
                                action="inventory.aisystem.move_stage")
    signals.stage_changed.send(sender=AISystem, system=system, actor=actor, previous=previous, stage=stage)
    return system
