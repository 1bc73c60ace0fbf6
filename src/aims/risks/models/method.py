"""The risk method: scales, matrix, levels, appetite and who may accept what. Versioned: one row per version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel
from aims.core.permissions import Role

from .. import labels as risk_labels
from .. import scoring
from .common import OrganisationWideReference, RiskCategory


class RiskMethod(OrganisationWideReference, VersionedModel):
    """One version of the organisation's AI risk method.

    A version is edited while it is a draft, then activated; activating retires the previous active version. An
    active or retired version is never edited again, so every risk scored with it keeps meaning what it meant:
    risks and reviews point at the exact version they used.

    Shapes of the JSON fields (validated by `aims.risks.scoring.build_method`):
    - likelihood_scale, impact_scale: [{label_en, label_fr, description_en, description_fr}], 3 to 6 steps; the
      step's value is its position (1 = lowest).
    - levels: [{key, label_en, label_fr, colour "#RRGGBB", rank (1 = least severe), review_days,
      acceptance_roles [role keys], acceptance_groups [group names]}]; who may accept a risk at that level.
    - matrix: matrix[likelihood - 1][impact - 1] = level key, one cell for every pair.
    - appetite_by_category: {risk category key: level key}, overriding appetite_level for that category.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    name = models.CharField(_("name"), max_length=200)
    number = models.PositiveIntegerField(_("version number"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(_("description"), blank=True)
    likelihood_scale = models.JSONField(_("likelihood scale"), default=list)
    impact_scale = models.JSONField(_("impact scale"), default=list)
    levels = models.JSONField(_("risk levels"), default=list)
    matrix = models.JSONField(_("matrix"), default=list)
    appetite_level = models.CharField(_("risk appetite (highest acceptable level)"), max_length=40)
    appetite_by_category = models.JSONField(_("risk appetite per category"), default=dict, blank=True)
    acceptance_criteria = models.TextField(_("acceptance criteria"), blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True,
                              help_text=_("The catalogue this version was loaded from, if any."))
    based_on = models.ForeignKey("self", verbose_name=_("based on"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("activated by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    ledger_fields = ("name", "number", "status", "description", "likelihood_scale", "impact_scale", "levels", "matrix",
                     "appetite_level", "appetite_by_category", "acceptance_criteria", "source", "based_on_id",
                     "activated_at", "activated_by_id", "retired_at")
    ledger_display = {
        "likelihood_scale": risk_labels.scale_display, "impact_scale": risk_labels.scale_display,
        "levels": risk_labels.levels_display, "matrix": risk_labels.matrix_display,
        "appetite_level": risk_labels.level_display, "appetite_by_category": risk_labels.appetite_by_category_display,
    }

    class Meta:
        ordering = ["-number"]
        verbose_name = _("risk method")
        verbose_name_plural = _("risk methods")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="active"), name="risk_method_one_active"),
        ]
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["name"], name="risk_method_name_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def clean(self) -> None:
        self._definition = None
        self.definition  # noqa: B018  (raises ValidationError naming the bad fields)

    @property
    def definition(self) -> scoring.Method:
        """The validated, ready-to-score form of this version (cached on the instance)."""
        cached = getattr(self, "_definition", None)
        if cached is None:
            cached = scoring.build_method(
                likelihood_scale=self.likelihood_scale, impact_scale=self.impact_scale, levels=self.levels,
                matrix=self.matrix, appetite_level=self.appetite_level, appetite_by_category=self.appetite_by_category,
                roles=Role.values, categories=RiskCategory.values,
            )
            self._definition = cached
        return cached

    def refresh_from_db(self, *args, **kwargs):
        self._definition = None
        return super().refresh_from_db(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT
