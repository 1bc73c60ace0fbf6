"""Alerts raised by KPI breaches, stale KPIs and drift, what each alert did, and the change decisions they suggest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel

from .. import labels


class Trigger(models.TextChoices):
    """The lowest severity at which an alert takes an action ("off": never)."""

    OFF = "off", _("Never")
    WARNING = "warning", _("From a warning")
    CRITICAL = "critical", _("Only when critical")


class ChangeKind(models.TextChoices):
    """Mirror of inventory.ChangeDecision.Kind: the change a breach may call for."""

    MINOR_UPDATE = "minor_update", _("Minor update")
    MAJOR_UPDATE = "major_update", _("Major update")
    RETIREMENT = "retirement", _("Retirement")


class AlertPolicy(VersionedModel):
    """What an alert on this system does, beyond notifying the KPI's and the system's owner."""

    system = models.OneToOneField("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                                  related_name="alert_policy")
    review_risks = models.CharField(_("request a review of the linked risks"), max_length=10,
                                    choices=Trigger.choices, default=Trigger.CRITICAL)
    open_incident = models.CharField(_("open an incident"), max_length=10, choices=Trigger.choices,
                                     default=Trigger.OFF)
    suggest_change = models.CharField(_("suggest a change decision"), max_length=10, choices=Trigger.choices,
                                      default=Trigger.CRITICAL)
    warning_change = models.CharField(_("change suggested on a warning"), max_length=20, choices=ChangeKind.choices,
                                      default=ChangeKind.MINOR_UPDATE)
    critical_change = models.CharField(_("change suggested when critical"), max_length=20,
                                       choices=ChangeKind.choices, default=ChangeKind.MAJOR_UPDATE)

    ledger_fields = ("system_id", "review_risks", "open_incident", "suggest_change", "warning_change",
                     "critical_change")
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        verbose_name = _("alert policy")
        verbose_name_plural = _("alert policies")

    def __str__(self) -> str:
        return f"{self.system} · {_('alert policy')}"


class Alert(VersionedModel):
    """Something measured went wrong. One open alert per KPI and kind (a repeated breach updates it) or per run."""

    class Kind(models.TextChoices):
        BREACH = "breach", _("Threshold breach")
        STALE = "stale", _("No recent data")
        DRIFT = "drift", _("Data drift")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="monitoring_alerts")
    kpi = models.ForeignKey("monitoring.Kpi", verbose_name=_("KPI"), null=True, blank=True, on_delete=models.CASCADE,
                            related_name="alerts")
    drift_run = models.ForeignKey("monitoring.DriftRun", verbose_name=_("drift run"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.OPEN, db_index=True)
    # Facts only (value, thresholds, columns, counts); the words are rendered in the reader's language.
    details = models.JSONField(_("details"), default=dict, blank=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    opened_at = models.DateTimeField(_("opened on"), default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolution = models.TextField(_("resolution"), blank=True)
    # What the alert did: [{"action": "notified"|"review_requested"|"incident_opened"|"change_suggested"|...,
    #                       "at": iso, ...facts}]
    actions = models.JSONField(_("actions taken"), default=list, blank=True)

    ledger_fields = ("system_id", "kpi_id", "drift_run_id", "kind", "severity", "state", "details", "occurrences",
                     "resolved_at", "resolved_by_id", "resolution", "actions")
    ledger_display = {"details": labels.alert_details, "actions": labels.alert_actions}
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(fields=["system", "state"]), models.Index(fields=["kpi", "kind", "state"]),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["severity", "opened_at"], name="alert_severity_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.system.reference_code} · {self.get_kind_display()} · {self.get_severity_display()}"

    def get_absolute_url(self) -> str:
        return f"/monitoring/alerts/{self.pk}/"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.RESOLVED


class ChangeSuggestion(VersionedModel):
    """A change decision an alert suggests; a person confirms it (which requests the change in the inventory) or
    dismisses it with a reason."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="suggestions")
    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="change_suggestions")
    kind = models.CharField(_("suggested change"), max_length=20, choices=ChangeKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    change_decision = models.ForeignKey("inventory.ChangeDecision", verbose_name=_("change decision"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")

    ledger_fields = ("alert_id", "system_id", "kind", "state", "decided_by_id", "decided_at", "reason",
                     "change_decision_id")
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggested change")
        verbose_name_plural = _("suggested changes")
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["created_at"], name="suggestion_created_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.system.reference_code} · {self.get_kind_display()}"
