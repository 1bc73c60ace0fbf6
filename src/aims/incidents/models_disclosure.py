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


class AdvisoryState(models.TextChoices):
    """Where the organisation's products stand against the vulnerability (a fact; the exports map it to their
    vocabularies: CycloneDX's analysis state, CSAF's product status)."""

    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    AFFECTED = "affected", _("Affected")
    FIXED = "fixed", _("Fixed")
    NOT_AFFECTED = "not_affected", _("Not affected")


class NotAffectedReason(models.TextChoices):
    COMPONENT_NOT_PRESENT = "component_not_present", _("The vulnerable component is not used")
    CODE_NOT_REACHABLE = "code_not_reachable", _("The vulnerable part cannot be reached")
    NOT_CONTROLLABLE = "not_controllable", _("An attacker cannot control the vulnerable part")
    MITIGATING_CONTROL = "mitigating_control", _("A control in place already prevents it")


class Advisory(VersionedModel):
    """What the organisation publishes about a vulnerability: the facts (where its products stand, why they are not
    affected, the fix, the dates, the revision) and the plain-language text in English and French. The products are
    the AI systems the vulnerability affects, found through the inventory when the advisory is read or exported."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    vulnerability = models.OneToOneField("incidents.Vulnerability", verbose_name=_("vulnerability"),
                                         on_delete=models.CASCADE, related_name="advisory")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    state = models.CharField(_("state of our products"), max_length=20, choices=AdvisoryState.choices,
                             default=AdvisoryState.UNDER_INVESTIGATION)
    not_affected_reason = models.CharField(_("why not affected"), max_length=30, choices=NotAffectedReason.choices,
                                           blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    summary_en = models.TextField(_("what happens (English)"))
    summary_fr = models.TextField(_("what happens (French)"), blank=True)
    recommendation_en = models.TextField(_("what to do (English)"), blank=True)
    recommendation_fr = models.TextField(_("what to do (French)"), blank=True)
    fixed_in = models.CharField(_("fixed in"), max_length=200, blank=True,
                                help_text=_("The version or date from which the products are fixed."))
    credit = models.CharField(_("credit"), max_length=200, blank=True,
                              help_text=_("Who reported it, as they agreed to be named."))
    revision = models.PositiveIntegerField(_("revision"), default=0)
    published_at = models.DateTimeField(_("first published on"), null=True, blank=True)
    revised_at = models.DateTimeField(_("last published on"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT,
                               related_name="+")

    ledger_fields = ("reference", "vulnerability_id", "status", "state", "not_affected_reason", "title_en",
                     "title_fr", "summary_en", "summary_fr", "recommendation_en", "recommendation_fr", "fixed_in",
                     "credit", "revision", "published_at", "revised_at", "author_id")
    permission_domain = "incidents"
    unit_path = "vulnerability__unit"

    class Meta:
        verbose_name = _("advisory")
        verbose_name_plural = _("advisories")

    def __str__(self) -> str:
        return f"{self.reference} · {self.title_en}"

    def get_absolute_url(self) -> str:
        return f"/incidents/vulnerabilities/{self.vulnerability_id}/advisory/"
