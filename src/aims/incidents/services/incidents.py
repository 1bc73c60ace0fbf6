"""The incident register: reporting, editing the facts, the status workflow and the timeline."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, dates, ledger
from aims.core.assignment import check_assignee
from aims.core.notifications import close_tasks, open_task
from aims.core.permissions import ADD, CHANGE, require
from aims.core.services import _save_with_changes, clean_for_create

from .. import catalog
from ._common import FUTURE_TOLERANCE, next_reference, save_with_free_reference
from ..models import FACT_FIELDS, MANUAL_TIMELINE_KINDS, OPEN_STATUSES, TRANSITIONS, Clock, Incident, RegimeDecision, Status, TimelineEntry

INCIDENT_EDITABLE = (
    "title", "description", "category", "nature", "severity", "unit", "handler", "suppliers", "people_affected",
    "people_description", "damage_business", "damage_legal", "damage_customers", "detected_at", "aware_at",
    "classified_major_at", "fix_available_at", *FACT_FIELDS,
)
# Changes to these re-run the regimes' proposals and recompute the clocks.
CLOCK_INPUTS = {"aware_at", "detected_at", "classified_major_at", "fix_available_at", "category", *FACT_FIELDS}


def _check(incident: Incident) -> None:
    errors = {}
    if incident.severity not in catalog.severity_keys():
        errors["severity"] = _("Choose a severity of the scale: %(keys)s.") % {
            "keys": ", ".join(catalog.severity_keys())}
    limit = context.now() + FUTURE_TOLERANCE
    for name in ("detected_at", "aware_at", "classified_major_at", "fix_available_at"):
        value = getattr(incident, name)
        if value is not None and value > limit:
            errors[name] = _("This moment is in the future.")
    if incident.detected_at and incident.aware_at and incident.aware_at < incident.detected_at:
        errors["aware_at"] = _("The organisation cannot become aware of an incident before it is detected.")
    if incident.classified_major_at and incident.aware_at and incident.classified_major_at < incident.aware_at:
        errors["classified_major_at"] = _("An incident is classified after the organisation became aware of it.")
    if (incident.death or incident.widespread_or_critical_infrastructure) and not incident.serious_incident:
        errors["serious_incident"] = _("A death or a widespread infringement makes the incident a serious incident: "
                                       "tick it too.")
    if errors:
        raise ValidationError(errors)


def _check_handler(*, actor, handler, unit) -> None:
    check_assignee(actor=actor, person=handler, action=CHANGE, domain="incidents", unit=unit, field="handler",
                   what=_("incident handler"))


def _entry(*, actor, incident: Incident, kind: str, at, source: str = "", note: str = "") -> TimelineEntry:
    return TimelineEntry.objects.create(incident=incident, kind=kind, at=at, source=source[:300], note=note,
                                        recorded_by=actor if getattr(actor, "pk", None) else None,
                                        created_at=context.now())


def _ids(objects) -> list[int]:
    return sorted(o.pk for o in objects)


def _ask_handler(incident: Incident) -> None:
    open_task(assignee=incident.handler, source=f"incidents.incident.{incident.pk}", url=incident.get_absolute_url(),
              title=gettext_lazy("Handle the incident %(incident)s"), params={"incident": str(incident)})


@transaction.atomic
def create_incident(*, actor, title: str, category: str, severity: str, unit=None, handler=None, systems=(),
                    components=(), aware_at=None, detected_at=None, source: str = "", reason: str = "",
                    **fields) -> Incident:
    """Report an incident. The unit defaults to the first affected system's; the handler to the reporter. Its first
    timeline entries (detected, became aware) are written, and the regimes its facts call for are proposed."""
    systems, components = list(systems), list(components)
    unit = unit or (systems[0].unit if systems else getattr(actor, "unit", None))
    if unit is None:
        raise ValidationError({"unit": _("Choose the organisation unit the incident belongs to.")})
    require(actor, ADD, domain="incidents", unit=unit)
    unknown = set(fields) - set(INCIDENT_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    handler = handler or actor
    _check_handler(actor=actor, handler=handler, unit=unit)
    now = context.now()
    aware_at = aware_at or now
    detected_at = detected_at or aware_at
    incident = Incident(reference=next_reference(Incident, "INC"), title=title, category=category, severity=severity,
                        unit=unit, handler=handler, reported_by=actor if getattr(actor, "pk", None) else None,
                        aware_at=aware_at, detected_at=detected_at, **fields)
    clean_for_create(incident)
    _check(incident)
    save_with_free_reference(incident, "INC")
    incident.systems.set(systems)
    incident.components.set(components)
    ledger.record(actor=actor, action="incidents.incident.create", obj=incident, reason=reason,
                  after={**ledger.snapshot(incident), "systems": _ids(systems), "components": _ids(components)})
    _entry(actor=actor, incident=incident, kind=TimelineEntry.Kind.DETECTED, at=detected_at, source=source)
    _entry(actor=actor, incident=incident, kind=TimelineEntry.Kind.AWARE, at=aware_at, source=source)
    if handler.pk != getattr(actor, "pk", None):
        _ask_handler(incident)
    from .regimes import refresh

    refresh(actor=actor, incident=incident, systems=systems)
    return incident


def _ensure_open_for_changes(incident: Incident) -> None:
    if incident.status == Status.CLOSED:
        raise ValidationError(_("A closed incident is kept as it was closed; it cannot be changed."))


@transaction.atomic
def update_incident(*, actor, incident: Incident, changes: dict, systems=None, components=None,
                    expected_version: int | None = None, reason: str = "") -> Incident:
    """Change the facts of an incident (and, when given, its affected systems and components); proposals and clocks
    follow the new facts."""
    require(actor, CHANGE, incident)
    _ensure_open_for_changes(incident)
    unknown = set(changes) - set(INCIDENT_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    if changes.get("unit") is not None and changes["unit"].pk != incident.unit_id:
        require(actor, ADD, domain="incidents", unit=changes["unit"])
    handler = changes.get("handler", incident.handler)
    if "handler" in changes or "unit" in changes:
        _check_handler(actor=actor, handler=handler, unit=changes.get("unit", incident.unit))
    previous_handler = incident.handler_id
    for name in ("title", "category", "severity", "unit", "handler", "detected_at", "aware_at"):
        if name in changes and changes[name] in (None, ""):
            raise ValidationError({name: _("This field cannot be emptied.")})
    incident = _save_with_changes(actor=actor, obj=incident, changes=changes, reason=reason,
                                  expected_version=expected_version)
    _check(incident)
    relinked = False
    for name, new, relation in (("systems", systems, incident.systems), ("components", components,
                                                                          incident.components)):
        if new is None:
            continue
        before, after = _ids(relation.all()), _ids(new)
        if before != after:
            relation.set(new)
            relinked = True
            ledger.record(actor=actor, action=f"incidents.incident.{name}", obj=incident, reason=reason,
                          before={name: before}, after={name: after})
    if incident.handler_id != previous_handler:
        close_tasks(source=f"incidents.incident.{incident.pk}")
        if incident.handler_id != getattr(actor, "pk", None):
            _ask_handler(incident)
    if relinked or CLOCK_INPUTS & set(changes):
        from .regimes import refresh

        refresh(actor=actor, incident=incident)
    return incident


def _undecided(incident: Incident) -> list[str]:
    problems = []
    if incident.regimes.filter(state=RegimeDecision.State.PROPOSED).exists():
        problems.append(_("a proposed regulatory regime waits for a decision"))
    if incident.clocks.filter(state__in=[Clock.State.WAITING, Clock.State.RUNNING]).exists():
        problems.append(_("a notification clock has not been stopped by a submission"))
    if incident.containment.filter(in_force=True).exists():
        problems.append(_("a containment measure is still in force: lift it first"))
    from .review import review_missing

    missing = review_missing(incident)
    if missing:
        problems.append(missing)
    return problems


@transaction.atomic
def change_status(*, actor, incident: Incident, status: str, reason: str = "", at=None) -> Incident:
    """Move the incident along its workflow (reported, triaged, contained, resolved, closed). Containment and
    resolution are dated (now, or `at`) and enter the timeline. Closing needs every proposed regime decided and every
    clock stopped by a submission."""
    require(actor, CHANGE, incident)
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status not in TRANSITIONS[Status(incident.status)]:
        raise ValidationError({"status": _("An incident cannot go from “%(from)s” to “%(to)s”.") % {
            "from": incident.get_status_display(), "to": Status(status).label}})
    at = at or context.now()
    if at > context.now() + FUTURE_TOLERANCE:
        raise ValidationError({"at": _("This moment is in the future.")})
    dates.refuse_end_before_start(incident.detected_at, at, end_field="at",
                                  start_is=_("the detection of the incident"))
    if status == Status.CLOSED:
        problems = _undecided(incident)
        if problems:
            raise ValidationError({"status": _("The incident cannot be closed yet: %(problems)s.") % {
                "problems": "; ".join(problems)}})
        if not reason.strip():
            raise ValidationError({"reason": _("Say how the incident was reviewed before closing it.")})
    changes = {"status": status}
    dated = {Status.CONTAINED: "contained_at", Status.RESOLVED: "resolved_at", Status.CLOSED: "closed_at"}
    if status in dated:
        changes[dated[status]] = at
    incident = _save_with_changes(actor=actor, obj=incident, changes=changes, reason=reason, expected_version=None,
                                  action="incidents.incident.status")
    kinds = {Status.TRIAGED: TimelineEntry.Kind.CLASSIFIED, Status.CONTAINED: TimelineEntry.Kind.CONTAINED,
             Status.RESOLVED: TimelineEntry.Kind.RESOLVED, Status.CLOSED: TimelineEntry.Kind.CLOSED}
    _entry(actor=actor, incident=incident, kind=kinds[status], at=at, note=reason)
    if status == Status.CLOSED:
        close_tasks(source=f"incidents.incident.{incident.pk}")
    return incident


@transaction.atomic
def add_timeline_entry(*, actor, incident: Incident, kind: str, at, source: str = "", note: str = "") -> TimelineEntry:
    require(actor, CHANGE, incident)
    _ensure_open_for_changes(incident)
    if kind not in MANUAL_TIMELINE_KINDS:
        raise ValidationError({"kind": _("Unknown kind of entry.")})
    if at is None:
        raise ValidationError({"at": _("Say when it happened.")})
    if at > context.now() + FUTURE_TOLERANCE:
        raise ValidationError({"at": _("This moment is in the future.")})
    if kind == TimelineEntry.Kind.NOTE and not (note or "").strip():
        raise ValidationError({"note": _("Write the observation.")})
    entry = _entry(actor=actor, incident=incident, kind=kind, at=at, source=source, note=note)
    ledger.record(actor=actor, action="incidents.incident.timeline", obj=incident,
                  after={"entry": entry.pk, "kind": kind, "at": at.isoformat(), "source": entry.source, "note": note})
    return entry


def open_incidents(queryset):
    return queryset.filter(status__in=OPEN_STATUSES)
