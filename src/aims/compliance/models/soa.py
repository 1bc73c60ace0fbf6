"""The Statement of Applicability for ISO/IEC 42001 Annex A: one live entry per Annex A control, and approved
versions frozen as snapshots.

An entry says whether the control is applicable or excluded and why (a justification is required both ways), how far
it is implemented and who owns it. The organisation's controls that satisfy it are the controls linked to its
requirement, and the risks that require it are derived from them (the risks those controls treat, clause 6.1.3):
neither is typed twice. A version freezes every entry as it was when submitted; once approved it is never changed,
and it records what changed since the previous approved version and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel

from .common import OrganisationWideCompliance
from .frameworks import Requirement


class SoAEntry(OrganisationWideCompliance, VersionedModel):
    class Applicability(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided")
        APPLICABLE = "applicable", _("Applicable")
        EXCLUDED = "excluded", _("Excluded")

    class Implementation(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        PLANNED = "planned", _("Planned")
        PARTIAL = "partial", _("Partly implemented")
        IMPLEMENTED = "implemented", _("Implemented")

    requirement = models.OneToOneField(Requirement, verbose_name=_("Annex A control"), on_delete=models.PROTECT,
                                       related_name="soa_entry")
    applicability = models.CharField(_("applicability"), max_length=12, choices=Applicability.choices,
                                     default=Applicability.UNDECIDED, db_index=True)
    justification = models.TextField(_("justification"), blank=True,
                                     help_text=_("Why it is applicable, or why it is excluded."))
    implementation = models.CharField(_("implementation status"), max_length=12, choices=Implementation.choices,
                                      default=Implementation.NOT_STARTED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")

    ledger_fields = ("requirement_id", "applicability", "justification", "implementation", "owner_id")

    class Meta:
        ordering = ["requirement__position"]
        verbose_name = _("Statement of Applicability entry")
        verbose_name_plural = _("Statement of Applicability entries")

    def __str__(self) -> str:
        return f"{self.requirement.code} {self.requirement.title_en}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:soa_entry", args=[self.pk])


class SoAVersion(OrganisationWideCompliance, VersionedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        SUPERSEDED = "superseded", _("Superseded")

    number = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    summary = models.TextField(_("what changed and why"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                                     on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted on"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)
    catalogue_version = models.CharField(_("catalogue version"), max_length=40)
    # Frozen at submission: [{ref, code, title_en, title_fr, applicability, justification, implementation, owner,
    # controls: [{reference, title, ready}], risks: [{id, title}]}].
    entries = models.JSONField(_("entries"), default=list)
    # Against the previous approved version: [{ref, code, field, before, after, reasons: [text]}].
    changes = models.JSONField(_("changes"), default=list, blank=True)  # none: a periodic re-approval as it stands
    previous = models.ForeignKey("self", verbose_name=_("compared with"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    ledger_fields = ("number", "status", "summary", "submitted_by_id", "decided_by_id", "decided_at",
                     "decision_comment", "catalogue_version", "previous_id")

    class Meta:
        ordering = ["-number"]
        verbose_name = _("Statement of Applicability version")
        verbose_name_plural = _("Statement of Applicability versions")

    def __str__(self) -> str:
        return f"SoA v{self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:soa_version", args=[self.pk])
