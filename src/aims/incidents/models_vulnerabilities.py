"""Vulnerabilities of AI components (issue 12 point 5): AI-specific kinds and classic ones with a CVSS vector, the
components and versions they affect (the systems are found through the inventory), and their mitigations, each with
an owner and a due date by severity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel

from . import labels


class VulnerabilityKind(models.TextChoices):
    POISONING = "poisoning", _("Data or model poisoning")
    EVASION = "evasion", _("Evasion (adversarial inputs)")
    EXTRACTION = "extraction", _("Model or data extraction")
    PROMPT_INJECTION = "prompt_injection", _("Prompt injection")
    MODEL_THEFT = "model_theft", _("Model theft")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain compromise")
    CLASSIC = "classic", _("Classic vulnerability (CVSS)")


class VulnerabilityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MITIGATING = "mitigating", _("Being mitigated")
    MITIGATED = "mitigated", _("Mitigated")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", _("Closed")


# Where a vulnerability may go from each status (conditions in services.vulnerabilities.change_vulnerability_status).
VULNERABILITY_TRANSITIONS = {
    VulnerabilityStatus.OPEN: (VulnerabilityStatus.MITIGATING, VulnerabilityStatus.MITIGATED,
                               VulnerabilityStatus.ACCEPTED, VulnerabilityStatus.CLOSED),
    VulnerabilityStatus.MITIGATING: (VulnerabilityStatus.OPEN, VulnerabilityStatus.MITIGATED,
                                     VulnerabilityStatus.ACCEPTED),
    VulnerabilityStatus.MITIGATED: (VulnerabilityStatus.MITIGATING, VulnerabilityStatus.CLOSED),
    VulnerabilityStatus.ACCEPTED: (VulnerabilityStatus.OPEN, VulnerabilityStatus.CLOSED),
    VulnerabilityStatus.CLOSED: (VulnerabilityStatus.OPEN,),
}
OPEN_VULNERABILITY_STATUSES = (VulnerabilityStatus.OPEN, VulnerabilityStatus.MITIGATING)


class Vulnerability(VersionedModel):
    """A weakness of AI components (a CVE or not): its kind, its CVSS vector and score for a classic one, its severity,
    the component versions and dependencies it affects (the AI systems affected are found through the inventory, never
    stored), the effect on customers, its owner and where it stands; its mitigations each have an owner and a due
    date set by the severity."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=VulnerabilityKind.choices)
    cve_id = models.CharField(_("CVE identifier"), max_length=30, blank=True, db_index=True,
                              help_text=_("CVE-YYYY-NNNN, when the vulnerability has one."))
    cvss_vector = models.CharField(_("CVSS vector"), max_length=300, blank=True,
                                   help_text=_("CVSS 3.1 or 4.0, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H."))
    cvss_version = models.CharField(_("CVSS version"), max_length=5, blank=True, editable=False)
    cvss_score = models.DecimalField(_("CVSS score"), max_digits=3, decimal_places=1, null=True, blank=True,
                                     editable=False)
    severity = models.CharField(_("severity"), max_length=20,
                                help_text=_("From the CVSS score when there is a vector; chosen otherwise."))
    status = models.CharField(_("status"), max_length=12, choices=VulnerabilityStatus.choices,
                              default=VulnerabilityStatus.OPEN)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), on_delete=models.PROTECT,
                             related_name="vulnerabilities")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_vulnerabilities",
                              help_text=_("The person who sees the vulnerability through to its end."))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    components = models.ManyToManyField("inventory.Component", verbose_name=_("affected component versions"),
                                        through="VulnerableComponent", blank=True, related_name="vulnerabilities")
    dependencies = models.ManyToManyField("inventory.Dependency", verbose_name=_("affected dependencies"),
                                          blank=True, related_name="vulnerabilities")
    customer_impact = models.TextField(_("effect on customers"), blank=True)
    incident = models.ForeignKey("incidents.Incident", verbose_name=_("incident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="vulnerabilities",
                                 help_text=_("The incident that revealed or exploited it, if any."))
    status_reason = models.TextField(_("why"), blank=True,
                                     help_text=_("Why it was accepted, closed or reopened."))
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    ledger_fields = ("reference", "title", "description", "kind", "cve_id", "cvss_vector", "cvss_version",
                     "cvss_score", "severity", "status", "unit_id", "owner_id", "reported_by_id", "customer_impact",
                     "incident_id", "status_reason", "closed_at")
    ledger_labels = labels.VULNERABILITY_LABELS
    ledger_display = labels.VULNERABILITY_DISPLAY
    permission_domain = "incidents"
    unit_path = "unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")
        indexes = [
            # every sort the list offers (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["-created_at", "-id"], name="vuln_created"),
            models.Index(fields=["severity", "-created_at"], name="vuln_severity"),
            models.Index(fields=["status", "-created_at"], name="vuln_status"),
            models.Index(fields=["kind", "-created_at"], name="vuln_kind"),
            models.Index(fields=["title", "id"], name="vuln_title"),
            models.Index(fields=["cvss_score", "id"], name="vuln_score"),
            models.Index(fields=["unit", "status"], name="vuln_unit_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}" if self.reference else self.title

    def get_absolute_url(self) -> str:
        return f"/incidents/vulnerabilities/{self.pk}/"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_VULNERABILITY_STATUSES


class VulnerableComponent(models.Model):
    """A component version a vulnerability affects; `all_versions` extends it to every version of the component's
    line (its previous versions and those that follow), found through the inventory when asked."""

    vulnerability = models.ForeignKey(Vulnerability, verbose_name=_("vulnerability"), on_delete=models.CASCADE,
                                      related_name="component_links")
    component = models.ForeignKey("inventory.Component", verbose_name=_("component"), on_delete=models.PROTECT,
                                  related_name="vulnerability_links")
    all_versions = models.BooleanField(_("every version of the component"), default=False)

    class Meta:
        verbose_name = _("affected component version")
        verbose_name_plural = _("affected component versions")
        constraints = [models.UniqueConstraint(fields=["vulnerability", "component"],
                                               name="one_link_per_vulnerable_component")]

    def __str__(self) -> str:
        return f"{self.vulnerability.reference} · {self.component}"


class MitigationKind(models.TextChoices):
    GUARDRAIL = "guardrail", _("Guardrail (input or output filter)")
    MODEL_REPLACEMENT = "model_replacement", _("Model replacement")
    WEIGHT_PATCH = "weight_patch", _("Weight patch")
    RETRAINING = "retraining", _("Retraining")
    CONFIGURATION = "configuration", _("Configuration change")


class Mitigation(VersionedModel):
    """What is done about a vulnerability: its kind, who does it, by when (the catalogue's days for the severity
    unless an earlier date is named) and when it was done."""

    class Status(models.TextChoices):
        OPEN = "open", _("Planned")
        DONE = "done", _("Done")

    vulnerability = models.ForeignKey(Vulnerability, verbose_name=_("vulnerability"), on_delete=models.CASCADE,
                                      related_name="mitigations")
    kind = models.CharField(_("kind"), max_length=20, choices=MitigationKind.choices)
    title = models.CharField(_("what is done"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="vulnerability_mitigations")
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=5, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    reminded_on = models.DateField(null=True, blank=True, editable=False)

    ledger_fields = ("vulnerability_id", "kind", "title", "owner_id", "due_date", "status", "done_on", "done_note")
    permission_domain = "incidents"
    unit_path = "vulnerability__unit"

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("mitigation")
        verbose_name_plural = _("mitigations")
        indexes = [models.Index(fields=["status", "due_date"], name="mitigation_status_due")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/incidents/vulnerabilities/{self.vulnerability_id}/#mitigation-{self.pk}"
