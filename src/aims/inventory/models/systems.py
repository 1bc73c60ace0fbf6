"""The AI system (use case): the unit of governance every other module links to."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel
from aims.core.ordering import Rank

from .common import page_url, validate_links


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    DESIGN = "design", _("Design")
    DEVELOPMENT = "development", _("Development")
    VALIDATION = "validation", _("Validation")
    DEPLOYMENT = "deployment", _("Deployment")
    OPERATION = "operation", _("Operation")
    REVISION = "revision", _("Revision")
    RETIRED = "retired", _("Retired")


# Lifecycle order; gates run when a system moves towards a later stage.
STAGE_ORDER = [s.value for s in Stage]


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Exposure(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    CUSTOMERS = "customers", _("Customers")
    PUBLIC = "public", _("Public")


class Autonomy(models.TextChoices):
    HUMAN_IN_THE_LOOP = "human_in_the_loop", _("Human in the loop")
    HUMAN_ON_THE_LOOP = "human_on_the_loop", _("Human on the loop")
    HUMAN_OUT_OF_THE_LOOP = "human_out_of_the_loop", _("Human out of the loop")


class DeploymentMode(models.TextChoices):
    ON_PREMISES = "on_premises", _("On-premises")
    CLOUD = "cloud", _("Cloud")
    SAAS = "saas", _("SaaS")
    EDGE = "edge", _("Edge")


class AiActTier(models.TextChoices):
    """Mirror of the tiers of catalogs/ai_act.yaml (the catalogue holds their meaning and obligations)."""

    UNCLASSIFIED = "", _("Not classified")
    PROHIBITED = "prohibited", _("Prohibited")
    HIGH_RISK = "high_risk", _("High risk")
    TRANSPARENCY = "transparency", _("Transparency obligations")
    MINIMAL = "minimal", _("Minimal risk")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the AI Act")


# The portfolio's rank sorts (aims.inventory.portfolio.SORTS), indexed below in the same expressions.
TIER_ORDER = ["", "minimal", "transparency", "high_risk", "prohibited"]  # out of scope ranks last, with the unknown
CRITICALITY_ORDER = ["low", "medium", "high", "critical"]
STAGE_RANK, TIER_RANK, CRITICALITY_RANK = (Rank("stage", STAGE_ORDER), Rank("ai_act_tier", TIER_ORDER),
                                           Rank("criticality", CRITICALITY_ORDER))


class AiActRole(models.TextChoices):
    UNKNOWN = "", _("Not determined")
    PROVIDER = "provider", _("Provider")
    DEPLOYER = "deployer", _("Deployer")
    IMPORTER = "importer", _("Importer")
    DISTRIBUTOR = "distributor", _("Distributor")
    AUTHORISED_REPRESENTATIVE = "authorised_representative", _("Authorised representative")
    PRODUCT_MANUFACTURER = "product_manufacturer", _("Product manufacturer")


class AISystem(VersionedModel):
    """An AI system or use case, with its named owner, classification and lifecycle stage."""

    name = models.CharField(_("name"), max_length=200)
    reference_code = models.CharField(_("reference"), max_length=40, unique=True,
                                      help_text=_("Short stable identifier, e.g. AIS-00042."))
    purpose = models.TextField(_("purpose"), blank=True)
    intended_use = models.TextField(_("intended use"), blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("business unit"), on_delete=models.PROTECT, related_name="ai_systems")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_ai_systems")
    backup_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("backup owner"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="backed_up_ai_systems")
    business_referent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("business referent"), null=True,
                                          blank=True, on_delete=models.SET_NULL, related_name="referent_ai_systems")
    technical_lead = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("technical lead"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="led_ai_systems")

    stage = models.CharField(_("lifecycle stage"), max_length=20, choices=Stage.choices, default=Stage.IDEA, db_index=True)
    criticality = models.CharField(_("business criticality"), max_length=10, choices=Criticality.choices,
                                   default=Criticality.MEDIUM, db_index=True)
    personal_data = models.BooleanField(_("processes personal data"), default=False)
    special_category_data = models.BooleanField(_("processes special categories of personal data"), default=False)
    confidential_data = models.BooleanField(_("processes confidential data"), default=False)
    external_exposure = models.CharField(_("external exposure"), max_length=10, choices=Exposure.choices,
                                         default=Exposure.INTERNAL)
    autonomy = models.CharField(_("autonomy"), max_length=25, choices=Autonomy.choices,
                                default=Autonomy.HUMAN_IN_THE_LOOP)
    human_oversight = models.TextField(_("human oversight arrangement"), blank=True,
                                       help_text=_("Who can override or stop the system, and how."))
    deployment_mode = models.CharField(_("deployment mode"), max_length=15, choices=DeploymentMode.choices, blank=True)
    users_and_affected = models.TextField(_("users and affected people"), blank=True)
    value = models.TextField(_("value"), blank=True, help_text=_("The expected business value."))
    priority = models.PositiveSmallIntegerField(_("priority"), default=3,
                                                validators=[MinValueValidator(1), MaxValueValidator(5)],
                                                help_text=_("1 (lowest) to 5 (highest)."))
    next_review_date = models.DateField(_("next review date"), null=True, blank=True, db_index=True)
    links = models.JSONField(_("links"), default=list, blank=True)

    incident_contact = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("incident contact"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="incident_ai_systems")
    escalation_path = models.TextField(_("escalation path"), blank=True,
                                       help_text=_("Who to call, in which order, when the system misbehaves."))

    # Set by the classification services only (never edited directly): the current EU AI Act position.
    ai_act_tier = models.CharField(_("EU AI Act tier"), max_length=20, choices=AiActTier.choices, blank=True,
                                   default="", db_index=True, editable=False)
    ai_act_role = models.CharField(_("EU AI Act role"), max_length=30, choices=AiActRole.choices, blank=True,
                                   default="", editable=False)
    ai_act_gpai = models.BooleanField(_("general-purpose AI model"), default=False, editable=False)
    needs_reclassification = models.BooleanField(_("needs re-classification"), default=False, editable=False)

    # Retirement freezes the system: it stays readable with its whole history but no service changes it any more.
    is_frozen = models.BooleanField(_("frozen (retired)"), default=False, editable=False)
    retired_at = models.DateTimeField(_("retired on"), null=True, blank=True, editable=False)

    ledger_fields = (
        "name", "reference_code", "purpose", "intended_use", "unit_id", "owner_id", "backup_owner_id",
        "business_referent_id", "technical_lead_id", "stage", "criticality", "personal_data", "special_category_data",
        "confidential_data", "external_exposure", "autonomy", "human_oversight", "deployment_mode",
        "users_and_affected", "value", "priority", "next_review_date", "links", "incident_contact_id",
        "escalation_path", "ai_act_tier", "ai_act_role", "ai_act_gpai", "needs_reclassification", "is_frozen",
        "retired_at",
    )
    permission_domain = "inventory"
    unit_path = "unit"

    # Fields whose change can alter the EU AI Act classification: changing one asks for re-classification.
    CLASSIFICATION_FIELDS = ("purpose", "intended_use", "personal_data", "special_category_data", "confidential_data",
                             "external_exposure", "autonomy")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("AI system")
        verbose_name_plural = _("AI systems")
        indexes = [
            models.Index(fields=["unit", "stage"]),
            # The portfolio's counts per tier and stage, read from this index alone under every filter but the text
            # search: it holds the columns they group by, then those the filters test (issue 10).
            models.Index(fields=["ai_act_tier", "stage", "criticality", "unit", "owner", "next_review_date",
                                 "needs_reclassification"], name="system_portfolio_counts"),
            # The portfolio's owner choices (people owning a system the reader sees): one probe per person inside
            # this index, not a read of each of their systems to test its unit (unit viewer at 20,000 systems:
            # 14.9 -> 0.1 ms).
            models.Index(fields=["owner", "unit"], name="system_owner_unit"),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["name"], name="system_name_sort"),
            models.Index(STAGE_RANK, "name", name="system_stage_sort"),
            models.Index(TIER_RANK, "name", name="system_tier_sort"),
            models.Index(CRITICALITY_RANK, "name", name="system_criticality_sort"),
            models.Index(fields=["unit", "name"], name="system_unit_sort"),
            models.Index(fields=["owner", "name"], name="system_owner_sort"),
            models.Index(fields=["next_review_date", "name"], name="system_review_sort"),
            models.Index(fields=["updated_at"], name="system_updated_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.reference_code} · {self.name}" if self.reference_code else self.name

    def clean(self) -> None:
        super().clean()
        validate_links(self.links)
        if self.owner_id and self.backup_owner_id and self.owner_id == self.backup_owner_id:
            raise ValidationError({"backup_owner": _("The backup owner must be someone other than the owner.")})

    def get_absolute_url(self) -> str:
        return page_url("inventory:system_detail", self.pk, fallback=f"/inventory/systems/{self.pk}/")

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(self.stage)
