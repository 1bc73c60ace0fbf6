"""The EU AI Act obligations of each AI system: the register the system's owners keep.

Which obligations apply comes from the system's classification (aims.inventory.ai_act: the proposal's obligations,
keyed like the AI Act framework's requirements); this register adds what the classification cannot know: status,
owner, evidence (through the evidence library's generic link) and, where an obligation is knowingly not met at
go-live, a recorded, justified exception. A reclassification adds and retires obligations (never deletes them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel

from .frameworks import Requirement


class SystemObligation(VersionedModel):
    class Status(models.TextChoices):
        TO_DO = "to_do", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        MET = "met", _("Met")

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="obligations")
    key = models.CharField(_("obligation"), max_length=60)
    article = models.CharField(_("article"), max_length=120, blank=True)
    title_en = models.TextField(_("title (English)"))
    title_fr = models.TextField(_("title (French)"), blank=True)
    applies_from = models.DateField(_("applies from"), null=True, blank=True, db_index=True)
    applies_from_key = models.CharField(max_length=40, blank=True)
    requirement = models.ForeignKey(Requirement, verbose_name=_("AI Act requirement"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="system_obligations")
    catalogue_version = models.CharField(_("catalogue version"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.TO_DO,
                              db_index=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_obligations")
    notes = models.TextField(_("notes"), blank=True)
    # An exception is asked for by someone who keeps the register and approved by another person through the
    # "To approve" inbox (kind compliance.obligation_exception); only an approved one satisfies the go-live gate.
    exception_requested = models.TextField(_("exception asked for"), blank=True)
    exception_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("exception asked for by"),
                                               null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    exception_requested_at = models.DateTimeField(_("exception asked for on"), null=True, blank=True)
    exception_justification = models.TextField(_("exception"), blank=True,
                                               help_text=_("Why the system may go live without meeting it (yet)."))
    exception_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("exception approved by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    exception_at = models.DateTimeField(_("exception approved on"), null=True, blank=True)
    is_active = models.BooleanField(_("applies"), default=True, db_index=True)
    retired_at = models.DateTimeField(_("no longer applies since"), null=True, blank=True)

    ledger_fields = ("system_id", "key", "article", "applies_from", "catalogue_version", "status", "owner_id",
                     "notes", "exception_requested", "exception_requested_by_id", "exception_justification",
                     "exception_by_id", "is_active", "retired_at")
    permission_domain = "obligations"
    unit_path = "system__unit"

    class Meta:
        ordering = ["system", "applies_from", "key"]
        verbose_name = _("AI Act obligation of a system")
        verbose_name_plural = _("AI Act obligations of systems")
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="system_obligation_once")]
        indexes = [
            models.Index(fields=["system", "is_active"], name="obligation_system_active"),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["applies_from", "key"], name="obligation_applies_sort"),
            models.Index(fields=["exception_requested_at"], name="obligation_exception_asked"),  # the inbox
        ]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return f"{self.article} · {self.title('fr' if (get_language() or 'en').startswith('fr') else 'en')}"

    def title(self, language: str = "en") -> str:
        return self.title_fr if language == "fr" and self.title_fr else self.title_en

    @property
    def exception_waiting(self) -> bool:
        """An exception asked for and not yet approved (nor refused: a refusal clears the request)."""
        return self.exception_requested_at is not None and self.exception_at is None

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:obligation_detail", args=[self.pk])
