"""Containment decisions and the evidence hold.

A containment decision (isolate, quarantine data flows, degraded mode, human takeover, roll back, stop...) records who
decided, when, why and its effect on the system; a measure in force shows on the system's page until it is lifted.

The evidence hold follows AI Act Art. 73(6): while a clock of a regime marked `evidence_hold` in
catalogs/incident_clocks.yaml runs without a submission, each affected system is held: a snapshot of its
configuration, components and model cards is kept, its lifecycle moves fail their gate and the inventory's change
services refuse changes that alter it, with a message naming the incident. The hold ends when the report is
submitted, the regime is dismissed, the system is no longer affected, or an AIMS manager releases it with a
justification (a release by override is not placed again for the same incident and system).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.core import context, ledger
from aims.core.permissions import CHANGE, Role, require, user_scopes
from aims.core.services import _create, _save_with_changes, lock_and_reload

from .. import catalog, clocks
from ._common import FUTURE_TOLERANCE
from ..models import Clock, ContainmentDecision, EvidenceHold, Incident, RegimeDecision, Status, TimelineEntry

LIVE = (Clock.State.WAITING, Clock.State.RUNNING)
MAX_VERSION_STEPS = 100


def _ensure_open(incident: Incident) -> None:
    if incident.status == Status.CLOSED:
        raise ValidationError(_("A closed incident is kept as it was closed; it cannot be changed."))


def _timeline(*, actor, incident, kind, at, source="", note="") -> TimelineEntry:
    return TimelineEntry.objects.create(incident=incident, kind=kind, at=at, source=source[:300], note=note,
                                        recorded_by=actor if getattr(actor, "pk", None) else None,
                                        created_at=context.now())


# --- Evidence hold ----------------------------------------------------------------------------------------------------

def hold_message(hold: EvidenceHold) -> str:
    return _("Evidence hold by incident %(incident)s: the serious incident has not yet been reported to the "
             "authority (EU AI Act Art. 73(6)); the system must not be altered before, unless an AIMS manager "
             "releases the hold with a justification.") % {"incident": f"{hold.incident.reference} “{hold.incident.title}”"}


def active_holds(system) -> list[EvidenceHold]:
    """The evidence holds in force on `system` (one query)."""
    return list(EvidenceHold.objects.filter(system=system, released_at=None).select_related("incident")
                .order_by("started_at", "id"))


def hold_gate_check(system):
    """The inventory gate: no lifecycle move while an evidence hold is on the system."""
    holds = active_holds(system)
    if not holds:
        return True, "", ""
    return False, hold_message(holds[0]), holds[0].incident.get_absolute_url() + "#evidence-hold"


def hold_change_guard(system) -> str:
    """The inventory's change services: the reason a change that alters `system` is refused ("" if none)."""
    holds = active_holds(system)
    return hold_message(holds[0]) if holds else ""


def _snapshot(system) -> dict:
    """The system as it stands: its configuration, its components (with versions) and its model cards."""
    from aims.inventory.models import ModelCard

    links = system.component_links.select_related("component").order_by("component__name", "component_id")
    cards = ModelCard.objects.filter(system=system).order_by("id")
    return {
        "taken_at": context.now().isoformat(),
        "system": {"id": system.pk, **ledger.snapshot(system)},
        "components": [{"id": link.component_id, "role": link.role, **ledger.snapshot(link.component)}
                       for link in links],
        "model_cards": [{"id": card.pk, **ledger.snapshot(card)} for card in cards],
    }


def _holding_regime(incident: Incident) -> str:
    """The key of an applied evidence-hold regime whose clocks still run without submission ("" if none)."""
    hold_regimes = [key for key, regime in clocks.catalogue().regimes.items() if regime.evidence_hold]
    if not hold_regimes:
        return ""
    return (Clock.objects.filter(incident=incident, regime__in=hold_regimes, state__in=LIVE,
                                 decision__state=RegimeDecision.State.APPLIED)
            .order_by("regime").values_list("regime", flat=True).first() or "")


def _release(*, actor, hold: EvidenceHold, release: str, reason: str = "") -> EvidenceHold:
    hold.released_at, hold.release, hold.release_reason = context.now(), release, reason
    hold.released_by = actor if getattr(actor, "pk", None) else None
    hold.save(update_fields=["released_at", "released_by", "release", "release_reason"])
    ledger.record(actor=actor, action="incidents.evidencehold.release", obj=hold.incident, reason=reason,
                  after={"system": hold.system_id, "release": release, "justification": reason})
    _timeline(actor=actor, incident=hold.incident, kind=TimelineEntry.Kind.HOLD, at=hold.released_at,
              source=str(hold.system), note=str(EvidenceHold.Release(release).label))
    return hold


def sync_holds(*, actor, incident: Incident) -> None:
    """Place or release the incident's evidence holds to match its clocks and affected systems. Runs inside the
    caller's transaction (apply, dismiss, submission, change of the affected systems)."""
    regime = _holding_regime(incident) if incident.status != Status.CLOSED else ""
    active = {hold.system_id: hold for hold in incident.evidence_holds.filter(released_at=None)}
    if not regime and not active:
        return
    systems = {system.pk: system for system in incident.systems.all()} if regime else {}
    for system_id, hold in active.items():
        if system_id not in systems:
            release = EvidenceHold.Release.UNLINKED if regime else _why_released(incident)
            _release(actor=actor, hold=hold, release=release)
    if not regime:
        return
    overridden = set(incident.evidence_holds.filter(release=EvidenceHold.Release.OVERRIDE)
                     .values_list("system_id", flat=True))
    now = context.now()
    for system_id, system in systems.items():
        if system_id in active or system_id in overridden:
            continue
        hold = EvidenceHold.objects.create(incident=incident, system=system, regime=regime, started_at=now,
                                           snapshot=_snapshot(system))
        ledger.record(actor=actor, action="incidents.evidencehold.start", obj=incident,
                      after={"system": system.pk, "regime": regime, "snapshot": hold.snapshot})
        _timeline(actor=actor, incident=incident, kind=TimelineEntry.Kind.HOLD, at=now, source=str(system),
                  note=_("Snapshot of the configuration, components and model cards kept; changes blocked until the "
                         "authority is informed."))


def _why_released(incident: Incident) -> str:
    """No hold regime runs any more: was it reported, or dismissed?"""
    hold_regimes = [key for key, regime in clocks.catalogue().regimes.items() if regime.evidence_hold]
    reported = Clock.objects.filter(incident=incident, regime__in=hold_regimes,
                                    state=Clock.State.SUBMITTED).exists()
    return EvidenceHold.Release.SUBMITTED if reported else EvidenceHold.Release.DISMISSED


def is_aims_manager_for(user, unit) -> bool:
    """The AIMS manager (or administrator) role over `unit`: releasing a hold is a management decision."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(scope.role in (Role.AIMS_MANAGER, Role.ADMINISTRATOR)
               and (scope.unit_path is None or unit.path.startswith(scope.unit_path)) for scope in user_scopes(user))


@transaction.atomic
def release_hold(*, actor, hold: EvidenceHold, justification: str) -> EvidenceHold:
    """An AIMS manager lifts an evidence hold before the authority is informed, with a justification (ledgered; the
    hold is not placed again on this system for this incident)."""
    incident = hold.incident
    require(actor, "view", incident)
    if not is_aims_manager_for(actor, incident.unit):
        raise PermissionDenied(_("Only an AIMS manager may release an evidence hold."))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Say why the system may be changed before the authority is "
                                                  "informed.")})
    hold = EvidenceHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise ValidationError(_("This evidence hold was already released."))
    return _release(actor=actor, hold=hold, release=EvidenceHold.Release.OVERRIDE, reason=justification)


# --- Containment decisions ------------------------------------------------------------------------------------------

def _earlier_versions(system) -> set[int]:
    """The ids of the previous versions of every component the system uses (what a rollback may return to)."""
    from aims.inventory.models import Component

    current = list(system.component_links.values_list("component__previous_version_id", flat=True))
    found: set[int] = set()
    frontier = {pk for pk in current if pk}
    for _step in range(MAX_VERSION_STEPS):
        frontier -= found
        if not frontier:
            break
        found |= frontier
        frontier = set(Component.objects.filter(pk__in=frontier, previous_version__isnull=False)
                       .values_list("previous_version_id", flat=True))
    return found


@transaction.atomic
def record_decision(*, actor, incident: Incident, kind: str, reason: str, system=None, component=None,
                    decided_by=None, decided_at=None, effect: str = "") -> ContainmentDecision:
    """Record a decision of the response: who decided (the actor unless named), when (now unless given), why, on
    which affected system, and its effect. A decision that alters the system (a rollback) is refused while an evidence
    hold is on it."""
    require(actor, CHANGE, incident)
    _ensure_open(incident)
    entry = catalog.containment_kind(kind)
    errors = {}
    if entry is None:
        errors["kind"] = _("Choose a decision of the catalogue: %(keys)s.") % {
            "keys": ", ".join(k["key"] for k in catalog.containment_kinds())}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why this was decided.")
    now = context.now()
    decided_at = decided_at or now
    if decided_at > now + FUTURE_TOLERANCE:
        errors["decided_at"] = _("This moment is in the future.")
    elif decided_at < incident.detected_at:
        errors["decided_at"] = _("A decision of the response comes after the incident was detected.")
    if system is not None and not incident.systems.filter(pk=system.pk).exists():
        errors["system"] = _("Choose one of the incident's affected systems.")
    if entry is not None and entry["needs_component"]:
        if system is None:
            errors["system"] = _("Name the system that is rolled back.")
        elif component is None:
            errors["component"] = _("Choose the version the system goes back to.")
        elif component.pk not in _earlier_versions(system):
            errors["component"] = _("Choose a previous version of a component the system uses.")
    elif component is not None:
        errors["component"] = _("Only a rollback names a version.")
    if entry is not None and entry["in_force"] and system is None and "system" not in errors:
        errors["system"] = _("Name the system this measure applies to.")
    if errors:
        raise ValidationError(errors)
    if entry["alters_system"] and system is not None:
        holds = active_holds(system)
        if holds:
            raise ValidationError({"kind": hold_message(holds[0])})
    decided_by = decided_by or actor
    from aims.core.permissions import VIEW, can_in_unit

    if not can_in_unit(decided_by, VIEW, "incidents", incident.unit):
        raise ValidationError({"decided_by": _("%(person)s cannot see this incident.") % {"person": decided_by}})
    effect = (effect or "").strip() or entry["effect"]
    decision = _create(actor=actor, reason=reason, obj=ContainmentDecision(
        incident=incident, kind=kind, system=system, component=component, decided_by=decided_by,
        decided_at=decided_at, reason=reason, effect=effect, in_force=entry["in_force"]))
    label = entry["label"]
    note = "\n".join(part for part in (reason, effect) if part)
    _timeline(actor=actor, incident=incident, kind=TimelineEntry.Kind.DECISION, at=decided_at,
              source=f"{label} · {system}" if system else label, note=note)
    return decision


@transaction.atomic
def lift_decision(*, actor, decision: ContainmentDecision, reason: str, at=None) -> ContainmentDecision:
    """End a measure in force (the system is back to normal service for this measure), now or at `at`."""
    require(actor, CHANGE, decision.incident)
    _ensure_open(decision.incident)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the measure is lifted.")})
    reloaded = lock_and_reload(decision)
    if not reloaded["in_force"]:
        raise ValidationError(_("This measure is not in force."))
    now = at or context.now()
    if now > context.now() + FUTURE_TOLERANCE:
        raise ValidationError({"at": _("This moment is in the future.")})
    if now < decision.decided_at:
        raise ValidationError({"at": _("A measure is lifted after it was decided.")})
    decision = _save_with_changes(actor=actor, obj=decision, expected_version=None, reason=reason,
                                  action="incidents.containmentdecision.lift", reloaded=reloaded,
                                  changes={"in_force": False, "lifted_at": now, "lifted_by": actor,
                                           "lift_reason": reason})
    _timeline(actor=actor, incident=decision.incident, kind=TimelineEntry.Kind.DECISION, at=now,
              source=_("Lifted: %(decision)s") % {"decision": catalog.containment_label(decision.kind)}, note=reason)
    return decision


def measures_in_force(system) -> list[ContainmentDecision]:
    return list(ContainmentDecision.objects.filter(system=system, in_force=True)
                .select_related("incident", "decided_by").order_by("decided_at", "id"))
