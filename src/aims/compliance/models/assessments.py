"""Requirement assessments (gap analysis): a campaign per framework, one row per assessable requirement with a status,
notes and evidence, scores per clause and per framework, and snapshots of the scores so their trend shows over time.

A campaign copies the identifiers and titles of the requirements it assesses, with the catalogue version: a later
catalogue update never rewrites what an assessment said.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel

from .common import OrganisationWideCompliance, pick
from .frameworks import Framework, Requirement


class GapAssessment(OrganisationWideCompliance, VersionedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    framework = models.ForeignKey(Framework, verbose_name=_("framework"), on_delete=models.PROTECT,
                                  related_name="assessments")
    title = models.CharField(_("title"), max_length=200)
    catalogue_version = models.CharField(_("catalogue version"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT,
                                   related_name="+")
    started_at = models.DateTimeField(_("started on"), default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True, editable=False)

    ledger_fields = ("framework_id", "title", "catalogue_version", "status", "started_by_id", "closed_by_id",
                     "closed_at", "score")
    # A score snapshot is ledgered on its assessment: its counts per status are named and shown in words.
    ledger_labels = {"counts": _("requirements per status")}
    ledger_display = {"counts": lambda value, snapshot, memo: "; ".join(
        f"{dict(RequirementAssessment.Status.choices).get(status, status)}: {count}"
        for status, count in value.items()) if isinstance(value, dict) else str(value)}

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("gap assessment")
        verbose_name_plural = _("gap assessments")
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["started_at"], name="gap_assessment_started_sort"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:assessment_detail", args=[self.pk])


class RequirementAssessment(OrganisationWideCompliance, VersionedModel):
    class Status(models.TextChoices):
        NOT_ASSESSED = "not_assessed", _("Not assessed")
        CONFORMING = "conforming", _("Conforming")
        PARTIAL = "partial", _("Partially conforming")
        NONCONFORMING = "nonconforming", _("Nonconforming")

    assessment = models.ForeignKey(GapAssessment, verbose_name=_("assessment"), on_delete=models.CASCADE,
                                   related_name="rows")
    requirement = models.ForeignKey(Requirement, verbose_name=_("requirement"), on_delete=models.PROTECT,
                                    related_name="assessments")
    # As the catalogue said when the campaign started.
    code = models.CharField(_("code"), max_length=80)
    title_en = models.TextField(_("title (English)"))
    title_fr = models.TextField(_("title (French)"), blank=True)
    group_code = models.CharField(_("clause"), max_length=80, blank=True)
    group_title_en = models.TextField(blank=True)
    group_title_fr = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.NOT_ASSESSED)
    notes = models.TextField(_("notes"), blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(_("assessed on"), null=True, blank=True)

    ledger_fields = ("assessment_id", "requirement_id", "code", "status", "notes", "assessed_by_id")

    class Meta:
        ordering = ["assessment", "position"]
        verbose_name = _("requirement assessment")
        verbose_name_plural = _("requirement assessments")
        constraints = [models.UniqueConstraint(fields=["assessment", "requirement"],
                                               name="requirement_assessment_once")]

    def __str__(self) -> str:
        return f"{self.code} · {self.get_status_display()}"

    def title(self, language: str = "en") -> str:
        return pick(self, "title", language)

    def get_absolute_url(self) -> str:
        return f"{self.assessment.get_absolute_url()}#row-{self.pk}"


class GapSnapshot(OrganisationWideCompliance, VersionedModel):
    """The scores of an assessment at a moment: the points of the trend chart."""

    assessment = models.ForeignKey(GapAssessment, verbose_name=_("assessment"), on_delete=models.CASCADE,
                                   related_name="snapshots")
    framework = models.ForeignKey(Framework, verbose_name=_("framework"), on_delete=models.PROTECT,
                                  related_name="gap_snapshots")
    taken_at = models.DateTimeField(_("taken on"), default=timezone.now, db_index=True)
    catalogue_version = models.CharField(_("catalogue version"), max_length=40)
    score = models.FloatField(_("score"))
    # {group code: {"title_en", "title_fr", "score", "assessed", "total"}} and {status: count}.
    by_group = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)

    ledger_fields = ("assessment_id", "framework_id", "taken_at", "catalogue_version", "score", "counts")

    class Meta:
        ordering = ["framework", "taken_at", "id"]
        verbose_name = _("score snapshot")
        verbose_name_plural = _("score snapshots")

    def __str__(self) -> str:
        return f"{self.framework.short_name()} {self.score:.0f} % · {formats.date_format(self.taken_at.date())}"
