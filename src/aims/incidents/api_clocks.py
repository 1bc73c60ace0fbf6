"""Incidents API, regulatory regimes and their clocks: the regimes proposed for an incident, applied or dismissed, their
clocks, the submissions that stop them and the open clocks nearest their deadline. A router of its own, added beside
api.py's in aims/api.py."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, search, visible_or_field_error
from aims.core.labels import language
from aims.core.models import User
from aims.core.permissions import VIEW

from . import clocks, facts, services
from .api import incidents_visible_to
from .models import Clock

router = Router(tags=["incidents"])


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
    return list(_decisions(visible(incidents_visible_to(request.user), incident_id)))


class ApplyIn(InputSchema):
    reason: str = Field("", max_length=5000, description="Required for a regime the facts do not call for.")


class DismissIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=5000)


@router.post("/incidents/{int:incident_id}/regimes/{regime}/apply", response=RegimeRead,
             summary="Confirm that a regime applies: its clocks start")
def regime_apply(request, incident_id: int, regime: str, payload: ApplyIn):
    incident = visible(incidents_visible_to(request.user), incident_id)
    decision = services.apply_regime(actor=request.user, incident=incident, regime=regime[:60],
                                     reason=payload.reason)
    return _decisions(incident).get(pk=decision.pk)


@router.post("/incidents/{int:incident_id}/regimes/{regime}/dismiss", response=RegimeRead,
             summary="Decide that a proposed regime does not apply, with the reason")
def regime_dismiss(request, incident_id: int, regime: str, payload: DismissIn):
    incident = visible(incidents_visible_to(request.user), incident_id)
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


