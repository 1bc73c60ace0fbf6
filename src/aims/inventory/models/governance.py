"""Classification under the EU AI Act, go-live approvals, gate overrides and change decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.catalogs import localised

from aims.core.models import VersionedModel

from .systems import AiActRole, AiActTier, AISystem, Stage


class Classification(VersionedModel):
    """One run of the EU AI Act questionnaire for a system. The newest non-superseded one is the current one."""

    class Status(models.TextChoices):
        AWAITING_SIGN_OFF = "awaiting_sign_off", _("Awaiting reviewer sign-off")
        SIGNED_OFF = "signed_off", _("Signed off")
        NEEDS_RECLASSIFICATION = "needs_reclassification", _("Needs re-classification")
        SUPERSEDED = "superseded", _("Superseded")

    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="classifications")
    answers = models.JSONField(_("answers"), default=dict)
    catalogue_version = models.CharField(_("catalogue version"), max_length=40)
    proposed_tier = models.CharField(_("proposed tier"), max_length=20, choices=AiActTier.choices)
    proposed_role = models.CharField(_("proposed role"), max_length=30, choices=AiActRole.choices, blank=True)
    gpai = models.BooleanField(_("general-purpose AI model"), default=False)
    gpai_systemic = models.BooleanField(_("with systemic risk"), default=False)
    # The full proposal (matched articles, Annex III points, bilingual rationale items) as computed from the catalogue.
    proposal = models.JSONField(_("proposal"), default=dict)
    obligations = models.JSONField(_("obligations"), default=list, blank=True)
    final_tier = models.CharField(_("tier"), max_length=20, choices=AiActTier.choices)
    final_role = models.CharField(_("role"), max_length=30, choices=AiActRole.choices, blank=True)
    # "Don't know" answers: the proposal assumed the pessimistic answer; a task asks the owner to resolve them, and
    # the classification cannot be signed off until a complete one replaces it.
    provisional = models.BooleanField(_("provisional"), default=False)
    # The classifier's own words (required when departing from the proposal). The basis of the proposal is stored as
    # facts in `proposal` and rendered in the reader's language; classifications made before kept it here as text.
    rationale = models.TextField(_("rationale"), blank=True)
    classified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("classified by"), on_delete=models.PROTECT,
                                      related_name="+")
    classified_at = models.DateTimeField(_("classified on"), default=timezone.now)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.AWAITING_SIGN_OFF,
                              db_index=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField(_("signed off on"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer comment"), blank=True)
    reclassification_reason = models.TextField(_("why re-classification is needed"), blank=True)

    ledger_fields = ("system_id", "answers", "catalogue_version", "proposed_tier", "proposed_role", "gpai",
                     "gpai_systemic", "obligations", "final_tier", "final_role", "provisional", "rationale",
                     "classified_by_id", "status", "reviewer_id", "signed_off_at", "review_comment", "reclassification_reason")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-classified_at", "-id"]
        verbose_name = _("EU AI Act classification")
        verbose_name_plural = _("EU AI Act classifications")

    def __str__(self) -> str:
        return f"{self.system} · {self.get_final_tier_display()}"

    @property
    def differs_from_proposal(self) -> bool:
        return self.final_tier != self.proposed_tier or self.final_role != self.proposed_role


class OwnerApproval(VersionedModel):
    """The system owner's go-live approval. Only an approval by the current owner counts at the gate."""

    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="owner_approvals")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.DEPLOYMENT)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(_("approved on"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    # The system's version when approved: pages can show "approved before the latest changes".
    system_version = models.PositiveIntegerField(_("system version"))

    ledger_fields = ("system_id", "stage", "approved_by_id", "approved_at", "comment", "system_version")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-approved_at", "-id"]
        verbose_name = _("owner approval")
        verbose_name_plural = _("owner approvals")

    def __str__(self) -> str:
        return f"{self.system} · {self.approved_by}"


class GateOverride(VersionedModel):
    """An AIMS manager let a system through a gate whose checks failed, with a written justification."""

    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="gate_overrides")
    from_stage = models.CharField(_("from stage"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("to stage"), max_length=20, choices=Stage.choices)
    failed_checks = models.JSONField(_("failed checks"), default=list,
                                     help_text=_("The checks that failed: key, label and message of each."))
    justification = models.TextField(_("justification"))
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("overridden by"), on_delete=models.PROTECT,
                                      related_name="+")
    overridden_at = models.DateTimeField(_("overridden on"), default=timezone.now)

    ledger_fields = ("system_id", "from_stage", "to_stage", "failed_checks", "justification", "overridden_by_id",
                     "overridden_at")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-overridden_at", "-id"]
        verbose_name = _("gate override")
        verbose_name_plural = _("gate overrides")

    def __str__(self) -> str:
        return f"{self.system} · {self.from_stage} → {self.to_stage}"


class ChangeDecision(VersionedModel):
    """A requested change (minor update, major update, retirement) and its approvals (seed 003).

    The required approver slots are copied from catalogs/change_decisions.yaml when the decision is requested, so a
    later change of configuration does not alter a decision in flight.
    """

    class Kind(models.TextChoices):
        MINOR_UPDATE = "minor_update", _("Minor update")
        MAJOR_UPDATE = "major_update", _("Major update")
        RETIREMENT = "retirement", _("Retirement")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EFFECTIVE = "effective", _("Effective")

    system = models.ForeignKey(AISystem, verbose_name=_("AI system"), on_delete=models.CASCADE, related_name="change_decisions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("requested on"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    # [{"key", "label": {en, fr}, "system_field" | "group"}] as configured when requested.
    required_approvers = models.JSONField(_("required approvers"), default=list)
    config_version = models.CharField(_("configuration version"), max_length=40)
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    effective_at = models.DateTimeField(_("effective on"), null=True, blank=True)

    ledger_fields = ("system_id", "kind", "description", "requested_by_id", "status", "required_approvers",
                     "config_version", "decided_at", "effective_at")
    permission_domain = "inventory"
    unit_path = "system__unit"

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("change decision")
        verbose_name_plural = _("change decisions")
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["requested_at"], name="change_requested_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.system} · {self.get_kind_display()}"


class ChangeApproval(VersionedModel):
    """One approver's verdict on a change decision, filling one required slot."""

    class Verdict(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    decision = models.ForeignKey(ChangeDecision, verbose_name=_("change decision"), on_delete=models.CASCADE,
                                 related_name="approvals")
    slot = models.CharField(_("as"), max_length=60)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT,
                                 related_name="+")
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided on"), default=timezone.now)

    ledger_fields = ("decision_id", "slot", "approver_id", "verdict", "comment", "decided_at")
    permission_domain = "inventory"
    unit_path = "decision__system__unit"

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(fields=["decision", "slot"], name="change_approval_one_per_slot"),
            models.UniqueConstraint(fields=["decision", "approver"], name="change_approval_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} · {self.slot_label} · {self.get_verdict_display()}"

    @property
    def slot_label(self) -> str:
        """The capacity it was given in, in the reader's language (its stored key is for exports and the API)."""
        return slot_label(self.decision, self.slot)


def slot_label(decision: ChangeDecision, key: str) -> str:
    """The label of approver slot `key` of `decision` in the reader's language (the key if it is not there)."""
    language = "fr" if (get_language() or "en").startswith("fr") else "en"
    for slot in decision.required_approvers or ():
        if slot.get("key") == key:
            return localised(slot.get("label") or key, language)
    return key
