"""Drift of an AI system's data: its settings, reference samples, runs and per-column results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import RestrictedManager, VersionedModel

from .. import labels
from ..choices import ColumnKind, Method  # noqa: F401 (models.Method stays the public name)


class DriftSettings(VersionedModel):
    """How a system's drift is judged: the dataset-drift share and per-column overrides of method and threshold."""

    system = models.OneToOneField("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                                  related_name="drift_settings")
    drift_share = models.FloatField(_("dataset drift share"), default=0.5, help_text=_(
        "The dataset drifts when at least this share of its tested columns drift (0.5 = half)."))
    # {column: {"method": "psi", "threshold": 0.2, "kind": "categorical"}}; every key optional.
    column_overrides = models.JSONField(_("per-column overrides"), default=dict, blank=True)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)

    ledger_fields = ("system_id", "drift_share", "column_overrides", "ignored_columns")
    ledger_display = {"column_overrides": labels.column_overrides}
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        verbose_name = _("drift settings")
        verbose_name_plural = _("drift settings")

    def __str__(self) -> str:
        return f"{self.system} · {_('drift settings')}"


class DriftReference(VersionedModel):
    """A reference sample (CSV or Parquet) the current samples of a system are compared with."""

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="drift_references")
    name = models.CharField(_("name"), max_length=200)
    file = models.CharField(_("stored file"), max_length=500)
    file_format = models.CharField(_("format"), max_length=10)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_active = models.BooleanField(_("current reference"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    ledger_fields = ("system_id", "name", "file", "file_format", "size", "sha256", "is_active")
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reference sample")
        verbose_name_plural = _("reference samples")

    def __str__(self) -> str:
        return self.name


class DriftRun(VersionedModel):
    """One comparison of a current sample (or pushed histograms) with a reference, run in the background worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        FILES = "files", _("Samples")
        HISTOGRAMS = "histograms", _("Pushed histograms")

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="drift_runs")
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.FILES)
    reference = models.ForeignKey(DriftReference, verbose_name=_("reference sample"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="runs")
    current_name = models.CharField(_("current sample"), max_length=200)
    current_file = models.CharField(_("stored file"), max_length=500, blank=True)
    current_format = models.CharField(_("format"), max_length=10, blank=True)
    current_sha256 = models.CharField(_("SHA-256 of the current sample"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    stage = models.CharField(_("stage"), max_length=30, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)
    # The settings in force when the run was requested (share, overrides): a later change does not alter a result.
    settings_used = models.JSONField(_("settings used"), default=dict, blank=True)
    reference_rows = models.PositiveIntegerField(_("reference rows"), null=True, blank=True)
    current_rows = models.PositiveIntegerField(_("current rows"), null=True, blank=True)
    columns_tested = models.PositiveIntegerField(_("columns tested"), null=True, blank=True)
    columns_drifted = models.PositiveIntegerField(_("columns drifted"), null=True, blank=True)
    dataset_drift = models.BooleanField(_("dataset drift"), null=True, blank=True)

    ledger_fields = ("system_id", "source", "reference_id", "current_name", "current_sha256", "status", "error",
                     "settings_used", "reference_rows", "current_rows", "columns_tested", "columns_drifted",
                     "dataset_drift")
    ledger_display = {"settings_used": labels.drift_settings_used}
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("drift run")
        verbose_name_plural = _("drift runs")
        indexes = [
            models.Index(fields=["system", "-created_at"]),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["created_at"], name="drift_run_created_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.system.reference_code} · {_('drift run')} {self.pk}"

    @property
    def share_drifted(self) -> float | None:
        if not self.columns_tested:
            return None
        return self.columns_drifted / self.columns_tested

    def get_absolute_url(self) -> str:
        return f"/monitoring/drift/{self.pk}/"


class DriftColumnResult(models.Model):
    """The verdict on one column of a run, with what the chart needs (reference and current distributions)."""

    run = models.ForeignKey(DriftRun, on_delete=models.CASCADE, related_name="columns")
    position = models.PositiveIntegerField(default=0)
    column = models.CharField(_("column"), max_length=200)
    kind = models.CharField(_("type"), max_length=12, choices=ColumnKind.choices)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    statistic = models.FloatField(_("score"), null=True, blank=True)
    drifted = models.BooleanField(_("drift"), default=False)
    reference_rows = models.PositiveIntegerField(default=0)
    current_rows = models.PositiveIntegerField(default=0)
    distinct = models.PositiveIntegerField(default=0)
    overridden = models.BooleanField(default=False)
    note = models.CharField(max_length=40, blank=True)
    # {"kind": "bins", "edges": [...], "reference": [...shares], "current": [...]} or
    # {"kind": "categories", "labels": [...], "reference": [...], "current": [...]}
    chart = models.JSONField(default=dict, blank=True)

    objects = RestrictedManager()
    permission_domain = "monitoring"
    unit_path = "run__system__unit"

    class Meta:
        ordering = ["run_id", "position"]
        verbose_name = _("drift result of a column")
        verbose_name_plural = _("drift results of columns")
