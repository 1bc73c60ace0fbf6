"""Drift runs: reference samples, the settings that judge them, runs executed by the background worker with their
progress recorded as they go, and histograms pushed by pipelines that cannot share raw data."""

from __future__ import annotations

import hashlib
import logging
import math
import uuid

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from aims.core import context, ledger
from aims.core.permissions import CHANGE
from aims.core.services import _create, _save_with_changes, clean_for_create
from aims.inventory.services._common import ensure_not_frozen

from ..drift import engine, readers, stats
from ._common import require_or_system
from ..drift.engine import ColumnData
from ..drift.stats import Counts
from ..models import DriftColumnResult, DriftReference, DriftRun, DriftSettings

log = logging.getLogger(__name__)

MAX_SAMPLE_BYTES = getattr(settings, "MONITORING_MAX_SAMPLE_BYTES", 1 << 30)
MAX_HISTOGRAM_COLUMNS = 500
MAX_HISTOGRAM_BINS = 1000
SETTINGS_FIELDS = ("drift_share", "column_overrides", "ignored_columns")


def file_format_of(name: str) -> str:
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix in ("csv", "txt"):
        return "csv"
    if suffix in ("parquet", "pq"):
        return "parquet"
    raise ValidationError({"file": _("Send a CSV or a Parquet file (.csv or .parquet).")})


def _store(system, uploaded, file_format: str) -> tuple[str, str, int]:
    """Save the file in the storage; return (name, SHA-256, size). Streams, so a large sample never sits in memory."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_SAMPLE_BYTES:
        raise ValidationError({"file": _("The file is larger than the %(max)s MB allowed.")
                               % {"max": MAX_SAMPLE_BYTES >> 20}})
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in iter(lambda: uploaded.read(1 << 20), b""):
        digest.update(chunk)
    uploaded.seek(0)
    name = default_storage.save(f"monitoring/drift/{system.pk}/{uuid.uuid4().hex}.{file_format}",
                                File(uploaded, name=getattr(uploaded, "name", "sample")))
    return name, digest.hexdigest(), default_storage.size(name)


def _open(name: str):
    """A local path when the storage has one (pyarrow then maps the file), else an open file."""
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return default_storage.open(name, "rb")


# --- Settings -----------------------------------------------------------------------------------------------------

def settings_for(system) -> DriftSettings:
    return DriftSettings.objects.filter(system=system).first() or DriftSettings(system=system)


def check_settings(changes: dict) -> dict:
    cleaned = dict(changes)
    if "drift_share" in cleaned:
        share = cleaned["drift_share"]
        if not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise ValidationError({"drift_share": _("Give a share between 0 (excluded) and 1, e.g. 0.5.")})
        cleaned["drift_share"] = float(share)
    if "column_overrides" in cleaned:
        overrides = cleaned["column_overrides"] or {}
        if not isinstance(overrides, dict):
            raise ValidationError({"column_overrides": _("Give the overrides per column name.")})
        clean = {}
        for column, override in overrides.items():
            override = {k: v for k, v in (override or {}).items() if v not in (None, "")}
            unknown = set(override) - {"method", "threshold", "kind"}
            if unknown or not isinstance(column, str) or not column:
                raise ValidationError({"column_overrides": _("Column “%(column)s”: only method, threshold and kind "
                                                             "can be set.") % {"column": column}})
            if override.get("method") and override["method"] not in stats.DEFAULT_THRESHOLDS:
                raise ValidationError({"column_overrides": _("Column “%(column)s”: unknown method “%(method)s”.")
                                       % {"column": column, "method": override["method"]}})
            if "threshold" in override:
                try:
                    override["threshold"] = float(override["threshold"])
                except (TypeError, ValueError):
                    override["threshold"] = -1.0
                if not math.isfinite(override["threshold"]) or override["threshold"] < 0:
                    raise ValidationError({"column_overrides": _("Column “%(column)s”: the threshold must be a "
                                                                 "number, at least 0.") % {"column": column}})
            if override.get("kind") and override["kind"] not in (engine.NUMERICAL, engine.CATEGORICAL):
                raise ValidationError({"column_overrides": _("Column “%(column)s”: the type is numerical or "
                                                             "categorical.") % {"column": column}})
            if override:
                clean[column] = override
        cleaned["column_overrides"] = clean
    if "ignored_columns" in cleaned:
        ignored = cleaned["ignored_columns"] or []
        if not isinstance(ignored, list) or not all(isinstance(c, str) for c in ignored):
            raise ValidationError({"ignored_columns": _("Give a list of column names.")})
        cleaned["ignored_columns"] = sorted(set(ignored))
    return cleaned


@transaction.atomic
def update_drift_settings(*, actor, system, changes: dict, expected_version: int | None = None,
                          reason: str = "") -> DriftSettings:
    """Change the dataset-drift share or the per-column method, threshold and type; every change is ledgered."""
    require_or_system(actor, CHANGE, unit=system.unit)
    ensure_not_frozen(system)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    changes = check_settings(changes)
    current = settings_for(system)
    if current.pk is None:
        for field, value in changes.items():
            setattr(current, field, value)
        return _create(actor=actor, obj=current, reason=reason)
    return _save_with_changes(actor=actor, obj=current, changes=changes, reason=reason,
                              expected_version=expected_version)


# --- Reference samples and runs ------------------------------------------------------------------------------------

@transaction.atomic
def upload_reference(*, actor, system, name: str, uploaded, reason: str = "") -> DriftReference:
    """Store a reference sample; it becomes the system's current reference (the previous one stays for old runs)."""
    require_or_system(actor, CHANGE, unit=system.unit)
    ensure_not_frozen(system)
    file_format = file_format_of(getattr(uploaded, "name", ""))
    stored, sha256, size = _store(system, uploaded, file_format)
    for previous in DriftReference.objects.filter(system=system, is_active=True):
        _save_with_changes(actor=actor, obj=previous, changes={"is_active": False}, reason=reason,
                           expected_version=None)
    person = actor if getattr(actor, "pk", None) else None
    return _create(actor=actor, reason=reason, obj=DriftReference(
        system=system, name=(name or "").strip()[:200] or getattr(uploaded, "name", "reference")[:200],
        file=stored, file_format=file_format, size=size, sha256=sha256, uploaded_by=person))


def current_reference(system) -> DriftReference | None:
    return DriftReference.objects.filter(system=system, is_active=True).order_by("-created_at").first()


@transaction.atomic
def request_run(*, actor, system, uploaded, reference: DriftReference | None = None, name: str = "",
                reason: str = "", in_worker: bool = True) -> DriftRun:
    """Queue a comparison of `uploaded` with the reference (the system's current one by default); the worker runs it
    once the transaction commits (`in_worker` False: the caller runs it with execute_run)."""
    require_or_system(actor, CHANGE, unit=system.unit)
    ensure_not_frozen(system)
    reference = reference or current_reference(system)
    if reference is None or reference.system_id != system.pk:
        raise ValidationError({"reference": _("Upload a reference sample first: the current sample is compared "
                                              "with it.")})
    file_format = file_format_of(getattr(uploaded, "name", ""))
    stored, sha256, _size = _store(system, uploaded, file_format)
    current = settings_for(system)
    person = actor if getattr(actor, "pk", None) else None
    run = _create(actor=actor, reason=reason, obj=DriftRun(
        system=system, reference=reference, current_name=(name or getattr(uploaded, "name", "current"))[:200],
        current_file=stored, current_format=file_format, current_sha256=sha256, requested_by=person,
        settings_used={"drift_share": current.drift_share, "column_overrides": current.column_overrides,
                       "ignored_columns": current.ignored_columns}))
    if in_worker:
        transaction.on_commit(lambda: enqueue(run.pk))
    return run


@db_task()
def run_drift(run_id: int):
    """A drift run, in the worker: its progress is recorded as it goes (the page and `aims drift run` show it)."""
    with context.bound(system_actor="job:drift-run", request_id=f"drift-run-{run_id}"):
        execute_run(run_id)


def enqueue(run_id: int) -> None:
    run_drift(run_id)


def _progress(run_id: int, stage: str, fraction: float) -> None:
    """Record how far the run is (not ledgered: a view state); reading takes 70 % of the time, testing the rest."""
    base, span = {"reference": (0, 35), "current": (35, 35), "testing": (70, 30)}[stage]
    DriftRun.objects.filter(pk=run_id).update(progress=min(99, int(base + span * fraction)), stage=stage)


def execute_run(run_id: int) -> DriftRun | None:
    """Run a queued drift run (in the worker, or in the command line's process with --here)."""
    claimed = DriftRun.objects.filter(pk=run_id, status=DriftRun.Status.QUEUED).update(
        status=DriftRun.Status.RUNNING, started_at=context.now(), progress=1, stage="reference")
    if not claimed:
        return None
    run = DriftRun.objects.select_related("system__unit", "reference", "requested_by").get(pk=run_id)
    last = {}

    def progress(stage, fraction):
        value = int(fraction * 50)
        if (stage, value) != last.get("key"):
            last["key"] = (stage, value)
            _progress(run_id, stage, fraction)

    try:
        columns = readers.read_pair(_open(run.reference.file), run.reference.file_format, _open(run.current_file),
                                    run.current_format, progress=progress)
        used = run.settings_used or {}
        result = engine.run(columns, drift_share=used.get("drift_share", 0.5),
                            overrides=used.get("column_overrides") or {}, ignored=used.get("ignored_columns") or [],
                            progress=lambda done, total: progress("testing", done / max(total, 1)))
    except (readers.SampleError, OSError, ValueError, MemoryError) as exc:
        log.warning("drift run %s failed: %s", run_id, exc)
        return _fail(run, str(exc))
    return finish(run, result)


@transaction.atomic
def _fail(run: DriftRun, message: str) -> DriftRun:
    return _save_with_changes(actor=_actor_of(run), obj=run, expected_version=None, reason=message[:5000],
                              action="monitoring.driftrun.fail",
                              changes={"status": DriftRun.Status.FAILED, "error": message[:5000],
                                       "finished_at": context.now()})


def _actor_of(run: DriftRun):
    return run.requested_by


@transaction.atomic
def finish(run: DriftRun, result: engine.DatasetResult) -> DriftRun:
    """Store the per-column results and the verdict (one ledger event), then let the alerts react."""
    DriftColumnResult.objects.bulk_create([DriftColumnResult(
        run=run, position=index, column=c.name[:200], kind=c.kind, method=c.method, threshold=c.threshold,
        statistic=_finite(c.statistic), drifted=c.drifted, reference_rows=c.reference_rows,
        current_rows=c.current_rows, distinct=c.distinct, overridden=c.overridden, note=c.note, chart=c.chart)
        for index, c in enumerate(result.columns)])
    tested = result.tested
    run = _save_with_changes(
        actor=_actor_of(run), obj=run, expected_version=None, reason="", action="monitoring.driftrun.done",
        changes={"status": DriftRun.Status.DONE, "progress": 100, "stage": "", "finished_at": context.now(),
                 "columns_tested": len(tested), "columns_drifted": result.drifted_count,
                 "dataset_drift": result.dataset_drift,
                 "reference_rows": max((c.reference_rows for c in tested), default=0),
                 "current_rows": max((c.current_rows for c in tested), default=0)})
    from . import alerts

    alerts.drift_verdict(actor=_actor_of(run), run=run)
    return run


def _finite(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else (1e308 if value > 0 else -1e308)


# --- Histograms pushed by a pipeline --------------------------------------------------------------------------------

def _histogram_column(entry: dict, position: int) -> ColumnData:
    name = str(entry.get("name") or "").strip()
    if not name:
        raise ValidationError({"columns": _("Column %(n)s has no name.") % {"n": position}})
    kind = entry.get("kind")
    if kind not in (engine.NUMERICAL, engine.CATEGORICAL):
        raise ValidationError({"columns": _("Column “%(name)s”: the kind is numerical or categorical.")
                               % {"name": name}})
    reference, current = entry.get("reference") or {}, entry.get("current") or {}
    ref_counts, cur_counts = reference.get("counts"), current.get("counts")
    if not isinstance(ref_counts, list) or not isinstance(cur_counts, list) or len(ref_counts) != len(cur_counts) \
            or not ref_counts or len(ref_counts) > MAX_HISTOGRAM_BINS:
        raise ValidationError({"columns": _("Column “%(name)s”: give the reference and current counts over the same "
                                            "bins or categories (at most %(max)s).")
                               % {"name": name, "max": MAX_HISTOGRAM_BINS}})
    try:
        ref_array = np.asarray(ref_counts, dtype=np.float64)
        cur_array = np.asarray(cur_counts, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError({"columns": _("Column “%(name)s”: counts are numbers.") % {"name": name}}) from None
    if (not np.all(np.isfinite(ref_array)) or not np.all(np.isfinite(cur_array)) or (ref_array < 0).any()
            or (cur_array < 0).any() or (ref_array != np.round(ref_array)).any()
            or (cur_array != np.round(cur_array)).any() or ref_array.sum() == 0 or cur_array.sum() == 0):
        raise ValidationError({"columns": _("Column “%(name)s”: counts are whole numbers, at least 0, and neither "
                                            "sample is empty.") % {"name": name}})
    edges = None
    if kind == engine.NUMERICAL:
        edges = reference.get("edges")
        if not isinstance(edges, list) or edges != current.get("edges", edges) or len(edges) != len(ref_counts) + 1:
            raise ValidationError({"columns": _("Column “%(name)s”: give one more bin edge than counts, the same "
                                                "for both samples.") % {"name": name}})
        try:
            edges = np.asarray(edges, dtype=np.float64)
        except (TypeError, ValueError):
            edges = np.asarray([np.nan])
        if not np.all(np.isfinite(edges)) or (np.diff(edges) <= 0).any():
            raise ValidationError({"columns": _("Column “%(name)s”: bin edges must increase.") % {"name": name}})
        labels = tuple(f"{edges[i]:.4g}–{edges[i + 1]:.4g}" for i in range(len(edges) - 1))
    else:
        categories = reference.get("categories")
        if not isinstance(categories, list) or categories != current.get("categories", categories) \
                or len(categories) != len(ref_counts):
            raise ValidationError({"columns": _("Column “%(name)s”: give the categories, the same for both samples, "
                                                "one per count.") % {"name": name}})
        labels = tuple(str(c) for c in categories)
    distinct = entry.get("distinct")
    return ColumnData(name, kind, Counts(ref_array.astype(np.int64), labels), Counts(cur_array.astype(np.int64),
                                                                                       labels),
                      approximate=True, edges=edges, distinct=int(distinct) if isinstance(distinct, int) else None)


@transaction.atomic
def push_histograms(*, actor, system, columns: list[dict], name: str = "", token=None, reason: str = "") -> DriftRun:
    """Judge drift from per-column histograms (reference and current counts over the same bins or categories): the
    pipeline keeps its raw data. Kolmogorov-Smirnov and Wasserstein are then approximations from the bins."""
    require_or_system(actor, CHANGE, unit=system.unit)
    ensure_not_frozen(system)
    if token is not None and (token.system_id != system.pk or not token.is_usable):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("This push token is for another system, or no longer valid."))
    if not columns or len(columns) > MAX_HISTOGRAM_COLUMNS:
        raise ValidationError({"columns": _("Send between 1 and %(max)s columns.") % {"max": MAX_HISTOGRAM_COLUMNS}})
    data = [_histogram_column(entry, index) for index, entry in enumerate(columns, start=1)]
    current = settings_for(system)
    person = actor if getattr(actor, "pk", None) else None
    run = DriftRun(system=system, source=DriftRun.Source.HISTOGRAMS, current_name=(name or "histograms")[:200],
                   requested_by=person, status=DriftRun.Status.RUNNING, started_at=context.now(),
                   settings_used={"drift_share": current.drift_share, "column_overrides": current.column_overrides,
                                  "ignored_columns": current.ignored_columns, "token": getattr(token, "prefix", "")})
    clean_for_create(run)
    run.save()
    ledger.record(actor=actor, action="monitoring.driftrun.create", obj=run, after=ledger.snapshot(run),
                  reason=reason)
    result = engine.run(data, drift_share=current.drift_share, overrides=current.column_overrides,
                        ignored=current.ignored_columns)
    return finish(run, result)
