"""Suppliers and third-party AI (ISO/IEC 42001 A.10, AI Act Art. 25): the register with its named owner and backup,
contacts, certifications, data-processing and AI facts, what each supplier provides to the inventory, assessments,
and the onboarding decision taken through the "To approve" inbox.

Facts are stored (codes, numbers, dates); words are rendered when shown, in the reader's language.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel

from . import labels
from .catalog import CRITICALITY_ORDER  # noqa: F401  (the order of the levels below, kept with the catalogue)


class Criticality(models.TextChoices):
    NONE = "", _("Nothing depends on it")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")




class Status(models.TextChoices):
    DRAFT = "draft", _("Being onboarded")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")


class TrainsOnData(models.TextChoices):
    UNKNOWN = "", _("Not known")
    NO = "no", _("No")
    OPT_OUT = "opt_out", _("Only unless we opt out")
    YES = "yes", _("Yes")


class ValueChainRole(models.TextChoices):
    """The supplier's place in the AI Act value chain, and so which agreement Art. 25 asks for."""

    UNKNOWN = "", _("Not determined")
    GPAI_PROVIDER = "gpai_provider", _("Provider of a general-purpose AI model")
    SYSTEM_PROVIDER = "system_provider", _("Provider of an AI system")
    COMPONENT_SUPPLIER = "component_supplier", _("Supplier of a component, tool or service")
    DISTRIBUTOR = "distributor", _("Distributor or importer")
    NOT_AI = "not_ai", _("No AI in what it supplies")


class Art25Agreement(models.TextChoices):
    NOT_NEEDED = "", _("Not needed")
    NEEDED = "needed", _("Needed, not signed yet")
    SIGNED = "signed", _("Signed")


class Supplier(VersionedModel):
    """A supplier of AI (a model vendor, an API, a SaaS with embedded AI, a data broker), managed by one unit."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    registration_number = models.CharField(_("company registration number"), max_length=60, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True)
    lei = models.CharField(_("LEI"), max_length=20, blank=True, help_text=_("Legal Entity Identifier (20 characters)."))
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code, e.g. FR, US."))
    website = models.URLField(_("website"), blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("managing unit"), on_delete=models.PROTECT,
                             related_name="suppliers")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("internal owner"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="owned_suppliers")
    backup = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("backup owner"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="backed_up_suppliers")
    services = models.TextField(_("services provided"), blank=True)
    status = models.CharField(_("onboarding status"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                              db_index=True, editable=False)
    # Computed from the systems that depend on what the supplier provides (services.refresh_criticality).
    criticality = models.CharField(_("criticality"), max_length=10, choices=Criticality.choices, blank=True,
                                   default="", db_index=True, editable=False)
    criticality_rank = models.PositiveSmallIntegerField(default=0, db_index=True, editable=False)
    required_score = models.PositiveSmallIntegerField(
        _("required assessment score"), null=True, blank=True, validators=[MaxValueValidator(100)],
        help_text=_("Leave empty for the organisation's default."))
    score_exception = models.TextField(
        _("exception to the required score"), blank=True,
        help_text=_("Why the supplier may be approved without reaching the required score."))
    clauses = models.JSONField(_("clauses in the contract"), default=list, blank=True)
    # Data processing
    dpa_signed_on = models.DateField(_("data processing agreement signed on"), null=True, blank=True)
    hosting_countries = models.JSONField(_("hosting countries"), default=list, blank=True)
    subprocessors = models.JSONField(_("sub-processors"), default=list, blank=True)
    # AI-specific facts
    trains_on_our_data = models.CharField(_("trains on our data"), max_length=10, choices=TrainsOnData.choices,
                                          blank=True, default="")
    prompt_retention_days = models.PositiveIntegerField(_("prompt retention (days)"), null=True, blank=True)
    output_retention_days = models.PositiveIntegerField(_("output retention (days)"), null=True, blank=True)
    model_change_notice_days = models.PositiveIntegerField(_("notice of model changes (days)"), null=True, blank=True)
    model_provenance = models.TextField(_("model provenance"), blank=True)
    # AI Act value chain (Art. 25)
    value_chain_role = models.CharField(_("AI Act value-chain role"), max_length=20,
                                        choices=ValueChainRole.choices, blank=True, default="")
    art25_agreement = models.CharField(_("Art. 25 written agreement"), max_length=10,
                                       choices=Art25Agreement.choices, blank=True, default="")
    # Onboarding decision
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+", editable=False)
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", editable=False)
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True, editable=False)
    decision_comment = models.TextField(_("comment"), blank=True, editable=False)

    ledger_fields = ("legal_name", "registration_number", "vat_number", "lei", "country", "website", "unit_id",
                     "owner_id", "backup_id", "services", "status", "criticality", "required_score",
                     "score_exception", "clauses", "dpa_signed_on", "hosting_countries", "subprocessors",
                     "trains_on_our_data", "prompt_retention_days", "output_retention_days",
                     "model_change_notice_days", "model_provenance", "value_chain_role", "art25_agreement",
                     "submitted_by_id", "submitted_at", "approved_by_id", "approved_at", "decision_comment")
    permission_domain = "suppliers"
    unit_path = "unit"
    ledger_display = {"clauses": labels.clauses_display, "subprocessors": labels.subprocessors_display,
                      "hosting_countries": labels.countries_display}

    class Meta:
        ordering = ["legal_name", "id"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        # One per sort the register offers (core/tests/test_sorts_are_indexed.py).
        indexes = [models.Index(fields=["status", "legal_name"], name="supplier_status_name"),
                   models.Index(fields=["legal_name"], name="supplier_name"),
                   models.Index(fields=["country", "legal_name"], name="supplier_country_name"),
                   models.Index(fields=["criticality_rank", "legal_name"], name="supplier_criticality_name"),
                   models.Index(fields=["owner", "legal_name"], name="supplier_owner_name"),
                   models.Index(fields=["updated_at"], name="supplier_updated")]

    def __str__(self) -> str:
        return self.legal_name

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplier_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.country and (len(self.country) != 2 or not self.country.isalpha() or not self.country.isupper()):
            raise ValidationError({"country": _("Give the two-letter ISO 3166 code in capitals, e.g. FR.")})
        if self.lei and (len(self.lei) != 20 or not self.lei.isalnum()):
            raise ValidationError({"lei": _("A LEI has 20 letters and digits.")})
        if self.owner_id and self.owner_id == self.backup_id:
            raise ValidationError({"backup": _("The backup must be someone other than the owner.")})
        if not isinstance(self.hosting_countries, list) or any(
                not isinstance(c, str) or len(c) != 2 or not c.isalpha() or not c.isupper()
                for c in self.hosting_countries):
            raise ValidationError({"hosting_countries": _("Give two-letter ISO 3166 codes in capitals, e.g. FR.")})
        if not isinstance(self.subprocessors, list) or any(
                not isinstance(s, dict) or not str(s.get("name", "")).strip()
                or set(s) - {"name", "country", "purpose", "ai"} for s in self.subprocessors):
            raise ValidationError({"subprocessors": _("Each sub-processor needs a name (and may give a country, a "
                                                      "purpose and whether it is an AI sub-processor).")})


class Contact(VersionedModel):
    """A person at the supplier (who answers questionnaires, whom to call in an incident)."""

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    function = models.CharField(_("function"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The language questionnaires are sent in; empty: the organisation's default.
    language = models.CharField(_("language"), max_length=8, blank=True, default="", choices=settings.LANGUAGES)

    ledger_fields = ("supplier_id", "name", "email", "function", "phone", "language")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"

    class Meta:
        ordering = ["supplier", "name", "id"]
        verbose_name = _("supplier contact")
        verbose_name_plural = _("supplier contacts")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Certification(VersionedModel):
    class Scheme(models.TextChoices):
        ISO_27001 = "iso27001", "ISO/IEC 27001"
        ISO_42001 = "iso42001", "ISO/IEC 42001"
        SOC2 = "soc2", "SOC 2"
        ISO_27701 = "iso27701", "ISO/IEC 27701"
        OTHER = "other", _("Other")

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE,
                                 related_name="certifications")
    scheme = models.CharField(_("scheme"), max_length=12, choices=Scheme.choices)
    reference = models.CharField(_("certificate reference"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)

    ledger_fields = ("supplier_id", "scheme", "reference", "valid_from", "valid_until")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"

    class Meta:
        ordering = ["supplier", "scheme", "id"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.reference}".strip()

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end of validity comes before its start.")})

    def valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until)


class Supply(VersionedModel):
    """The supplier provides this inventory component or dependency (to every system that uses it)."""

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE,
                                 related_name="supplies")
    component = models.ForeignKey("inventory.Component", verbose_name=_("component"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="supplied_by")
    dependency = models.ForeignKey("inventory.Dependency", verbose_name=_("dependency"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="supplied_by")

    ledger_fields = ("supplier_id", "component_id", "dependency_id")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"

    class Meta:
        verbose_name = _("supplied item")
        verbose_name_plural = _("supplied items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(component__isnull=False, dependency__isnull=True)
                | models.Q(component__isnull=True, dependency__isnull=False), name="supply_component_xor_dependency"),
            models.UniqueConstraint(fields=["supplier", "component"], name="supply_unique_component"),
            models.UniqueConstraint(fields=["supplier", "dependency"], name="supply_unique_dependency"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} → {self.component or self.dependency}"

    @property
    def item(self):
        return self.component or self.dependency


class Assessment(VersionedModel):
    """A due-diligence assessment of a supplier, with its score once completed (0-100)."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE,
                                 related_name="assessments")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.IN_PROGRESS,
                             db_index=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True,
                                             validators=[MinValueValidator(0), MaxValueValidator(100)])
    summary = models.TextField(_("summary"), blank=True)
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed on"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    ledger_fields = ("supplier_id", "state", "score", "summary", "started_at", "completed_at", "reviewed_by_id")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"

    class Meta:
        ordering = ["supplier", "-started_at", "-id"]
        verbose_name = _("supplier assessment")
        verbose_name_plural = _("supplier assessments")

    def __str__(self) -> str:
        return f"{self.supplier} · {self.get_state_display()}"


class QuestionnaireState(models.TextChoices):
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Being answered")
    SUBMITTED = "submitted", _("Submitted, to review")
    RETURNED = "returned", _("Returned for follow-up")
    REVIEWED = "reviewed", _("Reviewed")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class Questionnaire(VersionedModel):
    """A due-diligence questionnaire sent to a supplier's contact as a private link that needs no account.

    The link's secret is never stored: only its SHA-256 (core.services.hash_token, as for API tokens). The template
    (questions, weights, controls) is copied from the catalogue when sent, with its version, so a later edition of
    the catalogue never changes what was asked or how past answers score. The score is computed, never typed.
    """

    State = QuestionnaireState
    # The link opens the form in these states; it shows what was sent (no form) once submitted.
    OPEN_STATES = (QuestionnaireState.SENT, QuestionnaireState.ANSWERED, QuestionnaireState.RETURNED)
    LIVE_STATES = OPEN_STATES + (QuestionnaireState.SUBMITTED,)

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE,
                                 related_name="questionnaires")
    contact = models.ForeignKey(Contact, verbose_name=_("sent to"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="questionnaires")
    contact_email = models.EmailField(_("sent to (e-mail)"))
    assessment = models.ForeignKey(Assessment, verbose_name=_("assessment"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="questionnaires")
    template_version = models.CharField(_("template version"), max_length=40)
    template = models.JSONField(_("questions"), default=dict, editable=False)
    language = models.CharField(_("language"), max_length=8, default="en")
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    attachments = models.ManyToManyField("evidence.EvidenceItem", verbose_name=_("attached files"), blank=True,
                                         related_name="supplier_questionnaires")
    state = models.CharField(_("state"), max_length=12, choices=QuestionnaireState.choices,
                             default=QuestionnaireState.SENT, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("link expires on"), db_index=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    answered_at = models.DateTimeField(_("last saved on"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    follow_up = models.TextField(_("follow-up question"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed on"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True,
                                             validators=[MinValueValidator(0), MaxValueValidator(100)])
    section_scores = models.JSONField(_("score per section"), default=dict, blank=True)
    report = models.ForeignKey("evidence.EvidenceItem", verbose_name=_("answered questionnaire (evidence)"),
                               null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    ledger_fields = ("supplier_id", "contact_id", "contact_email", "assessment_id", "template_version", "language",
                     "answers", "state", "expires_at", "sent_by_id", "sent_at", "submitted_at", "follow_up",
                     "reviewed_by_id", "reviewed_at", "summary", "score", "section_scores", "report_id")
    permission_domain = "suppliers"
    unit_path = "supplier__unit"

    class Meta:
        ordering = ["supplier", "-sent_at", "-id"]
        verbose_name = _("supplier questionnaire")
        verbose_name_plural = _("supplier questionnaires")
        indexes = [models.Index(fields=["supplier", "sent_at"], name="questionnaire_supplier_sent"),
                   models.Index(fields=["state", "expires_at"], name="questionnaire_state_expiry")]

    def __str__(self) -> str:
        return f"{self.supplier} · {_('questionnaire')} {self.template_version}"

    def get_absolute_url(self) -> str:
        return reverse("suppliers:questionnaire_detail", args=[self.supplier_id, self.pk])


from .models_contracts import (  # noqa: E402,F401  (contracts, audits, exit plans, changes: their own module)
    AuditAction, AuditFinding, Contract, ExitPlan, SupplierAudit, SupplierChange,
)
