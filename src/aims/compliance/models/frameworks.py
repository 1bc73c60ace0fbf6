"""Frameworks (ISO/IEC 42001, the EU AI Act, NIST AI RMF, or one an administrator imports), their requirements, and
the cross-mappings that let one implemented control count for several frameworks.

They are catalogue data loaded from files (catalogs/frameworks/, `aims catalogs import-framework FILE`): a newer
file updates requirements in place and retires the ones it no longer lists, never deleting them, because controls,
assessments and evidence point at them. Assessments keep the catalogue version they were made with.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel

from .common import OrganisationWideCompliance, pick


class Framework(OrganisationWideCompliance, VersionedModel):
    key = models.CharField(_("key"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=40, blank=True)
    short_name_fr = models.CharField(_("short name (French)"), max_length=40, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    catalogue_version = models.CharField(_("catalogue version"), max_length=40)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=300, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    source = models.CharField(_("source file"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    ledger_fields = ("key", "name_en", "name_fr", "catalogue_version", "publisher", "licence", "url", "source")

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["position", "key"], name="framework_position_sort"),
        ]

    def __str__(self) -> str:
        return self.name_en

    def name(self, language: str = "en") -> str:
        return pick(self, "name", language)

    def description(self, language: str = "en") -> str:
        return pick(self, "description", language)

    def short_name(self, language: str = "en") -> str:
        return pick(self, "short_name", language) or self.name(language)


class Requirement(OrganisationWideCompliance, VersionedModel):
    """A clause, control, subcategory or obligation of a framework. `ref` is stable within the framework (what
    mappings, imports and URLs use); `code` is what people read ("Art. 72" for the AI Act's post_market_monitoring)."""

    framework = models.ForeignKey(Framework, verbose_name=_("framework"), on_delete=models.PROTECT,
                                  related_name="requirements")
    ref = models.CharField(_("reference"), max_length=80)
    code = models.CharField(_("code"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=30)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    title_en = models.TextField(_("title (English)"))
    title_fr = models.TextField(_("title (French)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    guidance_fr = models.TextField(_("guidance (French)"), blank=True)
    # Assessable requirements are what controls satisfy, assessments score and the SoA lists (leaves by default).
    assessable = models.BooleanField(_("assessable"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    # Framework-specific facts kept as data (for AI Act obligations: who they bind, conditions, dates of application).
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    is_active = models.BooleanField(_("current"), default=True)

    ledger_fields = ("framework_id", "ref", "code", "kind", "parent_id", "title_en", "title_fr", "assessable",
                     "is_active")

    class Meta:
        ordering = ["framework", "position"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [models.UniqueConstraint(fields=["framework", "ref"], name="requirement_unique_ref")]
        indexes = [
            models.Index(fields=["framework", "position"], name="requirement_order"),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["ref"], name="requirement_ref_sort"),
        ]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return f"{self.code} {self.title('fr' if (get_language() or 'en').startswith('fr') else 'en')}".strip()

    def title(self, language: str = "en") -> str:
        return pick(self, "title", language)

    def guidance(self, language: str = "en") -> str:
        return pick(self, "guidance", language)

    @property
    def qualified_ref(self) -> str:
        return f"{self.framework.key}/{self.ref}"


class RequirementMapping(OrganisationWideCompliance, VersionedModel):
    """Implementing `source` contributes to `target` (and the other way round: mappings are read in both directions).
    `origin` names the file that declared it, so reloading that file replaces exactly its own mappings."""

    source = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="mappings_out")
    target = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="mappings_in")
    origin = models.CharField(_("declared in"), max_length=100)

    ledger_fields = ("source_id", "target_id", "origin")

    class Meta:
        verbose_name = _("cross-mapping")
        verbose_name_plural = _("cross-mappings")
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="requirement_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.source_id} ↔ {self.target_id}"
