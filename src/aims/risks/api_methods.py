"""Risk API, continued: method versions, heatmaps and impact assessments (mounted by aims.risks.api)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, search, visible_or_field_error
from aims.core.permissions import VIEW
from aims.inventory.models import AISystem

from . import services
from .heatmap import heatmap
from .models import ImpactAssessment, RiskMethod
from .services._common import active_method

router = Router(tags=["risks"])


# --- Risk method versions --------------------------------------------------------------------------------------------

class MethodRead(Schema):
    id: int
    name: str
    number: int
    status: str
    description: str
    likelihood_scale: list[dict[str, Any]]
    impact_scale: list[dict[str, Any]]
    levels: list[dict[str, Any]]
    matrix: list[list[str]]
    appetite_level: str
    appetite_by_category: dict[str, str]
    acceptance_criteria: str
    source: str
    based_on_id: int | None
    activated_at: datetime | None
    activated_by_id: int | None
    retired_at: datetime | None
    version: int


class MethodDraftCreate(InputSchema):
    based_on_id: int | None = Field(None, description="The version to copy; defaults to the active one.")
    reason: str = Field("", max_length=5000)


class MethodUpdate(InputSchema):
    NOT_NULL = ("name", "description", "acceptance_criteria", "likelihood_scale", "impact_scale", "levels", "matrix",
                "appetite_level", "appetite_by_category")
    version: int
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20000)
    acceptance_criteria: str | None = Field(None, max_length=20000)
    likelihood_scale: list[dict[str, Any]] | None = None
    impact_scale: list[dict[str, Any]] | None = None
    levels: list[dict[str, Any]] | None = None
    matrix: list[list[str]] | None = None
    appetite_level: str | None = Field(None, max_length=40)
    appetite_by_category: dict[str, str] | None = None
    reason: str = Field("", max_length=5000)


class MethodActivate(InputSchema):
    version: int | None = None
    reason: str = Field("", max_length=5000)


METHOD_SORTS = {"number": ("number",), "name": ("name",), "status": ("status",)}


class MethodFilters(ListParams):
    SORTS = METHOD_SORTS
    status: Literal["draft", "active", "retired"] | None = None


def _methods(user):
    return RiskMethod.objects.restrict(user, VIEW)


@router.get("/risk-methods", response=page_of(MethodRead), summary="Risk method versions")
def method_list(request, filters: Query[MethodFilters]):
    methods = search(_methods(request.user), filters.q, ["name", "description"])
    if filters.status:
        methods = methods.filter(status=filters.status)
    return paginate(methods, filters, sorts=METHOD_SORTS, default="-number")


@router.get("/risk-methods/{int:method_id}", response=MethodRead, summary="One risk method version")
def method_detail(request, method_id: int):
    return visible(_methods(request.user), method_id)


@router.post("/risk-methods", response={201: MethodRead}, summary="A new draft version, copied from another")
def method_create(request, payload: MethodDraftCreate):
    user = request.user
    based_on = visible_or_field_error(RiskMethod, user, payload.based_on_id, "based_on_id") or active_method()
    if based_on is None:
        raise ValidationError({"based_on_id": _("No active version to copy: name the version to start from.")})
    return Status(201, services.create_method_version(actor=user, based_on=based_on, reason=payload.reason))


@router.patch("/risk-methods/{int:method_id}", response=MethodRead, summary="Edit a draft version")
def method_update(request, method_id: int, payload: MethodUpdate):
    method = visible(_methods(request.user), method_id)
    return services.update_method(actor=request.user, method=method, changes=changes_of(payload),
                                  expected_version=payload.version, reason=payload.reason)


@router.post("/risk-methods/{int:method_id}/activate", response=MethodRead,
             summary="Activate a draft (the active version is retired; past assessments keep their version)")
def method_activate(request, method_id: int, payload: MethodActivate):
    method = visible(_methods(request.user), method_id)
    return services.activate_method(actor=request.user, method=method, expected_version=payload.version,
                                    reason=payload.reason)


# --- Heatmap ---------------------------------------------------------------------------------------------------------

class HeatCell(Schema):
    likelihood: int
    impact: int
    count: int
    level: str


class HeatmapRead(Schema):
    method_id: int | None
    kind: str
    system_id: int | None
    total: int
    unscored: int
    cells: list[HeatCell]


@router.get("/heatmap", response=HeatmapRead, summary="Risk counts per matrix cell (open risks, active method)")
def heatmap_read(request, system: int | None = None, kind: Literal["inherent", "residual"] = "inherent"):
    target = visible(AISystem.objects.restrict(request.user, VIEW), system) if system is not None else None
    data = heatmap(request.user, system=target)
    cells = [{"likelihood": c["likelihood"], "impact": c["impact"], "count": c["count"], "level": c["level"].key}
             for row in data.grid(kind) for c in row]
    return {"method_id": data.method.pk if data.method else None, "kind": kind, "system_id": system,
            "total": data.total, "unscored": data.unscored, "cells": cells}


# --- Impact assessments ----------------------------------------------------------------------------------------------

class ImpactRead(Schema):
    id: int
    system_id: int
    number: int
    template_key: str
    template_version: str
    answers: dict[str, Any]
    status: str
    author_id: int
    submitted_at: datetime | None
    approved_by_id: int | None
    approved_at: datetime | None
    approval_comment: str
    reopened_at: datetime | None
    reopen_reason: str
    dpia_required: bool
    version: int


class ImpactCreate(InputSchema):
    system_id: int
    reason: str = Field("", max_length=5000)


class ImpactAnswers(InputSchema):
    version: int
    answers: dict[str, Any]
    submit: bool = Field(False, description="Submit for approval after saving the answers.")


class ImpactDecision(InputSchema):
    version: int | None = None
    comment: str = Field("", max_length=20000)


IMPACT_SORTS = {"updated": ("updated_at",), "number": ("number",), "status": ("status",)}


class ImpactFilters(ListParams):
    SORTS = IMPACT_SORTS
    system: int | None = None
    status: Literal[tuple(ImpactAssessment.Status.values)] | None = None


def _assessments(user):
    return ImpactAssessment.objects.restrict(user, VIEW)


@router.get("/impact-assessments", response=page_of(ImpactRead), summary="AI system impact assessments")
def impact_list(request, filters: Query[ImpactFilters]):
    items = _assessments(request.user)
    if filters.system is not None:
        items = items.filter(system_id=filters.system)
    if filters.status:
        items = items.filter(status=filters.status)
    return paginate(items, filters, sorts=IMPACT_SORTS, default="-updated")


@router.get("/impact-assessments/{int:assessment_id}", response=ImpactRead, summary="One impact assessment")
def impact_detail(request, assessment_id: int):
    return visible(_assessments(request.user), assessment_id)


@router.post("/impact-assessments", response={201: ImpactRead}, summary="Start an impact assessment of a system")
def impact_create(request, payload: ImpactCreate):
    system = visible_or_field_error(AISystem, request.user, payload.system_id, "system_id")
    return Status(201, services.start_impact_assessment(actor=request.user, system=system, reason=payload.reason))


@router.patch("/impact-assessments/{int:assessment_id}", response=ImpactRead,
              summary="Save answers of a draft (and optionally submit it)")
def impact_answers(request, assessment_id: int, payload: ImpactAnswers):
    assessment = visible(_assessments(request.user), assessment_id)
    with transaction.atomic():
        assessment = services.save_impact_answers(actor=request.user, assessment=assessment, answers=payload.answers,
                                                  expected_version=payload.version)
        if payload.submit:
            assessment = services.submit_impact_assessment(actor=request.user, assessment=assessment)
    return assessment


@router.post("/impact-assessments/{int:assessment_id}/submit", response=ImpactRead, summary="Submit for approval")
def impact_submit(request, assessment_id: int, payload: ImpactDecision):
    assessment = visible(_assessments(request.user), assessment_id)
    return services.submit_impact_assessment(actor=request.user, assessment=assessment,
                                             expected_version=payload.version, reason=payload.comment)


@router.post("/impact-assessments/{int:assessment_id}/approve", response=ImpactRead,
             summary="Approve (someone other than the author)")
def impact_approve(request, assessment_id: int, payload: ImpactDecision):
    assessment = visible(_assessments(request.user), assessment_id)
    return services.approve_impact_assessment(actor=request.user, assessment=assessment, comment=payload.comment,
                                              expected_version=payload.version)
