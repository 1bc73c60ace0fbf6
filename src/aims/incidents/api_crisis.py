"""Crisis mode and crisis exercises API (issue 12 points 4 and 8): the catalogue (roles, first-hour checklist,
audiences, channels, message templates, exercise scenarios) in the caller's language; crises (escalate, cell,
checklist, decision and communication logs, stand-down); exercises (plan, injects, participants, moments, findings,
actions, completion). A router of its own, added beside the incidents routers in aims/api.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, search, visible_or_field_error
from aims.core.labels import language
from aims.core.models import OrgUnit, User
from aims.core.permissions import VIEW
from aims.inventory.models import AISystem

from . import crisis_catalog, services
from .api import incidents_visible_to
from .models_crisis import ChecklistItem, Crisis, CrisisMember, Exercise, ExerciseAction, ExerciseFinding

router = Router(tags=["crisis"])

CRISIS_SORTS = {"escalated": ("escalated_at",)}
EXERCISE_SORTS = {"planned": ("planned_for",), "title": ("title",)}


def _minutes(delta: timedelta | None) -> float | None:
    return round(delta.total_seconds() / 60, 1) if delta is not None else None


# --- Catalogue -------------------------------------------------------------------------------------------------------

class CrisisCatalogueRead(Schema):
    version: str
    roles: list[dict]
    first_hour: list[dict]
    audiences: list[dict]
    channels: list[dict]
    templates: list[dict]
    scenarios: list[dict]


@router.get("/crisis-catalogue", response=CrisisCatalogueRead,
            summary="Crisis cell roles, first-hour checklist, audiences, channels, message templates and exercise "
                    "scenarios (catalogue data, in the caller's language)")
def crisis_catalogue(request):
    return {"version": crisis_catalog.version(), "roles": crisis_catalog.roles(),
            "first_hour": crisis_catalog.checklist(), "audiences": crisis_catalog.audiences(),
            "channels": crisis_catalog.channels(), "templates": crisis_catalog.templates(),
            "scenarios": crisis_catalog.scenarios()}


# --- Crises ----------------------------------------------------------------------------------------------------------

class CrisisMemberRead(Schema):
    id: int
    role: str
    role_label: str
    person_id: int
    added_at: datetime

    @staticmethod
    def resolve_role_label(obj) -> str:
        return crisis_catalog.role_label(obj.role)


class CrisisChecklistItemRead(Schema):
    id: int
    key: str
    label: str
    done_at: datetime | None
    done_by_id: int | None
    note: str

    @staticmethod
    def resolve_label(obj) -> str:
        return crisis_catalog.checklist_item(obj.key)["label"]


class CrisisDecisionRead(Schema):
    id: int
    decided_at: datetime
    decided_by_id: int
    decision: str
    rationale: str
    recorded_by_id: int | None


class CrisisCommunicationRead(Schema):
    id: int
    audience: str
    channel: str
    sent_at: datetime
    sent_by_id: int
    recipients: str
    template: str
    facts: dict
    text: str
    words: str = Field(description="What was said, in the caller's language for a template.")

    @staticmethod
    def resolve_words(obj) -> str:
        return obj.words(language())


class CrisisRead(Schema):
    id: int
    incident_id: int
    status: str
    escalated_by_id: int
    escalated_at: datetime
    reason: str
    stood_down_by_id: int | None
    stood_down_at: datetime | None
    stand_down_reason: str
    version: int


class CrisisDetail(CrisisRead):
    members: list[CrisisMemberRead]
    checklist: list[CrisisChecklistItemRead]
    decisions: list[CrisisDecisionRead]
    communications: list[CrisisCommunicationRead]

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.order_by("id"))

    @staticmethod
    def resolve_checklist(obj):
        return list(obj.checklist.order_by("position", "id"))

    @staticmethod
    def resolve_decisions(obj):
        return list(obj.decisions.order_by("decided_at", "id"))

    @staticmethod
    def resolve_communications(obj):
        return list(obj.communications.order_by("sent_at", "id"))


class CrisisFilters(ListParams):
    SORTS = CRISIS_SORTS
    status: Literal[tuple(Crisis.Status.values)] | None = None


class CrisisMemberIn(InputSchema):
    role: str = Field(..., max_length=40, description="A role key of GET /crisis-catalogue.")
    person_id: int


class CrisisEscalateIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=5000)
    at: datetime | None = Field(None, description="When the cell was activated; defaults to now.")
    members: list[CrisisMemberIn] = Field(default_factory=list)


class CrisisTickIn(InputSchema):
    done: bool = True
    note: str = Field("", max_length=500)
    at: datetime | None = None


class CrisisDecisionIn(InputSchema):
    decision: str = Field(..., min_length=1, max_length=5000)
    rationale: str = Field("", max_length=5000)
    decided_by_id: int | None = Field(None, description="Defaults to the caller.")
    decided_at: datetime | None = Field(None, description="Defaults to now.")


class CrisisCommunicationIn(InputSchema):
    audience: str = Field(..., max_length=20)
    channel: str = Field(..., max_length=30)
    template: str = Field("", max_length=40, description="A template key of GET /crisis-catalogue.")
    text: str = Field("", max_length=20000)
    recipients: str = Field("", max_length=300)
    sent_by_id: int | None = Field(None, description="Defaults to the caller.")
    sent_at: datetime | None = Field(None, description="Defaults to now.")


class CrisisStandDownIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=5000)
    at: datetime | None = None


def _crises(user):
    return Crisis.objects.restrict(user, VIEW).select_related("incident__unit")


@router.get("/crises", response=page_of(CrisisRead), summary="Crises in the caller's scope")
def crisis_list(request, filters: Query[CrisisFilters]):
    crises = search(_crises(request.user), filters.q, ["incident__title", "incident__reference"])
    if filters.status:
        crises = crises.filter(status=filters.status)
    return paginate(crises, filters, sorts=CRISIS_SORTS, default="-escalated")


@router.post("/incidents/{int:incident_id}/crisis", response={201: CrisisDetail},
             summary="Escalate an incident to a crisis: the cell is activated with the first-hour checklist")
def crisis_escalate(request, incident_id: int, payload: CrisisEscalateIn):
    incident = visible(incidents_visible_to(request.user), incident_id)
    members = [(m.role, visible_or_field_error(User, request.user, m.person_id, "members")) for m in payload.members]
    return Status(201, services.escalate(actor=request.user, incident=incident, reason=payload.reason,
                                         at=payload.at, members=members))


@router.get("/crises/{int:crisis_id}", response=CrisisDetail,
            summary="A crisis: its cell, first-hour checklist, decision log and communication log")
def crisis_detail(request, crisis_id: int):
    return visible(_crises(request.user), crisis_id)


@router.post("/crises/{int:crisis_id}/members", response={201: CrisisMemberRead}, summary="Add a member to the cell")
def crisis_member_add(request, crisis_id: int, payload: CrisisMemberIn):
    crisis = visible(_crises(request.user), crisis_id)
    person = visible_or_field_error(User, request.user, payload.person_id, "person_id")
    return Status(201, services.add_member(actor=request.user, crisis=crisis, role=payload.role, person=person))


@router.delete("/crisis-members/{int:crisis_member_id}", response={204: None},
               summary="Remove a member from the cell")
def crisis_member_remove(request, crisis_member_id: int):
    member = visible(CrisisMember.objects.filter(crisis__in=_crises(request.user)).select_related("crisis__incident"),
                     crisis_member_id)
    services.remove_member(actor=request.user, member=member)
    return Status(204, None)


@router.post("/crisis-checklist/{int:checklist_item_id}/tick", response=CrisisChecklistItemRead,
             summary="Tick (or untick, done=false) an item of the first-hour checklist")
def crisis_tick(request, checklist_item_id: int, payload: CrisisTickIn):
    item = visible(ChecklistItem.objects.filter(crisis__in=_crises(request.user)).select_related("crisis__incident"),
                   checklist_item_id)
    return services.tick_item(actor=request.user, item=item, done=payload.done, note=payload.note, at=payload.at)


@router.post("/crises/{int:crisis_id}/decisions", response={201: CrisisDecisionRead},
             summary="Log a decision of the cell")
def crisis_decision_add(request, crisis_id: int, payload: CrisisDecisionIn):
    crisis = visible(_crises(request.user), crisis_id)
    decided_by = visible_or_field_error(User, request.user, payload.decided_by_id, "decided_by_id")
    return Status(201, services.log_decision(actor=request.user, crisis=crisis, decision=payload.decision,
                                             rationale=payload.rationale, decided_by=decided_by,
                                             decided_at=payload.decided_at))


@router.post("/crises/{int:crisis_id}/communications", response={201: CrisisCommunicationRead},
             summary="Log a communication (a template of the catalogue filled with the crisis's facts, or a text)")
def crisis_communication_add(request, crisis_id: int, payload: CrisisCommunicationIn):
    crisis = visible(_crises(request.user), crisis_id)
    sent_by = visible_or_field_error(User, request.user, payload.sent_by_id, "sent_by_id")
    return Status(201, services.log_communication(
        actor=request.user, crisis=crisis, audience=payload.audience, channel=payload.channel,
        template=payload.template, text=payload.text, recipients=payload.recipients, sent_by=sent_by,
        sent_at=payload.sent_at, language=language()))


@router.post("/crises/{int:crisis_id}/stand-down", response=CrisisRead, summary="Stand the crisis cell down")
def crisis_stand_down(request, crisis_id: int, payload: CrisisStandDownIn):
    crisis = visible(_crises(request.user), crisis_id)
    return services.stand_down(actor=request.user, crisis=crisis, reason=payload.reason, at=payload.at)


# --- Exercises -------------------------------------------------------------------------------------------------------

class ExerciseInjectRead(Schema):
    id: int
    minutes: int
    text: str = Field(description="In the caller's language for a scenario's inject.")
    from_scenario: bool

    @staticmethod
    def resolve_text(obj) -> str:
        return obj.words(language())

    @staticmethod
    def resolve_from_scenario(obj) -> bool:
        return obj.catalogue_index is not None


class ExerciseParticipantRead(Schema):
    id: int
    person_id: int
    role: str


class ExerciseFindingRead(Schema):
    id: int
    kind: str
    text: str


class ExerciseActionRead(Schema):
    id: int
    finding_id: int | None
    title: str
    owner_id: int
    due_date: date | None
    status: str
    done_at: datetime | None
    done_note: str
    version: int


class ExerciseRead(Schema):
    id: int
    title: str
    scenario: str
    status: str
    unit_id: int
    lead_id: int
    system_id: int | None
    planned_for: datetime
    objectives: str
    started_at: datetime | None
    detected_at: datetime | None
    contained_at: datetime | None
    notified_at: datetime | None
    completed_at: datetime | None
    minutes_to_detect: float | None
    minutes_to_contain: float | None
    minutes_to_notify: float | None
    summary: str
    version: int

    @staticmethod
    def resolve_minutes_to_detect(obj):
        return _minutes(obj.time_to_detect)

    @staticmethod
    def resolve_minutes_to_contain(obj):
        return _minutes(obj.time_to_contain)

    @staticmethod
    def resolve_minutes_to_notify(obj):
        return _minutes(obj.time_to_notify)


class ExerciseDetail(ExerciseRead):
    injects: list[ExerciseInjectRead]
    participants: list[ExerciseParticipantRead]
    findings: list[ExerciseFindingRead]
    actions: list[ExerciseActionRead]

    @staticmethod
    def resolve_injects(obj):
        return list(obj.injects.order_by("minutes", "id"))

    @staticmethod
    def resolve_participants(obj):
        return list(obj.participants.order_by("id"))

    @staticmethod
    def resolve_findings(obj):
        return list(obj.findings.order_by("id"))

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.order_by("due_date", "id"))


class ExerciseFilters(ListParams):
    SORTS = EXERCISE_SORTS
    status: Literal[tuple(Exercise.Status.values)] | None = None
    scenario: str | None = Field(None, max_length=40)


class ExerciseParticipantIn(InputSchema):
    person_id: int
    role: str = Field(..., max_length=40, description="A role key of GET /crisis-catalogue.")


class ExerciseIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    scenario: str = Field(..., max_length=40, description="A scenario key of GET /crisis-catalogue.")
    unit_id: int
    lead_id: int
    system_id: int | None = None
    planned_for: datetime
    objectives: str = Field("", max_length=5000)
    participants: list[ExerciseParticipantIn] = Field(default_factory=list)


class ExerciseMomentIn(InputSchema):
    moment: Literal["detected", "contained", "notified"]
    at: datetime | None = Field(None, description="Defaults to now.")


class ExerciseStartIn(InputSchema):
    at: datetime | None = Field(None, description="Defaults to now.")


class ExerciseCompleteIn(InputSchema):
    summary: str = Field("", max_length=20000)
    at: datetime | None = Field(None, description="Defaults to now.")


class ExerciseInjectIn(InputSchema):
    minutes: int = Field(..., ge=0, le=10080)
    text: str = Field(..., min_length=1, max_length=5000)


class ExerciseFindingIn(InputSchema):
    kind: Literal[tuple(ExerciseFinding.Kind.values)] = ExerciseFinding.Kind.GAP
    text: str = Field(..., min_length=1, max_length=5000)


class ExerciseActionIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=300)
    owner_id: int
    due_date: date | None = None
    finding_id: int | None = None


class ExerciseActionDoneIn(InputSchema):
    note: str = Field(..., min_length=1, max_length=5000)


def _exercises(user):
    return Exercise.objects.restrict(user, VIEW).select_related("unit")


@router.get("/exercises", response=page_of(ExerciseRead), summary="Crisis exercises in the caller's scope")
def exercise_list(request, filters: Query[ExerciseFilters]):
    exercises = search(_exercises(request.user), filters.q, ["title"])
    if filters.status:
        exercises = exercises.filter(status=filters.status)
    if filters.scenario:
        exercises = exercises.filter(scenario=filters.scenario)
    return paginate(exercises, filters, sorts=EXERCISE_SORTS, default="-planned")


@router.post("/exercises", response={201: ExerciseDetail},
             summary="Plan a crisis exercise from a scenario (its injects are copied onto the timeline)")
def exercise_create(request, payload: ExerciseIn):
    user = request.user
    unit = visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id")
    lead = visible_or_field_error(User, user, payload.lead_id, "lead_id")
    system = visible_or_field_error(AISystem, user, payload.system_id, "system_id")
    participants = [(visible_or_field_error(User, user, p.person_id, "participants"), p.role)
                    for p in payload.participants]
    return Status(201, services.plan_exercise(actor=user, title=payload.title, scenario=payload.scenario, unit=unit,
                                              lead=lead, system=system, planned_for=payload.planned_for,
                                              objectives=payload.objectives, participants=participants))


@router.get("/exercises/{int:exercise_id}", response=ExerciseDetail,
            summary="A crisis exercise: injects, participants, measured times, findings and actions")
def exercise_detail(request, exercise_id: int):
    return visible(_exercises(request.user), exercise_id)


@router.post("/exercises/{int:exercise_id}/start", response=ExerciseRead, summary="Start a planned exercise")
def exercise_start(request, exercise_id: int, payload: ExerciseStartIn):
    return services.start_exercise(actor=request.user, exercise=visible(_exercises(request.user), exercise_id),
                                   at=payload.at)


@router.post("/exercises/{int:exercise_id}/moments", response=ExerciseRead,
             summary="Record when the players detected, contained or notified (the measured times follow)")
def exercise_moment(request, exercise_id: int, payload: ExerciseMomentIn):
    return services.record_moment(actor=request.user, exercise=visible(_exercises(request.user), exercise_id),
                                  moment=payload.moment, at=payload.at)


@router.post("/exercises/{int:exercise_id}/complete", response=ExerciseRead, summary="Complete a running exercise")
def exercise_complete(request, exercise_id: int, payload: ExerciseCompleteIn):
    return services.complete_exercise(actor=request.user, exercise=visible(_exercises(request.user), exercise_id),
                                      summary=payload.summary, at=payload.at)


@router.post("/exercises/{int:exercise_id}/injects", response={201: ExerciseInjectRead}, summary="Add an inject")
def exercise_inject_add(request, exercise_id: int, payload: ExerciseInjectIn):
    return Status(201, services.add_inject(actor=request.user, exercise=visible(_exercises(request.user), exercise_id),
                                           minutes=payload.minutes, text=payload.text))


@router.post("/exercises/{int:exercise_id}/participants", response={201: ExerciseParticipantRead},
             summary="Add a participant in a role of the crisis cell")
def exercise_participant_add(request, exercise_id: int, payload: ExerciseParticipantIn):
    exercise = visible(_exercises(request.user), exercise_id)
    person = visible_or_field_error(User, request.user, payload.person_id, "person_id")
    return Status(201, services.add_participant(actor=request.user, exercise=exercise, person=person,
                                                role=payload.role))


@router.post("/exercises/{int:exercise_id}/findings", response={201: ExerciseFindingRead}, summary="Record a finding")
def exercise_finding_add(request, exercise_id: int, payload: ExerciseFindingIn):
    return Status(201, services.add_finding(actor=request.user, exercise=visible(_exercises(request.user), exercise_id),
                                            kind=payload.kind, text=payload.text))


@router.post("/exercises/{int:exercise_id}/actions", response={201: ExerciseActionRead},
             summary="Add an action with its owner (who gets a task)")
def exercise_action_add(request, exercise_id: int, payload: ExerciseActionIn):
    exercise = visible(_exercises(request.user), exercise_id)
    owner = visible_or_field_error(User, request.user, payload.owner_id, "owner_id")
    finding = None
    if payload.finding_id is not None:
        finding = ExerciseFinding.objects.filter(pk=payload.finding_id, exercise__in=_exercises(request.user)).first()
        if finding is None or finding.exercise_id != exercise.pk:
            raise ValidationError({"finding_id": _("This finding belongs to another exercise.")})
    return Status(201, services.add_exercise_action(actor=request.user, exercise=exercise, title=payload.title,
                                                    owner=owner, due_date=payload.due_date, finding=finding))


@router.post("/exercise-actions/{int:exercise_action_id}/done", response=ExerciseActionRead,
             summary="Record that an exercise's action is done (its owner, or whoever may change the exercise)")
def exercise_action_done(request, exercise_action_id: int, payload: ExerciseActionDoneIn):
    action = visible(ExerciseAction.objects.filter(exercise__in=_exercises(request.user)).select_related("exercise"),
                     exercise_action_id)
    return services.complete_exercise_action(actor=request.user, action=action, note=payload.note)
