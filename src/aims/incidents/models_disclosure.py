"""Coordinated vulnerability disclosure (issue 12 point 6): a case reported through the public form by someone without
an account, the messages exchanged with them through their private link, the files they sent, and the advisory
published about a vulnerability.

The reporter's link works as the supplier questionnaire's: its secret is never stored, only its SHA-256; it expires and
can be revoked. Advisories keep facts (the state of each product, the fix, the dates) and the plain-language text in
English and French; exports (CycloneDX VEX, CSAF 2.0) are rendered from them when asked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGING = "triaging", _("Being triaged")
    CONFIRMED = "confirmed", _("Confirmed vulnerability")
    NOT_A_VULNERABILITY = "declined", _("Not a vulnerability")
    DUPLICATE = "duplicate", _("Already known")
    RESOLVED = "resolved", _("Resolved")


OPEN_CASE_STATUSES = (CaseStatus.RECEIVED, CaseStatus.TRIAGING, CaseStatus.CONFIRMED)

CASE_TRANSITIONS = {
    CaseStatus.RECEIVED: (CaseStatus.TRIAGING, CaseStatus.CONFIRMED, CaseStatus.NOT_A_VULNERABILITY,
                          CaseStatus.DUPLICATE),
    CaseStatus.TRIAGING: (CaseStatus.CONFIRMED, CaseStatus.NOT_A_VULNERABILITY, CaseStatus.DUPLICATE),
    CaseStatus.CONFIRMED: (CaseStatus.RESOLVED,),
    CaseStatus.NOT_A_VULNERABILITY: (CaseStatus.TRIAGING,),
    CaseStatus.DUPLICATE: (CaseStatus.TRIAGING,),
    CaseStatus.RESOLVED: (),
}


class DisclosureCase(VersionedModel):
    """A vulnerability report received from outside: what the reporter wrote, who they say they are (both optional),
    where triage stands, the vulnerability it became or was linked to, and the embargo agreed with the reporter."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    summary = models.CharField(_("summary"), max_length=200)
    details = models.TextField(_("details"))
    affected_product = models.CharField(_("affected product"), max_length=200, blank=True)
    reporter_name = models.CharField(_("reporter's name"), max_length=120, blank=True)
    reporter_email = models.EmailField(_("reporter's e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.RECEIVED,
                              db_index=True)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), on_delete=models.PROTECT,
                             related_name="disclosure_cases")
    vulnerability = models.ForeignKey("incidents.Vulnerability", verbose_name=_("vulnerability"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="disclosure_cases")
    embargo_until = models.DateField(_("embargo until"), null=True, blank=True,
                                     help_text=_("Nothing is published about the vulnerability before this date, as "
                                                 "agreed with the reporter."))
    triage_note = models.TextField(_("triage note"), blank=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("triaged by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    triaged_at = models.DateTimeField(_("triaged on"), null=True, blank=True)
    # The private link: only the hash of its secret is kept.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    link_expires_at = models.DateTimeField(_("link expires on"))
    link_revoked_at = models.DateTimeField(_("link revoked on"), null=True, blank=True)
    received_at = models.DateTimeField(_("received on"), default=timezone.now)

    ledger_fields = ("reference", "summary", "details", "affected_product", "reporter_name", "reporter_email",
                     "language", "status", "unit_id", "vulnerability_id", "embargo_until", "triage_note",
                     "triaged_by_id", "triaged_at", "link_expires_at", "link_revoked_at", "received_at")
    permission_domain = "incidents"
    unit_path = "unit"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("disclosure case")
        verbose_name_plural = _("disclosure cases")
        indexes = [models.Index(fields=["-received_at", "-id"], name="cvd_received"),
                   models.Index(fields=["status", "-received_at"], name="cvd_status")]

    def __str__(self) -> str:
        return f"{self.reference} · {self.summary}" if self.reference else self.summary

    def get_absolute_url(self) -> str:
        return f"/incidents/disclosures/{self.pk}/"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES


class DisclosureMessage(models.Model):
    """One message of the conversation with the reporter: theirs (through the link) or the staff's."""

    class Author(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        STAFF = "staff", _("Our team")

    case = models.ForeignKey(DisclosureCase, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="messages")
    author_kind = models.CharField(_("from"), max_length=10, choices=Author.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent on"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("disclosure message")
        verbose_name_plural = _("disclosure messages")
        indexes = [models.Index(fields=["case", "created_at"], name="cvd_message_case")]

    def __str__(self) -> str:
        return f"{self.case.reference} · {self.get_author_kind_display()}"


class DisclosureAttachment(models.Model):
    """A file the reporter sent, checked by size and content and stored by its hash (as the evidence library's)."""

    case = models.ForeignKey(DisclosureCase, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="attachments")
    message = models.ForeignKey(DisclosureMessage, verbose_name=_("message"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=300)
    created_at = models.DateTimeField(_("received on"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("disclosure attachment")
        verbose_name_plural = _("disclosure attachments")

    def __str__(self) -> str:
        return self.filename
