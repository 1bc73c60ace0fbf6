"""Closure grids and dashboards through the API: the same services and the same data as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import visible
from aims.core.api_utils import InputSchema, page_of, paginate
from aims.core.permissions import VIEW, can_anywhere

from . import dashboards
from .api import CreatedFilters, _system
from .models import ClosureReview
from .services import closure as closure_services

router = Router(tags=["monitoring"])


class ClosureRead(Schema):
    id: int
    system_id: int
    state: str
    axes: dict
    catalogue_version: str
    decision: str
    rationale: str
    prepared_by_id: int
    submitted_at: datetime | None
    signed_by_id: int | None
    signed_at: datetime | None
    sign_comment: str
    may_sign: list[int] = Field(description="Who may sign it (never its preparer).")
    version: int
    created_at: datetime

    @staticmethod
    def resolve_may_sign(obj) -> list[int]:
        return list(closure_services.eligible_signers(obj).values_list("pk", flat=True))


class ClosureUpdate(InputSchema):
    version: int
    assessments: dict[str, Literal[tuple(ClosureReview.Assessment.values) + ("",)]] | None = None
    comments: dict[str, str] | None = None
    decision: Literal[tuple(ClosureReview.Decision.values) + ("",)] | None = None
    rationale: str | None = Field(None, max_length=20000)
    refresh: bool = Field(False, description="Read the live KPI values again before applying the changes.")


class ClosureSign(InputSchema):
    comment: str = Field("", max_length=5000)


def _reviews(user):
    return ClosureReview.objects.restrict(user, VIEW).select_related("system__unit")


@router.get("/monitoring/closure-reviews", response=page_of(ClosureRead), summary="Closure grids in the caller's scope")
def closure_list(request, filters: Query[CreatedFilters], system: int | None = None):
    reviews = _reviews(request.user)
    if system is not None:
        reviews = reviews.filter(system_id=system)
    return paginate(reviews, filters, sorts=CreatedFilters.SORTS, default="-created")


@router.post("/monitoring/systems/{int:system_id}/closure-reviews", response={201: ClosureRead},
             summary="Start a closure grid, filled from the live KPIs")
def closure_start(request, system_id: int):
    system = _system(request.user, system_id)
    return Status(201, closure_services.start_closure_review(actor=request.user, system=system))


@router.get("/monitoring/closure-reviews/{int:closure_id}", response=ClosureRead, summary="One closure grid")
def closure_detail(request, closure_id: int):
    return visible(_reviews(request.user), closure_id)


@router.patch("/monitoring/closure-reviews/{int:closure_id}", response=ClosureRead,
              summary="Judge the axes, choose the decision (drafts only)")
def closure_update(request, closure_id: int, payload: ClosureUpdate):
    review = visible(_reviews(request.user), closure_id)
    return closure_services.update_closure_review(
        actor=request.user, review=review, assessments=payload.assessments, comments=payload.comments,
        decision=payload.decision, rationale=payload.rationale, refresh=payload.refresh,
        expected_version=payload.version)


@router.post("/monitoring/closure-reviews/{int:closure_id}/submit", response=ClosureRead,
             summary="Send a closure grid for signature")
def closure_submit(request, closure_id: int):
    review = visible(_reviews(request.user), closure_id)
    return closure_services.submit_closure_review(actor=request.user, review=review)


@router.post("/monitoring/closure-reviews/{int:closure_id}/sign", response=ClosureRead,
             summary="Sign a closure grid's decision (someone other than its preparer)")
def closure_sign(request, closure_id: int, payload: ClosureSign):
    review = visible(_reviews(request.user), closure_id)
    return closure_services.sign_closure_review(actor=request.user, review=review, comment=payload.comment)


@router.post("/monitoring/closure-reviews/{int:closure_id}/return", response=ClosureRead,
             summary="Send a closure grid back to its preparer")
def closure_return(request, closure_id: int, payload: ClosureSign):
    review = visible(_reviews(request.user), closure_id)
    return closure_services.return_closure_review(actor=request.user, review=review, comment=payload.comment)


# --- Dashboards ----------------------------------------------------------------------------------------------------

class TrendPoint(Schema):
    day: date
    value: float
    count: int


class DashboardRead(Schema):
    level: str
    figures: dict
    series: dict[str, list[TrendPoint]]
    lists: dict


def _require(user) -> None:
    if not can_anywhere(user, VIEW, "monitoring"):
        raise PermissionDenied


@router.get("/monitoring/dashboards/{level}", response=DashboardRead,
            summary="A dashboard's figures and series: operational, tactical or strategic")
def dashboard(request, level: Literal["operational", "tactical", "strategic"]):
    user = request.user
    _require(user)
    if level == "operational":
        data = dashboards.operational(user, mine=False, page_number=1)
        return {"level": level, "figures": data["totals"], "series": {}, "lists": {
            "systems": [{"id": row["system"].pk, "reference": row["system"].reference_code,
                         "kpis": [{"id": k.pk, "key": k.key, "status": k.status, "last_value": k.last_value}
                                  for k in row["kpis"]],
                         "open_alerts": [a.pk for a in row["alerts"]]} for row in data["rows"]]}}
    if level == "tactical":
        data = dashboards.tactical(user)
        return {"level": level, "figures": {
            "status": data["status"], "stale": data["stale_count"], "alerts": data["alerts"],
            "overdue_reviews": data["overdue_reviews_count"], "overdue_actions": data["overdue_actions_count"]},
            "series": {"within_thresholds": [{"day": r["day"], "value": r["ok_share"], "count": r["kpis"]}
                                             for r in data["trend"]]},
            "lists": {"out_of_threshold": [{"id": s.pk, "reference": s.reference_code, "critical": s.critical,
                                            "warning": s.warning} for s in data["out_of_threshold"]]}}
    data = dashboards.strategic(user)
    return {"level": level, "figures": {"portfolio": data["portfolio"], "risks": data["risks"],
                                        "closures": data["closures"], "incidents": data["incidents"],
                                        "latest": data["latest"]},
            "series": {name: [{"day": r["day"], "value": r["mean"], "count": r["systems"]} for r in data[key]]
                       for name, key in (("roi", "roi_trend"), ("usage_rate", "usage_trend"),
                                         ("satisfaction", "satisfaction_trend"))},
            "lists": {"stages": data["stages"]}}
