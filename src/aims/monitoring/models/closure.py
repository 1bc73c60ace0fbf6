"""The closure grid of a system's post-go-live review (seed 003)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel

from .. import labels


class ClosureReview(VersionedModel):
    """Four axes (technical performance, business value, adoption and satisfaction, governance and compliance), each
    filled from live KPIs where they exist and judged by a person, and a decision signed by a second person."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting signature")
        SIGNED = "signed", _("Signed")

    class Decision(models.TextChoices):
        CLOSE = "close", _("Close the project")
        CONTINUE = "continue", _("Continue")
        CORRECTIVE_PLAN = "corrective_plan", _("Corrective plan")

    class Assessment(models.TextChoices):
        MET = "met", _("Met")
        PARTLY = "partly", _("Partly met")
        NOT_MET = "not_met", _("Not met")

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="closure_reviews")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    # {axis key: {"value": float|None, "threshold": float|None, "unit": str, "source": "kpi:<id>"|"checks"|"",
    #             "met_by_data": bool|None, "assessment": "met"|"partly"|"not_met"|"", "comment": str}}
    axes = models.JSONField(_("axes"), default=dict, blank=True)
    catalogue_version = models.CharField(_("catalogue version"), max_length=40)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), on_delete=models.PROTECT,
                                    related_name="+")
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed on"), null=True, blank=True)
    sign_comment = models.TextField(_("signer's comment"), blank=True)

    ledger_fields = ("system_id", "state", "axes", "catalogue_version", "decision", "rationale", "prepared_by_id",
                     "submitted_at", "signed_by_id", "signed_at", "sign_comment")
    ledger_display = {"axes": labels.closure_axes}
    permission_domain = "monitoring"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("closure grid")
        verbose_name_plural = _("closure grids")
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["created_at"], name="closure_created_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.system.reference_code} · {_('closure grid')} {self.pk}"

    def get_absolute_url(self) -> str:
        return f"/monitoring/closure/{self.pk}/"

    @classmethod
    def restrict_extra(cls, user, action):
        """Members of the signer groups (the governance committee) read the grids submitted for signature and signed
        ones, wherever the system is: signing is their part, whatever their roles."""
        from django.db.models import Q

        if action == "view" and getattr(user, "is_authenticated", False):
            from ..catalog import closure_signers

            groups = closure_signers().get("groups") or []
            if groups and user.people_groups.filter(name__in=groups).exists():
                return Q(state__in=[cls.State.SUBMITTED, cls.State.SIGNED])
        return Q(pk__in=[])
