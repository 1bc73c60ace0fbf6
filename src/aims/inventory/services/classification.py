"""EU AI Act classification of a system and the reviewer's sign-off."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context
from aims.core import approvals
from aims.core.notifications import close_tasks, open_task
from aims.core.permissions import CHANGE, require
from aims.core.services import _create, _save_with_changes

from .. import ai_act, signals
from ..models import AiActRole, AiActTier, AISystem, Classification
from ._common import ensure_not_frozen

APPROVAL = "inventory.classification"  # its kind in the "To approve" inbox (see ..approvals)


def provisional_task_source(system: AISystem) -> str:
    return f"inventory.classification.provisional.{system.pk}"


@transaction.atomic
def classify_system(*, actor, system: AISystem, answers: dict, final_tier: str | None = None,
                    final_role: str | None = None, rationale: str = "", reason: str = "") -> Classification:
    """Record a classification from questionnaire answers; the system takes its tier and role at once.

    Every question asked must be answered (a blank is never a "No"). "Don't know" answers make the classification
    provisional: the pessimistic answer is assumed and the system owner gets a task to resolve them. The classifier
    may depart from the proposal only with a written rationale. The previous classification is kept, marked
    superseded. A reviewer other than the classifier signs it off (`sign_off_classification`).
    """
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    proposal = ai_act.propose(answers)
    tier = final_tier or proposal.tier
    role = proposal.role if final_role is None else final_role
    if tier not in {c.value for c in AiActTier if c.value}:
        raise ValidationError({"final_tier": _("Choose a tier.")})
    if role not in {c.value for c in AiActRole if c.value} and not (tier == AiActTier.OUT_OF_SCOPE and not role):
        raise ValidationError({"final_role": _("Choose the organisation's role.")})
    rationale = (rationale or "").strip()
    if (tier, role) != (proposal.tier, proposal.role) and not rationale:
        raise ValidationError({"rationale": _("Explain why the tier or role differs from the proposal.")})
    for previous in Classification.objects.filter(system=system).exclude(status=Classification.Status.SUPERSEDED):
        _save_with_changes(actor=actor, obj=previous, changes={"status": Classification.Status.SUPERSEDED},
                           expected_version=None, reason="", action="inventory.classification.supersede")
        approvals.settle(APPROVAL, previous)
    classification = _create(actor=actor, reason=reason, obj=Classification(
        system=system, answers=ai_act.validate_answers(answers), catalogue_version=proposal.catalogue_version,
        proposed_tier=proposal.tier, proposed_role=proposal.role, gpai=proposal.gpai,
        gpai_systemic=proposal.gpai_systemic, proposal=proposal.as_dict(), obligations=proposal.obligations,
        final_tier=tier, final_role=role, provisional=proposal.provisional, rationale=rationale,
        classified_by=actor,
    ))
    _save_with_changes(actor=actor, obj=system, expected_version=None, reason=reason,
                       action="inventory.aisystem.classify",
                       changes={"ai_act_tier": tier, "ai_act_role": role, "ai_act_gpai": proposal.gpai,
                                "needs_reclassification": False})
    close_tasks(source=f"inventory.reclassify.{system.pk}")
    close_tasks(source=provisional_task_source(system))
    if proposal.provisional:
        # The owner answers for the system: they can find out what "don't know" stood for, and classify again.
        open_task(assignee=system.owner, source=provisional_task_source(system),
                  title=gettext_lazy("Resolve the “don't know” answers of the EU AI Act classification of "
                                     "“%(system)s”"), params={"system": str(system)},
                  url=f"{system.get_absolute_url()}?tab=classification#classification")
    else:
        approvals.request(APPROVAL, classification)  # a provisional one waits for answers, not for a reviewer
    signals.system_classified.send(sender=AISystem, system=system, actor=actor, classification=classification)
    return classification


@transaction.atomic
def sign_off_classification(*, actor, classification: Classification, comment: str = "") -> Classification:
    """A second person confirms the classification (four eyes): one of the approvers the organisation configured
    (catalogs/approvals.yaml, by role over the system's unit), never the one who classified."""
    ensure_not_frozen(classification.system)
    if classification.provisional:
        raise ValidationError(_("A provisional classification cannot be signed off: resolve its “don't know” answers "
                                "and classify again."))
    if classification.status != Classification.Status.AWAITING_SIGN_OFF:
        raise ValidationError(_("Only a classification awaiting sign-off can be signed off (this one is: %(status)s).")
                              % {"status": classification.get_status_display()})
    approvals.require_approver(actor, APPROVAL, classification)
    approvals.settle(APPROVAL, classification)
    return _save_with_changes(actor=actor, obj=classification, expected_version=None, reason=comment,
                              action="inventory.classification.sign_off",
                              changes={"status": Classification.Status.SIGNED_OFF, "reviewer": actor,
                                       "signed_off_at": context.now(), "review_comment": (comment or "").strip()})


def current_classification(system: AISystem) -> Classification | None:
    """The newest classification that has not been replaced (it may be awaiting re-classification)."""
    return (Classification.objects.filter(system=system).exclude(status=Classification.Status.SUPERSEDED)
            .order_by("-classified_at", "-id").first())
