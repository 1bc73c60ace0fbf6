"""Gap analysis API: assessments, their requirement rows, scores and snapshots (the trend)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from aims.core.api import visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate

from . import services
from .models import Framework, GapAssessment, GapSnapshot, RequirementAssessment
from .services.assessments import scores

router = Router(tags=["compliance"])
ROW_STATUSES = Literal[tuple(RequirementAssessment.Status.values)]


class AssessmentRead(Schema):
    id: int
    framework: str
    title: str
    catalogue_version: str
    status: str
    started_by_id: int
    started_at: datetime
    closed_by_id: int | None
    closed_at: datetime | None
    score: float | None = Field(description="Stored when closed; the live score is at /assessments/{id}/scores.")
    version: int

    @staticmethod
    def resolve_framework(obj) -> str:
        return obj.framework.key


class AssessmentCreate(InputSchema):
    framework: str = Field(..., max_length=40, description="A framework key, e.g. iso42001.")
    title: str = Field(..., min_length=1, max_length=200)
    carry_over: bool = True


class RowRead(Schema):
    id: int
    requirement_id: int
    code: str
    title_en: str
    title_fr: str
    group_code: str
    status: str
    notes: str
    assessed_by_id: int | None
    assessed_at: datetime | None
    version: int


class RowUpdate(InputSchema):
    version: int
    status: ROW_STATUSES
    notes: str = Field("", max_length=20000)


class SnapshotRead(Schema):
    id: int
    assessment_id: int
    framework: str
    taken_at: datetime
    catalogue_version: str
    score: float
    by_group: dict
    counts: dict

    @staticmethod
    def resolve_framework(obj) -> str:
        return obj.framework.key


class AssessmentFilters(ListParams):
    SORTS = {"started": ("started_at",)}

    framework: str | None = Field(None, max_length=40)
    status: Literal["open", "closed"] | None = None


class SnapshotFilters(ListParams):
    SORTS = {"taken": ("taken_at",)}

    framework: str | None = Field(None, max_length=40)


def _assessments(user):
    return GapAssessment.objects.restrict(user, "view").select_related("framework")


@router.get("/assessments", response=page_of(AssessmentRead), summary="Gap assessments")
def assessment_list(request, filters: Query[AssessmentFilters]):
    assessments = _assessments(request.user)
    if filters.framework:
        assessments = assessments.filter(framework__key=filters.framework)
    if filters.status:
        assessments = assessments.filter(status=filters.status)
    return paginate(assessments, filters, sorts=AssessmentFilters.SORTS, default="-started")


@router.post("/assessments", response={201: AssessmentRead}, summary="Start an assessment of a framework")
def assessment_create(request, payload: AssessmentCreate):
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    framework = Framework.objects.restrict(request.user, "view").filter(key=payload.framework).first()
    if framework is None:
        raise ValidationError({"framework": _("No such framework.")})
    return Status(201, services.start_assessment(actor=request.user, framework=framework, title=payload.title,
                                                 carry_over=payload.carry_over))


@router.get("/assessments/{int:gap_assessment_id}", response=AssessmentRead, summary="One assessment")
def assessment_detail(request, gap_assessment_id: int):
    return visible(_assessments(request.user), gap_assessment_id)


@router.get("/assessments/{int:gap_assessment_id}/scores", summary="Live score per clause and per framework")
def assessment_scores(request, gap_assessment_id: int) -> dict:
    return scores(visible(_assessments(request.user), gap_assessment_id))


@router.get("/assessments/{int:gap_assessment_id}/requirements", response=list[RowRead],
            summary="The requirements assessed, in catalogue order")
def row_list(request, gap_assessment_id: int):
    return list(visible(_assessments(request.user), gap_assessment_id).rows.order_by("position"))


@router.patch("/assessments/{int:gap_assessment_id}/requirements/{int:row_id}", response=RowRead,
              summary="Assess one requirement (notes required when not conforming)")
def row_update(request, gap_assessment_id: int, row_id: int, payload: RowUpdate):
    assessment = visible(_assessments(request.user), gap_assessment_id)
    row = visible(assessment.rows.all(), row_id)
    return services.assess_requirement(actor=request.user, row=row, status=payload.status, notes=payload.notes,
                                       expected_version=payload.version)


@router.post("/assessments/{int:gap_assessment_id}/snapshot", response={201: SnapshotRead},
             summary="Record the scores now (a point of the trend)")
def snapshot_create(request, gap_assessment_id: int):
    assessment = visible(_assessments(request.user), gap_assessment_id)
    return Status(201, services.take_snapshot(actor=request.user, assessment=assessment))


@router.post("/assessments/{int:gap_assessment_id}/close", response=AssessmentRead,
             summary="Close with a final snapshot")
def assessment_close(request, gap_assessment_id: int):
    assessment = visible(_assessments(request.user), gap_assessment_id)
    return services.close_assessment(actor=request.user, assessment=assessment)


@router.get("/gap-snapshots", response=page_of(SnapshotRead), summary="Score snapshots (the trend), oldest first")
def snapshot_list(request, filters: Query[SnapshotFilters]):
    snapshots = GapSnapshot.objects.restrict(request.user, "view").select_related("framework")
    if filters.framework:
        snapshots = snapshots.filter(framework__key=filters.framework)
    return paginate(snapshots, filters, sorts=SnapshotFilters.SORTS, default="taken")


