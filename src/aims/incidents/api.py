"""Incidents API: the register, the timeline, the clock catalogue and the organisation's regulatory profile. The
regimes and their clocks are in api_clocks.py, the response (containment, evidence holds, review) in api_response.py."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_utils import (
    InputSchema, ListParams, page_of, paginate, search, visible_or_field_error, visible_set_or_field_error,
)
from aims.core.labels import language
from aims.core.models import OrgUnit, User
from aims.core.permissions import VIEW
from aims.inventory.models import AISystem, Component

from . import catalog, clocks, facts, services
from .models import (
    FACT_FIELDS, MANUAL_TIMELINE_KINDS, OPEN_STATUSES, Category, Incident, Nature, RegulatoryProfile,
)
from .models import Status as IncidentStatus

router = Router(tags=["incidents"])

CATEGORIES = Literal[tuple(Category.values)]
NATURES = Literal[tuple(Nature.values)]
STATUSES = Literal[tuple(IncidentStatus.values)]
KINDS = Literal[MANUAL_TIMELINE_KINDS]


# --- Incidents ---------------------------------------------------------------------------------------------------------

class IncidentRead(Schema):
    id: int
    reference: str
    title: str
    description: str
    category: str
    nature: str
    severity: str
    status: str
    unit_id: int
    handler_id: int
    reported_by_id: int | None
    system_ids: list[int]
    component_ids: list[int]
    suppliers: str
    people_affected: int | None
    people_description: str
    damage_business: str
    damage_legal: str
    damage_customers: str
    detected_at: datetime
    aware_at: datetime
    classified_major_at: datetime | None
    fix_available_at: datetime | None
    contained_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    personal_data_breach: bool
    serious_incident: bool
    death: bool
    widespread_or_critical_infrastructure: bool
    significant_incident: bool
    major_ict_incident: bool
    actively_exploited_vulnerability: bool
    severe_incident: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_system_ids(obj) -> list[int]:
        return sorted(s.pk for s in obj.systems.all())

    @staticmethod
    def resolve_component_ids(obj) -> list[int]:
        return sorted(c.pk for c in obj.components.all())


class _Facts(InputSchema):
    personal_data_breach: bool | None = None
    serious_incident: bool | None = None
    death: bool | None = None
    widespread_or_critical_infrastructure: bool | None = None
    significant_incident: bool | None = None
    major_ict_incident: bool | None = None
    actively_exploited_vulnerability: bool | None = None
    severe_incident: bool | None = None


class IncidentCreate(_Facts):
    NOT_NULL = FACT_FIELDS
    title: str = Field(..., min_length=1, max_length=200)
    category: CATEGORIES
    severity: str = Field(..., max_length=20, description="A key of the severity scale (GET /incidents/severity-scale).")
    nature: NATURES = "unknown"
    description: str = Field("", max_length=20000)
    unit_id: int | None = Field(None, description="Defaults to the first affected system's unit.")
    handler_id: int | None = Field(None, description="Defaults to the caller.")
    system_ids: list[int] = Field(default_factory=list, max_length=500)
    component_ids: list[int] = Field(default_factory=list, max_length=500)
    detected_at: datetime | None = Field(None, description="Defaults to aware_at.")
    aware_at: datetime | None = Field(None, description="Defaults to now.")
    classified_major_at: datetime | None = None
    fix_available_at: datetime | None = None
    suppliers: str = Field("", max_length=5000)
    people_affected: int | None = Field(None, ge=0)
    people_description: str = Field("", max_length=5000)
    damage_business: str = Field("", max_length=5000)
    damage_legal: str = Field("", max_length=5000)
    damage_customers: str = Field("", max_length=5000)
    source: str = Field("", max_length=300, description="Where the report comes from (timeline).")
    reason: str = Field("", max_length=5000)


class IncidentUpdate(_Facts):
    NOT_NULL = ("title", "description", "category", "nature", "severity", "unit_id", "handler_id", "system_ids",
                "component_ids", "detected_at", "aware_at", "suppliers", "people_description", "damage_business",
                "damage_legal", "damage_customers", *FACT_FIELDS)
    version: int
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20000)
    category: CATEGORIES | None = None
    nature: NATURES | None = None
    severity: str | None = Field(None, max_length=20)
    unit_id: int | None = None
    handler_id: int | None = None
    system_ids: list[int] | None = Field(None, max_length=500)
    component_ids: list[int] | None = Field(None, max_length=500)
    detected_at: datetime | None = None
    aware_at: datetime | None = None
    classified_major_at: datetime | None = None
    fix_available_at: datetime | None = None
    suppliers: str | None = Field(None, max_length=5000)
    people_affected: int | None = Field(None, ge=0)
    people_description: str | None = Field(None, max_length=5000)
    damage_business: str | None = Field(None, max_length=5000)
    damage_legal: str | None = Field(None, max_length=5000)
    damage_customers: str | None = Field(None, max_length=5000)
    reason: str = Field("", max_length=5000)


INCIDENT_SORTS = {"aware": ("aware_at",), "reported": ("created_at",), "severity": ("severity", "aware_at"),
                  "status": ("status", "aware_at"), "title": ("title",)}


class IncidentFilters(ListParams):
    SORTS = INCIDENT_SORTS
    status: Literal[tuple(IncidentStatus.values) + ("open",)] | None = None
    severity: str | None = Field(None, max_length=20)
    category: CATEGORIES | None = None
    system: int | None = None
    unit: int | None = None
    handler: int | None = None


def incidents_visible_to(user):
    """The incidents `user` may see, with their systems and components (also used by api_clocks and api_response)."""
    return Incident.objects.restrict(user, VIEW).prefetch_related("systems", "components")


def _references(user, payload, *, unit_required: bool):
    data = {}
    if getattr(payload, "unit_id", None) is not None:
        data["unit"] = visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id")
    if getattr(payload, "handler_id", None) is not None:
        data["handler"] = visible_or_field_error(User, user, payload.handler_id, "handler_id")
    systems = components = None
    if payload.system_ids is not None:
        systems = visible_set_or_field_error(AISystem, user, payload.system_ids, "system_ids")
    if payload.component_ids is not None:
        components = visible_set_or_field_error(Component, user, payload.component_ids, "component_ids")
    return data, systems, components


@router.get("/incidents", response=page_of(IncidentRead), summary="Incidents in the caller's scope")
def incident_list(request, filters: Query[IncidentFilters]):
    incidents = incidents_visible_to(request.user)
    incidents = search(incidents, filters.q, ["title", "reference"])
    if filters.status == "open":
        incidents = incidents.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        incidents = incidents.filter(status=filters.status)
    if filters.severity:
        incidents = incidents.filter(severity=filters.severity)
    if filters.category:
        incidents = incidents.filter(category=filters.category)
    if filters.system is not None:
        incidents = incidents.filter(systems=filters.system)
    if filters.unit is not None:
        incidents = incidents.filter(unit=filters.unit)
    if filters.handler is not None:
        incidents = incidents.filter(handler=filters.handler)
    return paginate(incidents, filters, sorts=INCIDENT_SORTS, default="-aware")


@router.post("/incidents", response={201: IncidentRead}, summary="Report an incident")
def incident_create(request, payload: IncidentCreate):
    data, systems, components = _references(request.user, payload, unit_required=True)
    fields = payload.model_dump(exclude={"unit_id", "handler_id", "system_ids", "component_ids", "reason", "source",
                                         "title", "category", "severity", "aware_at", "detected_at"})
    fields = {k: v for k, v in fields.items() if v is not None}
    incident = services.create_incident(
        actor=request.user, title=payload.title, category=payload.category, severity=payload.severity,
        unit=data.get("unit"), handler=data.get("handler"), systems=systems or [], components=components or [],
        aware_at=payload.aware_at, detected_at=payload.detected_at, source=payload.source, reason=payload.reason,
        **fields)
    return Status(201, visible(incidents_visible_to(request.user), incident.pk))


@router.get("/incidents/{int:incident_id}", response=IncidentRead, summary="One incident")
def incident_detail(request, incident_id: int):
    return visible(incidents_visible_to(request.user), incident_id)


@router.patch("/incidents/{int:incident_id}", response=IncidentRead, summary="Change an incident's facts")
def incident_update(request, incident_id: int, payload: IncidentUpdate):
    incident = visible(incidents_visible_to(request.user), incident_id)
    data, systems, components = _references(request.user, payload, unit_required=False)
    changes = changes_of(payload, exclude=("version", "reason", "unit_id", "handler_id", "system_ids",
                                           "component_ids"))
    changes.update(data)
    services.update_incident(actor=request.user, incident=incident, changes=changes, systems=systems,
                             components=components, expected_version=payload.version, reason=payload.reason)
    return visible(incidents_visible_to(request.user), incident_id)


class StatusIn(InputSchema):
    status: STATUSES
    at: datetime | None = Field(None, description="Defaults to now.")
    reason: str = Field("", max_length=5000)


@router.post("/incidents/{int:incident_id}/status", response=IncidentRead, summary="Move an incident along its workflow")
def incident_status(request, incident_id: int, payload: StatusIn):
    incident = visible(incidents_visible_to(request.user), incident_id)
    services.change_status(actor=request.user, incident=incident, status=payload.status, reason=payload.reason,
                           at=payload.at)
    return visible(incidents_visible_to(request.user), incident_id)


# --- Timeline ----------------------------------------------------------------------------------------------------------

class TimelineRead(Schema):
    id: int
    kind: str
    at: datetime
    recorded_by_id: int | None
    source: str
    note: str


class TimelineIn(InputSchema):
    kind: KINDS
    at: datetime
    source: str = Field("", max_length=300)
    note: str = Field("", max_length=5000)


@router.get("/incidents/{int:incident_id}/timeline", response=list[TimelineRead], summary="An incident's timeline")
def timeline_list(request, incident_id: int):
    incident = visible(incidents_visible_to(request.user), incident_id)
    return list(incident.timeline.order_by("at", "id"))


@router.post("/incidents/{int:incident_id}/timeline", response={201: TimelineRead}, summary="Add to the timeline")
def timeline_add(request, incident_id: int, payload: TimelineIn):
    incident = visible(incidents_visible_to(request.user), incident_id)
    entry = services.add_timeline_entry(actor=request.user, incident=incident, kind=payload.kind, at=payload.at,
                                        source=payload.source, note=payload.note)
    return Status(201, entry)


# --- Catalogue and profile ---------------------------------------------------------------------------------------------

class SeverityLevel(Schema):
    key: str
    label: str
    help: str


@router.get("/incidents/severity-scale", response=list[SeverityLevel], summary="The severity scale (catalogue data)")
def severity_scale(request):
    return catalog.severity_scale()


class CatalogueDeadline(Schema):
    key: str
    label: str
    anchor: str
    after: str
    cap: str
    variants: list[str]
    incomplete_allowed: bool


class CatalogueRegime(Schema):
    key: str
    label: str
    authority: str
    applies_when: list[str]
    escalation: list[float]
    late_reason_required: bool
    deadlines: list[CatalogueDeadline]


class ClockCatalogue(Schema):
    version: str
    regimes: list[CatalogueRegime]


@router.get("/incidents/clock-catalogue", response=ClockCatalogue,
            summary="The regulatory regimes and deadlines the clocks follow (catalogue data)")
def clock_catalogue(request):
    lang, catalogue = language(), clocks.catalogue()
    return {"version": catalogue.version, "regimes": [{
        "key": regime.key, "label": regime.label_in(lang), "authority": regime.authority_in(lang),
        "applies_when": list(regime.applies_when), "escalation": list(clocks.reminder_points(regime)),
        "late_reason_required": regime.late_reason_required,
        "deadlines": [{"key": d.key, "label": d.label_in(lang), "anchor": d.anchor, "after": d.after.text(),
                       "cap": f"{d.cap_anchor} + {d.cap_after.text()}" if d.cap_after else "",
                       "variants": [f"{'+'.join(v.when)}: {v.after.text()}" for v in d.variants],
                       "incomplete_allowed": d.incomplete_allowed} for d in regime.deadlines]}
        for regime in catalogue.regimes.values()]}


class ProfileRead(Schema):
    nis2_entity: str
    financial_entity: bool
    digital_products_manufacturer: bool
    notes: str
    version: int


class ProfileUpdate(InputSchema):
    NOT_NULL = ("nis2_entity", "financial_entity", "digital_products_manufacturer", "notes")
    version: int | None = Field(None, description="The profile's version as read (omit before the first save).")
    nis2_entity: Literal[tuple(RegulatoryProfile.Nis2.values)] | None = None
    financial_entity: bool | None = None
    digital_products_manufacturer: bool | None = None
    notes: str | None = Field(None, max_length=5000)
    reason: str = Field("", max_length=5000)


def _profile_visible(user):
    from aims.core.permissions import can_anywhere

    if not can_anywhere(user, VIEW, "incidents"):
        raise Http404


@router.get("/incidents/regulatory-profile", response=ProfileRead,
            summary="What the organisation is, for the regulations that decide which clocks run")
def profile_detail(request):
    _profile_visible(request.user)
    return facts.profile()


@router.patch("/incidents/regulatory-profile", response=ProfileRead, summary="Change the regulatory profile")
def profile_update(request, payload: ProfileUpdate):
    _profile_visible(request.user)
    current = facts.profile()
    services.update_profile(actor=request.user, changes=changes_of(payload),
                            expected_version=payload.version if current.pk else None, reason=payload.reason)
    return facts.profile()
