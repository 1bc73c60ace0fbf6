"""Incidents API: the register, the timeline, regulatory regimes and their clocks, submissions, the open clocks
nearest their deadline, the clock catalogue and the organisation's regulatory profile."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import Q
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
    FACT_FIELDS, MANUAL_TIMELINE_KINDS, OPEN_STATUSES, Category, Clock, ContainmentDecision, EvidenceHold, Incident,
    Nature, PostIncidentReview, RegulatoryProfile, ReviewAction,
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


def _incidents(user):
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
    incidents = _incidents(request.user)
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
    return Status(201, visible(_incidents(request.user), incident.pk))


@router.get("/incidents/{int:incident_id}", response=IncidentRead, summary="One incident")
def incident_detail(request, incident_id: int):
    return visible(_incidents(request.user), incident_id)


@router.patch("/incidents/{int:incident_id}", response=IncidentRead, summary="Change an incident's facts")
def incident_update(request, incident_id: int, payload: IncidentUpdate):
    incident = visible(_incidents(request.user), incident_id)
    data, systems, components = _references(request.user, payload, unit_required=False)
    changes = changes_of(payload, exclude=("version", "reason", "unit_id", "handler_id", "system_ids",
                                           "component_ids"))
    changes.update(data)
    services.update_incident(actor=request.user, incident=incident, changes=changes, systems=systems,
                             components=components, expected_version=payload.version, reason=payload.reason)
    return visible(_incidents(request.user), incident_id)


class StatusIn(InputSchema):
    status: STATUSES
    at: datetime | None = Field(None, description="Defaults to now.")
    reason: str = Field("", max_length=5000)


@router.post("/incidents/{int:incident_id}/status", response=IncidentRead, summary="Move an incident along its workflow")
def incident_status(request, incident_id: int, payload: StatusIn):
    incident = visible(_incidents(request.user), incident_id)
    services.change_status(actor=request.user, incident=incident, status=payload.status, reason=payload.reason,
                           at=payload.at)
    return visible(_incidents(request.user), incident_id)


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
    incident = visible(_incidents(request.user), incident_id)
    return list(incident.timeline.order_by("at", "id"))


@router.post("/incidents/{int:incident_id}/timeline", response={201: TimelineRead}, summary="Add to the timeline")
def timeline_add(request, incident_id: int, payload: TimelineIn):
    incident = visible(_incidents(request.user), incident_id)
    entry = services.add_timeline_entry(actor=request.user, incident=incident, kind=payload.kind, at=payload.at,
                                        source=payload.source, note=payload.note)
    return Status(201, entry)


# --- Regimes and clocks ------------------------------------------------------------------------------------------------

class SubmissionRead(Schema):
    id: int
    submitted_at: datetime
    submitted_by_id: int
    recorded_by_id: int | None
    authority: str
    reference: str
    complete: bool
    late_reason: str
    note: str
    evidence_id: int | None


class ClockRead(Schema):
    id: int
    incident_id: int
    incident_reference: str
    regime: str
    deadline: str
    label: str
    state: str
    anchor_at: datetime | None
    due_at: datetime | None
    basis: str
    seconds_left: int | None = Field(description="Until the deadline (negative once passed); null unless running.")
    reminders_sent: list[float]
    submitted_at: datetime | None
    late: bool
    submissions: list[SubmissionRead]
    version: int

    @staticmethod
    def resolve_incident_reference(obj) -> str:
        return obj.incident.reference

    @staticmethod
    def resolve_label(obj) -> str:
        definition = obj.definition()
        return definition.label_in(language()) if definition else obj.deadline

    @staticmethod
    def resolve_seconds_left(obj) -> int | None:
        from aims.core import context

        if obj.state != Clock.State.RUNNING or obj.due_at is None:
            return None
        return int((obj.due_at - context.now()).total_seconds())

    @staticmethod
    def resolve_submissions(obj) -> list:
        return list(obj.submissions.all())


class RegimeRead(Schema):
    id: int
    regime: str
    label: str
    authority: str
    state: str
    facts: list[str]
    decided_by_id: int | None
    decided_at: datetime | None
    reason: str
    catalogue_version: str
    clocks: list[ClockRead]
    version: int

    @staticmethod
    def resolve_label(obj) -> str:
        entry = clocks.regime(obj.regime)
        return entry.label_in(language()) if entry else obj.regime

    @staticmethod
    def resolve_authority(obj) -> str:
        entry = clocks.regime(obj.regime)
        return entry.authority_in(language()) if entry else ""

    @staticmethod
    def resolve_clocks(obj) -> list:
        return list(obj.clocks.all())


def _decisions(incident):
    return (incident.regimes.select_related("incident").prefetch_related("clocks__incident", "clocks__submissions")
            .order_by("regime"))


@router.get("/incidents/{int:incident_id}/regimes", response=list[RegimeRead],
            summary="The regulatory regimes proposed, applied or dismissed for an incident, with their clocks")
def regime_list(request, incident_id: int):
    return list(_decisions(visible(_incidents(request.user), incident_id)))


class ApplyIn(InputSchema):
    reason: str = Field("", max_length=5000, description="Required for a regime the facts do not call for.")


class DismissIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=5000)


@router.post("/incidents/{int:incident_id}/regimes/{regime}/apply", response=RegimeRead,
             summary="Confirm that a regime applies: its clocks start")
def regime_apply(request, incident_id: int, regime: str, payload: ApplyIn):
    incident = visible(_incidents(request.user), incident_id)
    decision = services.apply_regime(actor=request.user, incident=incident, regime=regime[:60],
                                     reason=payload.reason)
    return _decisions(incident).get(pk=decision.pk)


@router.post("/incidents/{int:incident_id}/regimes/{regime}/dismiss", response=RegimeRead,
             summary="Decide that a proposed regime does not apply, with the reason")
def regime_dismiss(request, incident_id: int, regime: str, payload: DismissIn):
    incident = visible(_incidents(request.user), incident_id)
    decision = incident.regimes.filter(regime=regime[:60]).first()
    if decision is None:
        raise Http404
    services.dismiss_regime(actor=request.user, decision=decision, reason=payload.reason)
    return _decisions(incident).get(pk=decision.pk)


class SubmissionIn(InputSchema):
    authority: str = Field(..., min_length=1, max_length=200)
    reference: str = Field("", max_length=200)
    submitted_at: datetime | None = Field(None, description="Defaults to now.")
    submitted_by_id: int | None = Field(None, description="Defaults to the caller.")
    complete: bool = True
    late_reason: str = Field("", max_length=5000, description="Required when the deadline has passed.")
    note: str = Field("", max_length=5000)


def _clocks(user):
    return Clock.objects.restrict(user, VIEW).select_related("incident").prefetch_related("submissions")


@router.post("/incident-clocks/{int:clock_id}/submissions", response={201: ClockRead},
             summary="Record a report sent to an authority (the report file is attached on the page)")
def clock_submit(request, clock_id: int, payload: SubmissionIn):
    clock = visible(_clocks(request.user), clock_id)
    submitted_by = visible_or_field_error(User, request.user, payload.submitted_by_id, "submitted_by_id")
    services.record_submission(actor=request.user, clock=clock, authority=payload.authority,
                               reference=payload.reference, submitted_at=payload.submitted_at,
                               submitted_by=submitted_by, complete=payload.complete,
                               late_reason=payload.late_reason, note=payload.note)
    return Status(201, visible(_clocks(request.user), clock_id))


CLOCK_SORTS = {"due": ("due_at",), "incident": ("incident__reference", "due_at")}


class ClockFilters(ListParams):
    SORTS = CLOCK_SORTS
    state: Literal[tuple(Clock.State.values)] | None = Field(None, description="Defaults to running clocks.")
    incident: int | None = None
    regime: str | None = Field(None, max_length=60)


@router.get("/incident-clocks", response=page_of(ClockRead),
            summary="Notification clocks in the caller's scope, running ones nearest their deadline first by default")
def clock_list(request, filters: Query[ClockFilters]):
    found = _clocks(request.user).filter(state=filters.state or Clock.State.RUNNING)
    if filters.incident is not None:
        found = found.filter(incident=filters.incident)
    if filters.regime:
        found = found.filter(regime=filters.regime)
    if filters.q:
        found = search(found, filters.q, ["incident__reference", "incident__title"])
    return paginate(found, filters, sorts=CLOCK_SORTS, default="due")


# --- Containment decisions and evidence holds ---------------------------------------------------------------------

class ContainmentRead(Schema):
    id: int
    incident_id: int
    kind: str
    label: str
    system_id: int | None
    component_id: int | None
    decided_by_id: int
    decided_at: datetime
    reason: str
    effect: str
    in_force: bool
    lifted_at: datetime | None
    lifted_by_id: int | None
    lift_reason: str
    version: int

    @staticmethod
    def resolve_label(obj) -> str:
        return catalog.containment_label(obj.kind)


class ContainmentIn(InputSchema):
    kind: str = Field(..., max_length=30, description="A key of GET /incidents/containment-kinds.")
    reason: str = Field(..., min_length=1, max_length=5000, description="Why it was decided.")
    system_id: int | None = Field(None, description="One of the incident's affected systems.")
    component_id: int | None = Field(None, description="For a rollback: the previous component version.")
    decided_by_id: int | None = Field(None, description="Defaults to the caller.")
    decided_at: datetime | None = Field(None, description="Defaults to now.")
    effect: str = Field("", max_length=5000, description="Defaults to the catalogue's effect of the kind.")


class LiftIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=5000)


class HoldRead(Schema):
    id: int
    incident_id: int
    system_id: int
    regime: str
    started_at: datetime
    snapshot: dict
    active: bool
    released_at: datetime | None
    released_by_id: int | None
    release: str
    release_reason: str


class HoldReleaseIn(InputSchema):
    justification: str = Field(..., min_length=1, max_length=5000)


class ContainmentKind(Schema):
    key: str
    label: str
    help: str
    effect: str
    in_force: bool
    alters_system: bool
    needs_component: bool


def _containment(user):
    return ContainmentDecision.objects.restrict(user, VIEW)


@router.get("/incidents/containment-kinds", response=list[ContainmentKind],
            summary="The kinds of containment decision (catalogue data)")
def containment_kinds(request):
    return catalog.containment_kinds()


@router.get("/incidents/{int:incident_id}/decisions", response=list[ContainmentRead],
            summary="An incident's containment decisions")
def decision_list(request, incident_id: int):
    incident = visible(_incidents(request.user), incident_id)
    return list(incident.containment.order_by("decided_at", "id"))


@router.post("/incidents/{int:incident_id}/decisions", response={201: ContainmentRead},
             summary="Record a containment decision (isolate, quarantine, degraded mode, rollback, stop...)")
def decision_add(request, incident_id: int, payload: ContainmentIn):
    incident = visible(_incidents(request.user), incident_id)
    system = visible_or_field_error(AISystem, request.user, payload.system_id, "system_id")
    component = visible_or_field_error(Component, request.user, payload.component_id, "component_id")
    decided_by = visible_or_field_error(User, request.user, payload.decided_by_id, "decided_by_id")
    decision = services.record_decision(actor=request.user, incident=incident, kind=payload.kind,
                                        reason=payload.reason, system=system, component=component,
                                        decided_by=decided_by, decided_at=payload.decided_at, effect=payload.effect)
    return Status(201, decision)


@router.post("/incident-containment/{int:containment_id}/lift", response=ContainmentRead,
             summary="Lift a containment measure in force")
def decision_lift(request, containment_id: int, payload: LiftIn):
    decision = visible(_containment(request.user).select_related("incident"), containment_id)
    return services.lift_decision(actor=request.user, decision=decision, reason=payload.reason)


@router.get("/incidents/{int:incident_id}/evidence-holds", response=list[HoldRead],
            summary="An incident's evidence holds (AI Act Art. 73(6)), with the snapshot of each system")
def hold_list(request, incident_id: int):
    incident = visible(_incidents(request.user), incident_id)
    return list(incident.evidence_holds.order_by("started_at", "id"))


@router.post("/incident-evidence-holds/{int:hold_id}/release", response=HoldRead,
             summary="Release an evidence hold before the authority is informed (AIMS managers, with a justification)")
def hold_release(request, hold_id: int, payload: HoldReleaseIn):
    hold = visible(EvidenceHold.objects.filter(incident__in=_incidents(request.user)).select_related("incident"),
                   hold_id)
    return services.release_hold(actor=request.user, hold=hold, justification=payload.justification)


# --- Post-incident review --------------------------------------------------------------------------------------------

class ReviewActionRead(Schema):
    id: int
    title: str
    owner_id: int
    due_date: date | None
    status: str
    done_at: datetime | None
    done_note: str
    version: int


class ReviewRead(Schema):
    id: int
    incident_id: int
    root_cause: str
    what_worked: str
    what_did_not_work: str
    lessons_learned: str
    status: str
    author_id: int
    submitted_at: datetime | None
    decided_by_id: int | None
    decided_at: datetime | None
    decision_comment: str
    risk_reviews_requested: int
    evidence_to_reconfirm: int
    actions: list[ReviewActionRead]
    version: int

    @staticmethod
    def resolve_actions(obj) -> list:
        return list(obj.actions.order_by("due_date", "id"))


class ReviewIn(InputSchema):
    NOT_NULL = ("root_cause", "what_worked", "what_did_not_work", "lessons_learned")
    version: int | None = Field(None, description="The review's version as read (omit to write the first one).")
    root_cause: str | None = Field(None, max_length=20000)
    what_worked: str | None = Field(None, max_length=20000)
    what_did_not_work: str | None = Field(None, max_length=20000)
    lessons_learned: str | None = Field(None, max_length=20000)
    reason: str = Field("", max_length=5000)


class ReviewSubmitIn(InputSchema):
    reason: str = Field("", max_length=5000)


class ReviewReturnIn(InputSchema):
    comment: str = Field(..., min_length=1, max_length=5000)


class ActionIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=300)
    owner_id: int
    due_date: date | None = None


class ActionDoneIn(InputSchema):
    note: str = Field(..., min_length=1, max_length=5000)


def _review(user, incident_id: int) -> PostIncidentReview:
    incident = visible(_incidents(user), incident_id)
    review = PostIncidentReview.objects.filter(incident=incident).first()
    if review is None:
        raise Http404
    return review


@router.get("/incidents/{int:incident_id}/review", response=ReviewRead, summary="An incident's post-incident review")
def review_detail(request, incident_id: int):
    return _review(request.user, incident_id)


@router.put("/incidents/{int:incident_id}/review", response=ReviewRead,
            summary="Write or change the post-incident review (root cause, what worked, lessons learned)")
def review_save(request, incident_id: int, payload: ReviewIn):
    incident = visible(_incidents(request.user), incident_id)
    return services.save_review(actor=request.user, incident=incident,
                                changes=changes_of(payload, exclude=("version", "reason")),
                                expected_version=payload.version, reason=payload.reason)


@router.post("/incidents/{int:incident_id}/review/submit", response=ReviewRead,
             summary="Submit the review for sign-off (approved through POST /approvals/incidents.review/{id}/approve)")
def review_submit(request, incident_id: int, payload: ReviewSubmitIn):
    return services.submit_review(actor=request.user, review=_review(request.user, incident_id),
                                  reason=payload.reason)


@router.post("/incidents/{int:incident_id}/review/return", response=ReviewRead,
             summary="Return the review to its author (its approvers only)")
def review_return(request, incident_id: int, payload: ReviewReturnIn):
    return services.return_review(actor=request.user, review=_review(request.user, incident_id),
                                  comment=payload.comment)


@router.post("/incidents/{int:incident_id}/review/actions", response={201: ReviewActionRead},
             summary="Add an action with its owner to the review")
def review_action_add(request, incident_id: int, payload: ActionIn):
    review = _review(request.user, incident_id)
    owner = visible_or_field_error(User, request.user, payload.owner_id, "owner_id")
    return Status(201, services.add_action(actor=request.user, review=review, title=payload.title, owner=owner,
                                           due_date=payload.due_date))


@router.post("/incident-review-actions/{int:review_action_id}/done", response=ReviewActionRead,
             summary="Record that a post-incident action is done")
def review_action_done(request, review_action_id: int, payload: ActionDoneIn):
    action = visible(ReviewAction.objects.filter(review__incident__in=_incidents(request.user))
                     .select_related("review__incident"), review_action_id)
    return services.complete_action(actor=request.user, action=action, note=payload.note)


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
