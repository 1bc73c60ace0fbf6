"""AI system impact assessments (ISO/IEC 42001 6.1.4 and A.5, AI Act Art. 27 FRIA, GDPR DPIA screening)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.models import VersionedModel
from aims.core.stored_text import render_fact

from .. import labels as risk_labels


class ImpactAssessment(VersionedModel):
    """One run of the impact questionnaire for a system. Re-running creates the next `number`; older runs stay.

    draft -> submitted -> approved (by someone other than the author); approved -> reopened when the system changes
    in a way that matters (then a new run is needed). `answers` maps question keys of the template to values.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REOPENED = "reopened", _("Reopened")

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="impact_assessments")
    number = models.PositiveIntegerField(_("run"))
    template_key = models.CharField(_("questionnaire"), max_length=80)
    template_version = models.CharField(_("questionnaire version"), max_length=20)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approval_comment = models.TextField(_("approval comment"), blank=True)
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)  # as typed, or the product's in English
    # The same reason as a fact (aims.core.stored_text.fact_of): the product's own reasons read in the reader's language.
    reopen_facts = models.JSONField(_("reason for reopening"), default=dict, blank=True)
    # Computed at submission from the answers (GDPR Art. 35 screening): shown to the approver, used by the gate.
    dpia_required = models.BooleanField(_("DPIA required"), default=False)

    ledger_fields = ("system_id", "number", "template_key", "template_version", "answers", "status", "author_id",
                     "submitted_at", "approved_by_id", "approved_at", "approval_comment", "reopened_at",
                     "reopen_reason", "dpia_required")
    ledger_display = {"answers": risk_labels.impact_answers_display}

    @property
    def reopen_reason_text(self) -> str:
        """Why it was reopened, in the reader's language (as typed when a person typed it)."""
        return render_fact(self.reopen_facts, self.reopen_reason)
    permission_domain = "risks"
    unit_path = "system__unit"

    class Meta:
        ordering = ["system_id", "-number"]
        verbose_name = _("impact assessment")
        verbose_name_plural = _("impact assessments")
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="impact_assessment_run_unique"),
            # One run in progress per system, so nobody fills in two diverging questionnaires.
            models.UniqueConstraint(fields=["system"], condition=models.Q(status__in=["draft", "submitted"]),
                                    name="impact_assessment_one_open_run"),
        ]
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["updated_at"], name="impact_updated_sort"),
            models.Index(fields=["number"], name="impact_number_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.system} · #{self.number}"
