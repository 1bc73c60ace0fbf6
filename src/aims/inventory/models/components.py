"""Components shared between systems (models, datasets, plug-ins...) and the dependency register."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel

from .common import shared_catalogue_view, validate_links
from .systems import AISystem


class ComponentKind(models.TextChoices):
    MODEL = "model", _("Model")
    DATASET = "dataset", _("Dataset")
    PLUGIN = "plugin", _("Plug-in")
    EXTERNAL_API = "external_api", _("External API")
    SAAS_FEATURE = "saas_feature", _("SaaS feature with embedded AI")
    AUTOMATION = "automation", _("No/low-code automation")
    PROMPT_CONFIG = "prompt_config", _("Prompt or configuration")


class Origin(models.TextChoices):
    IN_HOUSE = "in_house", _("In-house")
    SUPPLIER = "supplier", _("Supplier")
    OPEN_SOURCE = "open_source", _("Open source")


class Component(VersionedModel):
    """One version of a building block; a new version is a new row linked to the previous one.

    Scoping: components form a shared catalogue, visible to anyone who may view the inventory somewhere (see
    `shared_catalogue_view`); changing one requires inventory rights over its steward unit (`owner_unit`), and
    components without a steward unit are changed by organisation-wide roles only.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ComponentKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)  # indexed with the version (Meta)
    version_label = models.CharField(_("version"), max_length=100, blank=True)
    previous_version = models.ForeignKey("self", verbose_name=_("previous version"), null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="next_versions")
    provider = models.CharField(_("provider or supplier"), max_length=200, blank=True)
    origin = models.CharField(_("origin"), max_length=15, choices=Origin.choices, default=Origin.IN_HOUSE)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner_unit = models.ForeignKey(OrgUnit, verbose_name=_("steward unit"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="inventory_components")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_components")
    # Model-specific
    task = models.CharField(_("task"), max_length=200, blank=True, help_text=_("For models: e.g. classification."))
    architecture = models.CharField(_("architecture"), max_length=200, blank=True)
    hash_or_url = models.CharField(_("hash or URL"), max_length=500, blank=True,
                                   help_text=_("For models: a digest of the weights or where they are published."))
    # Dataset-specific
    source = models.CharField(_("source"), max_length=300, blank=True)
    provenance = models.TextField(_("provenance"), blank=True)
    contains_personal_data = models.BooleanField(_("contains personal data"), default=False)
    quality_notes = models.TextField(_("quality notes"), blank=True)
    # Supplier evidence until the evidence module exists: links to contracts, certificates, audit reports.
    evidence_links = models.JSONField(_("supplier evidence"), default=list, blank=True)
    # What the CycloneDX BOM it came from says beyond the fields above (every licence with its SPDX id or URL,
    # hashes, external references, tags, supplier, manufacturer, publisher, data entries, properties...), kept as
    # given so an export gives it back. Fields above win when a person changed them since.
    cyclonedx = models.JSONField(_("CycloneDX details"), default=dict, blank=True)

    ledger_fields = ("kind", "name", "version_label", "previous_version_id", "provider", "origin", "licence",
                     "description", "owner_unit_id", "owner_id", "task", "architecture", "hash_or_url", "source",
                     "provenance", "contains_personal_data", "quality_notes", "evidence_links", "cyclonedx")
    permission_domain = "inventory"
    unit_path = "owner_unit"
    restrict_extra = classmethod(lambda cls, user, action: shared_catalogue_view(user, action))

    MODEL_FIELDS = ("task", "architecture", "hash_or_url")
    DATASET_FIELDS = ("source", "provenance", "contains_personal_data", "quality_notes")

    class Meta:
        ordering = ["name", "version_label", "id"]
        verbose_name = _("component")
        verbose_name_plural = _("components")
        constraints = [models.UniqueConstraint(fields=["kind", "name", "version_label", "provider"],
                                               name="component_unique_kind_name_version_provider")]
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["name", "version_label"], name="component_name_sort"),
            models.Index(fields=["kind", "name"], name="component_kind_sort"),
            models.Index(fields=["updated_at"], name="component_updated_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version_label}".strip()

    def clean(self) -> None:
        super().clean()
        validate_links(self.evidence_links, "evidence_links")
        if self.origin == Origin.SUPPLIER and not self.provider.strip():
            raise ValidationError({"provider": _("Name the supplier of a supplier component.")})

    @property
    def has_supplier_evidence(self) -> bool:
        return bool(self.evidence_links)


class SystemComponent(VersionedModel):
    """A system uses a component, in a given role."""

    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="component_links")
    component = models.ForeignKey(Component, verbose_name=_("component"), on_delete=models.PROTECT, related_name="system_links")
    role = models.CharField(_("role"), max_length=200, blank=True, help_text=_("e.g. main model, training data."))
    notes = models.TextField(_("notes"), blank=True)

    ledger_fields = ("system_id", "component_id", "role", "notes")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        verbose_name = _("component of a system")
        verbose_name_plural = _("components of systems")
        ordering = ["system", "component__name"]
        constraints = [models.UniqueConstraint(fields=["system", "component"], name="system_component_unique")]

    def __str__(self) -> str:
        return f"{self.system} ← {self.component}"


class DependencyKind(models.TextChoices):
    LIBRARY = "library", _("Library")
    ENGINE = "engine", _("Engine or runtime")
    CLOUD_SERVICE = "cloud_service", _("Cloud service")
    API = "api", _("API")
    DATA_FEED = "data_feed", _("Data feed")


class Dependency(VersionedModel):
    """Something systems or components rest on, with its support horizon and cost (seed 003's dependency register).

    Scoped like components: a shared register visible to anyone who may view the inventory, changed within its
    steward unit.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=DependencyKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)  # indexed with the version (Meta)
    version_label = models.CharField(_("version"), max_length=100, blank=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    end_of_support = models.DateField(_("validity or end of support"), null=True, blank=True)  # indexed with the name (Meta)
    cost_per_year = models.DecimalField(_("cost per year"), max_digits=14, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(0)])
    sla = models.TextField(_("service level agreement"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    owner_unit = models.ForeignKey(OrgUnit, verbose_name=_("steward unit"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="inventory_dependencies")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_dependencies")
    # What the CycloneDX BOM it came from says beyond the fields above (licences, hashes, purl, external references,
    # supplier or manufacturer as given, properties...), kept as given so an export gives it back, like components.
    cyclonedx = models.JSONField(_("CycloneDX details"), default=dict, blank=True)

    ledger_fields = ("kind", "name", "version_label", "supplier", "end_of_support", "cost_per_year", "sla", "notes",
                     "owner_unit_id", "owner_id", "cyclonedx")
    permission_domain = "inventory"
    unit_path = "owner_unit"
    restrict_extra = classmethod(lambda cls, user, action: shared_catalogue_view(user, action))

    class Meta:
        ordering = ["name", "version_label", "id"]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [models.UniqueConstraint(fields=["kind", "name", "version_label", "supplier"],
                                               name="dependency_unique_kind_name_version_supplier")]
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["name", "version_label"], name="dependency_name_sort"),
            models.Index(fields=["end_of_support", "name"], name="dependency_support_sort"),
            models.Index(fields=["updated_at"], name="dependency_updated_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version_label}".strip()


class SystemDependency(VersionedModel):
    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="dependency_links")
    dependency = models.ForeignKey(Dependency, verbose_name=_("dependency"), on_delete=models.PROTECT, related_name="system_links")
    notes = models.TextField(_("notes"), blank=True)

    ledger_fields = ("system_id", "dependency_id", "notes")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        verbose_name = _("dependency of a system")
        verbose_name_plural = _("dependencies of systems")
        ordering = ["system", "dependency__name"]
        constraints = [models.UniqueConstraint(fields=["system", "dependency"], name="system_dependency_unique")]

    def __str__(self) -> str:
        return f"{self.system} → {self.dependency}"


class ComponentDependency(VersionedModel):
    component = models.ForeignKey(Component, verbose_name=_("component"), on_delete=models.CASCADE, related_name="dependency_links")
    dependency = models.ForeignKey(Dependency, verbose_name=_("dependency"), on_delete=models.PROTECT, related_name="component_links")
    notes = models.TextField(_("notes"), blank=True)

    ledger_fields = ("component_id", "dependency_id", "notes")
    permission_domain = "inventory"
    unit_path = "component__owner_unit"
    restrict_extra = classmethod(lambda cls, user, action: shared_catalogue_view(user, action))

    class Meta:
        verbose_name = _("dependency of a component")
        verbose_name_plural = _("dependencies of components")
        ordering = ["component", "dependency__name"]
        constraints = [models.UniqueConstraint(fields=["component", "dependency"], name="component_dependency_unique")]

    def __str__(self) -> str:
        return f"{self.component} → {self.dependency}"
