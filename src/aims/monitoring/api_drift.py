"""Drift API: settings, reference samples, runs (queued for the worker, progress readable while they run) and
histograms pushed by pipelines that keep their raw data (a push token may send them for its system)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from aims.core.api import visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate
from aims.core.permissions import VIEW

from .api import PUSH_AUTH, _system
from .drift import stats
from .models import DriftColumnResult, DriftReference, DriftRun
from .services import drift as drift_services

router = Router(tags=["monitoring"])

METHODS = Literal[tuple(stats.DEFAULT_THRESHOLDS)]


class ColumnOverride(InputSchema):
    method: METHODS | None = None
    threshold: float | None = Field(None, ge=0)
    kind: Literal["numerical", "categorical"] | None = None


class DriftSettingsRead(Schema):
    system_id: int
    drift_share: float
    column_overrides: dict
    ignored_columns: list[str]
    configured: bool
    version: int


class DriftSettingsUpdate(InputSchema):
    version: int | None = None
    drift_share: float | None = Field(None, gt=0, le=1)
    column_overrides: dict[str, ColumnOverride] | None = None
    ignored_columns: list[str] | None = None
    reason: str = Field("", max_length=5000)


class ReferenceRead(Schema):
    id: int
    system_id: int
    name: str
    file_format: str
    size: int
    sha256: str
    is_active: bool
    uploaded_by_id: int | None
    created_at: datetime


class ColumnRead(Schema):
    column: str
    kind: str
    method: str
    threshold: float | None
    statistic: float | None
    drifted: bool
    reference_rows: int
    current_rows: int
    distinct: int
    overridden: bool
    note: str
    chart: dict


class RunRead(Schema):
    id: int
    system_id: int
    source: str
    reference_id: int | None
    current_name: str
    current_sha256: str
    status: str
    progress: int
    stage: str
    error: str
    requested_by_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    settings_used: dict
    reference_rows: int | None
    current_rows: int | None
    columns_tested: int | None
    columns_drifted: int | None
    dataset_drift: bool | None
    version: int


class RunDetail(RunRead):
    columns: list[ColumnRead]

    @staticmethod
    def resolve_columns(obj) -> list:
        return list(DriftColumnResult.objects.filter(run=obj).order_by("position"))


class RunFilters(ListParams):
    SORTS = {"created": ("created_at",)}
    system: int | None = None
    status: Literal[tuple(DriftRun.Status.values)] | None = None


class HistogramSide(InputSchema):
    counts: list[float] = Field(..., min_length=1, max_length=drift_services.MAX_HISTOGRAM_BINS)
    edges: list[float] | None = Field(None, description="Numerical columns: bin edges, one more than the counts.")
    categories: list[str] | None = Field(None, description="Categorical columns: the category of each count.")


class HistogramColumn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: Literal["numerical", "categorical"]
    distinct: int | None = Field(None, ge=0, description="Distinct values over both samples, if known (it chooses "
                                                         "the default method as with raw data).")
    reference: HistogramSide
    current: HistogramSide


class HistogramPush(InputSchema):
    name: str = Field("", max_length=200, description="What the current sample is, e.g. 'scoring week 12'.")
    columns: list[HistogramColumn] = Field(..., min_length=1, max_length=drift_services.MAX_HISTOGRAM_COLUMNS)
    reason: str = Field("", max_length=5000)


def _settings_read(current) -> dict:
    return {"system_id": current.system_id, "drift_share": current.drift_share,
            "column_overrides": current.column_overrides, "ignored_columns": current.ignored_columns,
            "configured": current.pk is not None, "version": current.version}


@router.get("/monitoring/systems/{int:system_id}/drift-settings", response=DriftSettingsRead,
            summary="How a system's drift is judged (Evidently's defaults until configured)")
def drift_settings_detail(request, system_id: int):
    return _settings_read(drift_services.settings_for(_system(request.user, system_id)))


@router.put("/monitoring/systems/{int:system_id}/drift-settings", response=DriftSettingsRead,
            summary="Set the dataset-drift share and per-column method, threshold and type")
def drift_settings_update(request, system_id: int, payload: DriftSettingsUpdate):
    system = _system(request.user, system_id)
    changes = payload.model_dump(exclude={"version", "reason"}, exclude_none=True)
    if payload.column_overrides is not None:
        changes["column_overrides"] = {name: override.model_dump(exclude_none=True)
                                       for name, override in payload.column_overrides.items()}
    current = drift_services.update_drift_settings(actor=request.user, system=system, changes=changes,
                                                   expected_version=payload.version, reason=payload.reason)
    return _settings_read(current)


@router.get("/monitoring/systems/{int:system_id}/drift-references", response=list[ReferenceRead],
            summary="A system's reference samples, newest first")
def reference_list(request, system_id: int):
    system = _system(request.user, system_id)
    return list(DriftReference.objects.filter(system=system).order_by("-created_at"))


@router.post("/monitoring/systems/{int:system_id}/drift-references", response={201: ReferenceRead},
             summary="Upload a reference sample (CSV or Parquet); it becomes the current reference")
def reference_upload(request, system_id: int, file: File[UploadedFile], name: Form[str] = ""):
    system = _system(request.user, system_id)
    return Status(201, drift_services.upload_reference(actor=request.user, system=system, name=name, uploaded=file))


@router.get("/monitoring/drift-runs", response=page_of(RunRead), summary="Drift runs in the caller's scope")
def run_list(request, filters: Query[RunFilters]):
    runs = DriftRun.objects.restrict(request.user, VIEW)
    if filters.system is not None:
        runs = runs.filter(system_id=filters.system)
    if filters.status:
        runs = runs.filter(status=filters.status)
    return paginate(runs, filters, sorts=RunFilters.SORTS, default="-created")


@router.post("/monitoring/systems/{int:system_id}/drift-runs", response={202: RunRead},
             summary="Queue a drift run of a current sample against a reference (the current one by default)")
def run_request(request, system_id: int, file: File[UploadedFile], reference_id: Form[int | None] = None):
    system = _system(request.user, system_id)
    reference = None
    if reference_id is not None:
        reference = visible(DriftReference.objects.restrict(request.user, VIEW).filter(system=system), reference_id)
    return Status(202, drift_services.request_run(actor=request.user, system=system, uploaded=file,
                                                  reference=reference))


@router.get("/monitoring/drift-runs/{int:run_id}", response=RunDetail,
            summary="One run: its progress while it runs, then every column's method, score and verdict")
def run_detail(request, run_id: int):
    return visible(DriftRun.objects.restrict(request.user, VIEW), run_id)


@router.post("/monitoring/systems/{int:system_id}/drift-histograms", response={201: RunDetail}, auth=PUSH_AUTH,
             summary="Judge drift from per-column histograms (for pipelines that keep their raw data)")
def histogram_push(request, system_id: int, payload: HistogramPush):
    system = _system(request.user, system_id)
    columns = [column.model_dump() for column in payload.columns]
    run = drift_services.push_histograms(actor=request.user, system=system, columns=columns, name=payload.name,
                                         token=getattr(request, "push_token", None), reason=payload.reason)
    return Status(201, run)
