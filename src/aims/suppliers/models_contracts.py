"""Contracts with their clause checklist, supplier audits with findings and actions, exit and continuity plans, and
supplier change events (ISO/IEC 42001 A.10). Imported at the bottom of models.py.

Facts are stored (codes, dates); words are rendered when shown, in the reader's language.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel


class Renewal(models.TextChoices):
    MANUAL = "manual", _("Renewed by decision")
    AUTOMATIC = "auto", _("Renews automatically")


class ClauseStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    PARTIAL = "partial", _("Partly covered")
    ABSENT = "absent", _("Absent")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ChangeKind(models.TextChoices):
    ACQUISITION = "acquisition", _("Acquisition or change of control")
    MODEL_CHANGE = "model_change", _("Model change")
    SUBPROCESSOR_CHANGE = "subprocessor_change", _("Sub-processor change")
    OUTAGE = "outage", _("Outage")
    INCIDENT = "incident", _("Security or AI incident")


def clause_checklist_display(value, snapshot, memo) -> str:
    """A contract's checklist in History: each clause's catalogue label and status, in the reader's language."""
    from aims.core.labels import language

    from .catalog import clause_label

    parts = []
    for key, entry in (value or {}).items():
        status = entry.get("status", "")
        label = ClauseStatus(status).label if status in ClauseStatus.values else status
        text = f"{clause_label(key, language())}: {label}"
        parts.append(f"{text} ({entry['reference']})" if entry.get("reference") else text)
    return "; ".join(parts) or "—"


class Contract(VersionedModel):
    """A contract with a supplier: its term, renewal, notice period, and which catalogue clauses it holds."""

    supplier = models.ForeignKey("suppliers.Supplier", verbose_name=_("supplier"), on_delete=models.CASCADE,
                                 related_name="contracts")
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Empty for an open-ended contract."))
    renewal = models.CharField(_("renewal"), max_length=8, choices=Renewal.choices, default=Renewal.MANUAL)
    notice_days = models.PositiveIntegerField(_("notice period (days)"), null=True, blank=True)
    # The last day to give notice before the end date (end date minus the notice period): computed on save.
    notice_deadline = models.DateField(_("notice deadline"), null=True, blank=True, editable=False, db_index=True)
    # {clause key: {"status": present|partial|absent, "reference": "§ 12.3"}} for the catalogue's clauses.
    clauses = models.JSONField(_("clauses"), default=dict, blank=True)

    ledger_fields = ("supplier_id", "title", "reference", "start_date", "end_date", "renewal", "notice_days",
                     "notice_deadline", "clauses")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"
    ledger_display = {"clauses": clause_checklist_display}

    class Meta:
        ordering = ["supplier", "-start_date", "-id"]
        verbose_name = _("supplier contract")
        verbose_name_plural = _("supplier contracts")
        indexes = [models.Index(fields=["supplier", "start_date"], name="contract_supplier_start")]

    def __str__(self) -> str:
        return f"{self.title} ({self.reference})" if self.reference else self.title

    def get_absolute_url(self) -> str:
        return reverse("suppliers:contract_detail", args=[self.supplier_id, self.pk])

    def computed_notice_deadline(self):
        if self.end_date is None or self.notice_days is None:
            return None
        return self.end_date - timedelta(days=self.notice_days)

    def in_force_on(self, day) -> bool:
        return self.end_date is None or self.end_date >= day

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The end date must come after the start date.")})


class SupplierAudit(VersionedModel):
    """An audit of a supplier (on site, remote, or a review of a third party's report), with its findings."""

    supplier = models.ForeignKey("suppliers.Supplier", verbose_name=_("supplier"), on_delete=models.CASCADE,
                                 related_name="audits")
    title = models.CharField(_("title"), max_length=200)
    audit_date = models.DateField(_("audit date"))
    auditor = models.CharField(_("auditor"), max_length=200, blank=True,
                               help_text=_("Who performed it: our team or an audit firm."))
    scope = models.TextField(_("scope"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)

    ledger_fields = ("supplier_id", "title", "audit_date", "auditor", "scope", "conclusion")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"

    class Meta:
        ordering = ["supplier", "-audit_date", "-id"]
        verbose_name = _("supplier audit")
        verbose_name_plural = _("supplier audits")
        indexes = [models.Index(fields=["supplier", "audit_date"], name="supplier_audit_date")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("suppliers:audit_detail", args=[self.supplier_id, self.pk])


class AuditFinding(VersionedModel):
    audit = models.ForeignKey(SupplierAudit, verbose_name=_("audit"), on_delete=models.CASCADE,
                              related_name="findings")
    title = models.CharField(_("title"), max_length=200)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    description = models.TextField(_("description"), blank=True)

    ledger_fields = ("audit_id", "title", "severity", "description")
    permission_domain = "suppliers"
    unit_path = "audit__supplier__unit"

    class Meta:
        ordering = ["audit", "id"]
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.audit.get_absolute_url()


class AuditAction(VersionedModel):
    """What is done about a finding, by whom and by when."""

    finding = models.ForeignKey(AuditFinding, verbose_name=_("finding"), on_delete=models.CASCADE,
                                related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="+")
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)

    ledger_fields = ("finding_id", "title", "owner_id", "due_date", "done_at")
    permission_domain = "suppliers"
    unit_path = "finding__audit__supplier__unit"

    class Meta:
        ordering = ["finding", "due_date", "id"]
        verbose_name = _("audit action")
        verbose_name_plural = _("audit actions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.finding.audit.get_absolute_url()


class ExitPlan(VersionedModel):
    """How we would leave the supplier or carry on without it, and when that plan was last tested."""

    supplier = models.OneToOneField("suppliers.Supplier", verbose_name=_("supplier"), on_delete=models.CASCADE,
                                    related_name="exit_plan")
    strategy = models.TextField(_("exit strategy"))
    alternatives = models.TextField(_("alternative suppliers or fallback"), blank=True)
    continuity = models.TextField(_("continuity measures during an outage"), blank=True)
    last_tested_on = models.DateField(_("last tested on"), null=True, blank=True)
    test_result = models.TextField(_("result of the last test"), blank=True)

    ledger_fields = ("supplier_id", "strategy", "alternatives", "continuity", "last_tested_on", "test_result")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"

    class Meta:
        verbose_name = _("exit and continuity plan")
        verbose_name_plural = _("exit and continuity plans")

    def __str__(self) -> str:
        return str(_("Exit plan of %(supplier)s") % {"supplier": self.supplier})

    def get_absolute_url(self) -> str:
        return reverse("suppliers:exit_plan", args=[self.supplier_id])


class SupplierChange(VersionedModel):
    """Something that happened at the supplier and may change our risks: the reviews it requested are counted."""

    supplier = models.ForeignKey("suppliers.Supplier", verbose_name=_("supplier"), on_delete=models.CASCADE,
                                 related_name="change_events")
    kind = models.CharField(_("kind of change"), max_length=24, choices=ChangeKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    description = models.TextField(_("description"))
    reviews_requested = models.PositiveIntegerField(_("risk reviews requested"), default=0, editable=False)

    ledger_fields = ("supplier_id", "kind", "occurred_on", "description", "reviews_requested")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"

    class Meta:
        ordering = ["supplier", "-occurred_on", "-id"]
        verbose_name = _("supplier change")
        verbose_name_plural = _("supplier changes")
        indexes = [models.Index(fields=["supplier", "occurred_on"], name="supplier_change_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_on}"

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplier_detail", args=[self.supplier_id]) + "#changes"
