"""Incidents API, the response: containment decisions, the evidence holds of AI Act Art. 73(6) and the post-incident
review with its actions. A router of its own, added beside api.py's in aims/api.py."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404
from ninja import Field, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema, visible_or_field_error
from aims.core.models import User
from aims.core.permissions import VIEW
from aims.inventory.models import AISystem, Component

from . import catalog, services
from .api import incidents_visible_to
from .models import ContainmentDecision, EvidenceHold, PostIncidentReview, ReviewAction

router = Router(tags=["incidents"])


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
    incident = visible(incidents_visible_to(request.user), incident_id)
    return list(incident.containment.order_by("decided_at", "id"))


@router.post("/incidents/{int:incident_id}/decisions", response={201: ContainmentRead},
             summary="Record a containment decision (isolate, quarantine, degraded mode, rollback, stop...)")
def decision_add(request, incident_id: int, payload: ContainmentIn):
    incident = visible(incidents_visible_to(request.user), incident_id)
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
    incident = visible(incidents_visible_to(request.user), incident_id)
    return list(incident.evidence_holds.order_by("started_at", "id"))


@router.post("/incident-evidence-holds/{int:hold_id}/release", response=HoldRead,
             summary="Release an evidence hold before the authority is informed (AIMS managers, with a justification)")
def hold_release(request, hold_id: int, payload: HoldReleaseIn):
    hold = visible(EvidenceHold.objects.filter(incident__in=incidents_visible_to(request.user)).select_related("incident"),
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
    incident = visible(incidents_visible_to(user), incident_id)
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
    incident = visible(incidents_visible_to(request.user), incident_id)
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
    action = visible(ReviewAction.objects.filter(review__incident__in=incidents_visible_to(request.user))
                     .select_related("review__incident"), review_action_id)
    return services.complete_action(actor=request.user, action=action, note=payload.note)


