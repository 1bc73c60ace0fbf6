"""Threat catalogues: the AIMS AI risk taxonomy, OWASP Top 10 for LLM, MITRE ATLAS, the crisis attack families."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.labels import localised
from aims.core.models import VersionedModel

from .common import OrganisationWideReference, RiskCategory

_INTERNAL_KEY = re.compile(r"[a-z][a-z0-9_]*")


class ThreatCatalog(OrganisationWideReference, VersionedModel):
    """A published list of threats, loaded from a data file. Re-loading a newer release updates it in place."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    release = models.CharField(_("release"), max_length=50, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)

    ledger_fields = ("key", "name_en", "name_fr", "release", "publisher", "licence", "url")
    # What an import event counts (services/catalogs.py), as people read it in History.
    ledger_labels = {"created": _("Threats added"), "updated": _("Threats changed"), "unchanged": _("Threats unchanged"),
                     "retired": _("Threats withdrawn"), "retired_ids": _("Identifiers withdrawn")}

    class Meta:
        ordering = ["key"]
        verbose_name = _("threat catalogue")
        verbose_name_plural = _("threat catalogues")

    def __str__(self) -> str:
        return localised(self.name_en, self.name_fr)


class Threat(OrganisationWideReference, VersionedModel):
    """One entry of a catalogue: a taxonomy category or risk type, an OWASP item, an ATLAS tactic or technique."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("Risk category")
        RISK_TYPE = "risk_type", _("Risk type")
        THREAT = "threat", _("Threat")
        TACTIC = "tactic", _("Tactic")
        TECHNIQUE = "technique", _("Technique")

    catalog = models.ForeignKey(ThreatCatalog, verbose_name=_("catalogue"), on_delete=models.PROTECT,
                                related_name="threats")
    external_id = models.CharField(_("identifier"), max_length=60, help_text=_("The catalogue's own identifier."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.THREAT)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_fr = models.CharField(_("name (French)"), max_length=300, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    category = models.CharField(_("risk category"), max_length=40, choices=RiskCategory.choices, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", help_text=_("Taxonomy category, or parent technique."))
    tactics = models.ManyToManyField("self", verbose_name=_("tactics"), symmetrical=False, blank=True,
                                     related_name="techniques")
    # Entries that disappear from a newer release stay (risks may point at them) but are no longer offered.
    is_active = models.BooleanField(_("current"), default=True)

    ledger_fields = ("catalog_id", "external_id", "kind", "name_en", "name_fr", "description_en", "description_fr",
                     "category", "parent_id", "is_active")

    class Meta:
        ordering = ["catalog_id", "external_id"]
        verbose_name = _("threat")
        verbose_name_plural = _("threats")
        constraints = [models.UniqueConstraint(fields=["catalog", "external_id"], name="threat_unique_per_catalog")]

    def __str__(self) -> str:
        name = localised(self.name_en, self.name_fr)
        return f"{self.external_id} {name}" if self.shows_identifier else name

    @property
    def shows_identifier(self) -> bool:
        """Published identifiers (LLM01, AML.T0051) help people; the taxonomy's internal keys (data_poisoning) are
        codes nobody should have to read."""
        return not _INTERNAL_KEY.fullmatch(self.external_id)

    def name(self, language: str = "en") -> str:
        return self.name_fr if language == "fr" and self.name_fr else self.name_en
