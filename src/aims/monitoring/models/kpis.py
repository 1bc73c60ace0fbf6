"""KPIs of an AI system, their governed thresholds, and the measurements pipelines push.

Scale (benchmarks/monitoring.py): 1,000 systems x 10 KPIs x 365 daily values is 3.65 million measurements. Pages never
scan them: each KPI keeps its latest value and status, `KpiDaily` holds one row per KPI and day (mean, min, max,
status) for charts, and `DailyRollup` one row per unit, day and catalogue KPI for the portfolio dashboards. The
ingestion service keeps all three current in the same transaction as the measurements.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import RestrictedManager, VersionedModel

from .. import labels


class Family(models.TextChoices):
    TECHNICAL = "technical", _("Technical performance")
    ADOPTION = "adoption", _("Adoption")
    STRATEGIC = "strategic", _("Strategic value")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Frequency(models.TextChoices):
    HOURLY = "hourly", _("Hourly")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Status(models.TextChoices):
    """Where a value stands against the KPI's thresholds (compared strictly: a value equal to a threshold is not a
    breach of it)."""

    NO_DATA = "no_data", _("No data")
    OK = "ok", _("Within thresholds")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


STATUS_RANK = {Status.NO_DATA: 0, Status.OK: 1, Status.WARNING: 2, Status.CRITICAL: 3}


def status_of(value, *, direction: str, warning, critical) -> str:
    """The status of `value` against the thresholds (either may be None: not set)."""
    if value is None:
        return Status.NO_DATA
    worse = (lambda v, t: v < t) if direction == Direction.HIGHER else (lambda v, t: v > t)
    if critical is not None and worse(value, critical):
        return Status.CRITICAL
    if warning is not None and worse(value, warning):
        return Status.WARNING
    return Status.OK


class Kpi(VersionedModel):
    """A key performance indicator of one AI system: from the catalogue (catalogs/monitoring.yaml) or custom.

    `target`, `warning` and `critical` are governed: only `services.change_thresholds` changes them, with a rationale,
    a new `ThresholdChange` version and a ledger event. The last value and status are derived (kept by ingestion).
    """

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="kpis")
    key = models.SlugField(_("key"), max_length=60, help_text=_(
        "Stable identifier that pipelines use to push values, e.g. accuracy."))
    catalogue_key = models.CharField(_("catalogue KPI"), max_length=60, blank=True,
                                     help_text=_("Empty for a custom KPI."))
    family = models.CharField(_("family"), max_length=20, choices=Family.choices)
    name = models.CharField(_("name"), max_length=200, blank=True,
                            help_text=_("Required for a custom KPI; catalogue KPIs are named by the catalogue."))
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. %, ms, EUR"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    target = models.FloatField(_("target"), null=True, blank=True)
    warning = models.FloatField(_("warning threshold"), null=True, blank=True)
    critical = models.FloatField(_("critical threshold"), null=True, blank=True)
    threshold_version = models.PositiveIntegerField(_("threshold version"), default=1, editable=False)
    frequency = models.CharField(_("expected frequency"), max_length=12, choices=Frequency.choices,
                                 default=Frequency.DAILY)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="monitored_kpis")
    data_source = models.CharField(_("data source"), max_length=300, blank=True,
                                   help_text=_("Where the values come from, e.g. the nightly evaluation pipeline."))
    is_active = models.BooleanField(_("active"), default=True)

    # Derived by ingestion and the staleness job (not ledgered field by field: each push is one ledger event).
    last_value = models.FloatField(_("latest value"), null=True, blank=True, editable=False)
    last_measured_at = models.DateTimeField(_("measured on"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NO_DATA,
                              editable=False, db_index=True)
    stale_since = models.DateTimeField(_("stale since"), null=True, blank=True, editable=False, db_index=True)

    ledger_fields = ("system_id", "key", "catalogue_key", "family", "name", "description", "unit", "direction",
                     "target", "warning", "critical", "threshold_version", "frequency", "owner_id", "data_source",
                     "is_active")
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        ordering = ["system_id", "family", "key"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="monitoring_kpi_key_per_system")]
        indexes = [
            models.Index(fields=["owner", "is_active"]), models.Index(fields=["system", "is_active"]),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["status", "key"], name="kpi_status_sort"),
            models.Index(fields=["updated_at"], name="kpi_updated_sort"),
            models.Index(fields=["last_measured_at"], name="kpi_measured_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.system.reference_code} · {self.label()}" if self.system_id else self.label()

    def label(self, language: str | None = None) -> str:
        """The name to show: a catalogue KPI's label in the reader's language, else its own name."""
        if self.name or not self.catalogue_key:
            return self.name or self.key
        from ..catalog import kpi_label

        return kpi_label(self.catalogue_key, language) or self.key

    @property
    def is_stale(self) -> bool:
        return self.stale_since is not None

    def status_for(self, value) -> str:
        return status_of(value, direction=self.direction, warning=self.warning, critical=self.critical)

    def get_absolute_url(self) -> str:
        return f"/monitoring/kpis/{self.pk}/"


class ThresholdChange(models.Model):
    """One version of a KPI's thresholds, with the rationale for it (version 1 is the KPI's creation)."""

    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="threshold_changes")
    version = models.PositiveIntegerField(_("version"))
    target = models.FloatField(_("target"), null=True, blank=True)
    warning = models.FloatField(_("warning threshold"), null=True, blank=True)
    critical = models.FloatField(_("critical threshold"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    rationale = models.TextField(_("rationale"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)

    objects = RestrictedManager()
    permission_domain = "monitoring"
    unit_path = "kpi__system__unit"

    class Meta:
        ordering = ["kpi_id", "-version"]
        verbose_name = _("threshold version")
        verbose_name_plural = _("threshold versions")
        constraints = [models.UniqueConstraint(fields=["kpi", "version"], name="monitoring_threshold_version")]


class MeasurementBatch(models.Model):
    """One push of measurements for one system (an API call, a file, a typed value): one ledger event each."""

    class Source(models.TextChoices):
        API = "api", _("API")
        FILE = "file", _("File")
        MANUAL = "manual", _("Typed in")
        DEMO = "demo", _("Demo data")

    system = models.ForeignKey("inventory.AISystem", on_delete=models.CASCADE, related_name="measurement_batches")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("pushed by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    pushed_by_label = models.CharField(max_length=200, blank=True)
    token = models.ForeignKey("monitoring.PushToken", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="batches")
    received = models.PositiveIntegerField(_("values received"), default=0)
    created = models.PositiveIntegerField(_("new values"), default=0)
    replaced = models.PositiveIntegerField(_("values replaced"), default=0)
    unchanged = models.PositiveIntegerField(_("values unchanged"), default=0)
    first_at = models.DateTimeField(_("first value"), null=True, blank=True)
    last_at = models.DateTimeField(_("last value"), null=True, blank=True)
    # SHA-256 of the canonical content (kpi id, time, value per line, sorted): the ledger event carries it, so the
    # values of a batch can be proven unchanged later.
    sha256 = models.CharField(_("SHA-256 of the values"), max_length=64)
    created_at = models.DateTimeField(_("pushed on"), default=timezone.now, db_index=True)

    objects = RestrictedManager()
    permission_domain = "monitoring"
    unit_path = "system__unit"
    ledger_labels = {"per_kpi": _("values per KPI"), "token_prefix": _("push token"), "batch": _("push number")}
    ledger_display = {"per_kpi": labels.per_kpi}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("push of values")
        verbose_name_plural = _("pushes of values")

    def __str__(self) -> str:
        return f"{self.system.reference_code} · {self.received}"


class Measurement(models.Model):
    """One value of a KPI at a moment. Re-pushing the same moment replaces the value (pipelines retry)."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    measured_at = models.DateTimeField(_("measured on"))
    # The UTC day of measured_at, stored so daily aggregates group on a plain column on every database.
    day = models.DateField()
    value = models.FloatField(_("value"))
    batch = models.ForeignKey(MeasurementBatch, on_delete=models.SET_NULL, null=True, related_name="+",
                              db_constraint=False)

    objects = RestrictedManager()
    permission_domain = "monitoring"
    unit_path = "kpi__system__unit"

    class Meta:
        ordering = ["kpi_id", "measured_at"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [models.UniqueConstraint(fields=["kpi", "measured_at"], name="monitoring_measurement_moment")]
        indexes = [models.Index(fields=["kpi", "day"])]


class KpiDaily(models.Model):
    """One KPI's values on one UTC day, for charts: status is the day's mean against the thresholds then in force."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="daily")
    day = models.DateField()
    count = models.PositiveIntegerField()
    mean = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices)

    objects = RestrictedManager()
    permission_domain = "monitoring"
    unit_path = "kpi__system__unit"

    class Meta:
        ordering = ["kpi_id", "day"]
        verbose_name = _("daily KPI value")
        verbose_name_plural = _("daily KPI values")
        constraints = [models.UniqueConstraint(fields=["kpi", "day"], name="monitoring_kpidaily_day")]


class DailyRollup(models.Model):
    """Per organisation unit, day and catalogue KPI ('' for custom KPIs): how many KPIs reported and how they stood,
    and the sum of their daily means. The tactical and strategic dashboards read these instead of the measurements."""

    unit = models.ForeignKey("core.OrgUnit", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    week = models.DateField(help_text="The Monday of the day's week.")
    catalogue_key = models.CharField(max_length=60)
    family = models.CharField(max_length=20, choices=Family.choices)
    kpis = models.PositiveIntegerField(default=0)
    ok = models.PositiveIntegerField(default=0)
    warning = models.PositiveIntegerField(default=0)
    critical = models.PositiveIntegerField(default=0)
    value_sum = models.FloatField(default=0)

    objects = RestrictedManager()
    permission_domain = "monitoring"
    unit_path = "unit"

    class Meta:
        verbose_name = _("daily portfolio figure")
        verbose_name_plural = _("daily portfolio figures")
        constraints = [models.UniqueConstraint(fields=["day", "catalogue_key", "unit"], name="monitoring_rollup_key")]
        indexes = [models.Index(fields=["unit", "week"])]


class WeeklyRollup(models.Model):
    """The same per unit, week (its Monday) and catalogue KPI, summed over the week's days (counts are KPI-days):
    the year-long trends of the dashboards read 52 of these per unit and KPI, whatever the KPIs' frequencies."""

    unit = models.ForeignKey("core.OrgUnit", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    catalogue_key = models.CharField(max_length=60)
    family = models.CharField(max_length=20, choices=Family.choices)
    kpis = models.PositiveIntegerField(default=0)
    ok = models.PositiveIntegerField(default=0)
    warning = models.PositiveIntegerField(default=0)
    critical = models.PositiveIntegerField(default=0)
    value_sum = models.FloatField(default=0)

    objects = RestrictedManager()
    permission_domain = "monitoring"
    unit_path = "unit"

    class Meta:
        verbose_name = _("weekly portfolio figure")
        verbose_name_plural = _("weekly portfolio figures")
        constraints = [models.UniqueConstraint(fields=["week", "catalogue_key", "unit"],
                                               name="monitoring_weekly_rollup_key")]


class PushToken(models.Model):
    """A token a pipeline uses to push measurements and drift histograms for one system, and nothing else.

    It acts with the authority of the person who created it, narrowed to that system and to pushing: if that person
    loses the right to change the system's monitoring, the token stops working. Only a SHA-256 of the secret is kept.
    """

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="push_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=14, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = RestrictedManager()
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("push token")
        verbose_name_plural = _("push tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
