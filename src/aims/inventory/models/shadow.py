"""Shadow AI: tools employees use that nobody registered, declared so they can be governed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel

from .systems import AISystem


class ShadowAIDeclaration(VersionedModel):
    """Declared by any signed-in person, even without an inventory role; triaged by AIMS managers.

    Visibility: the declarant always sees their own declarations (`restrict_extra`); people with inventory view
    rights see those of their units. Creating one needs no role at all (see `services.shadow.declare_shadow_ai`).
    """

    class Status(models.TextChoices):
        NEW = "new", _("New")
        TRIAGED = "triaged", _("Added to the inventory")
        REJECTED = "rejected", _("Rejected")

    tool_name = models.CharField(_("tool"), max_length=200)
    purpose = models.TextField(_("what you use it for"))
    data_involved = models.TextField(_("which data you give it"), blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("declared by"), on_delete=models.PROTECT,
                                    related_name="shadow_ai_declarations")
    declared_at = models.DateTimeField(_("declared on"), default=timezone.now)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("triaged by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    triaged_at = models.DateTimeField(_("triaged on"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="shadow_declarations")

    ledger_fields = ("tool_name", "purpose", "data_involved", "declared_by_id", "unit_id", "status", "triaged_by_id",
                     "triaged_at", "rejection_reason", "system_id")
    permission_domain = "inventory"
    unit_path = "unit"

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("shadow AI declaration")
        verbose_name_plural = _("shadow AI declarations")
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["declared_at"], name="shadow_declared_sort"),
            models.Index(fields=["tool_name"], name="shadow_tool_sort"),
        ]

    def __str__(self) -> str:
        return self.tool_name

    @classmethod
    def restrict_extra(cls, user, action):
        if action == "view" and getattr(user, "is_authenticated", False):
            return Q(declared_by=user)
        return Q(pk__in=[])
