"""Impact assessments: start a run, answer, submit, approve (not by the author), return, reopen."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, context
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import ADD, CHANGE
from aims.core.services import _create, _save_with_changes
from aims.core.stored_text import Text, fact_of

from .. import catalogs
from ..models import ImpactAssessment
from ..questionnaire import check_answers, dpia_required
from ..review_reasons import english
from ._common import clean_text, require_or_system

OPEN_STATUSES = (ImpactAssessment.Status.DRAFT, ImpactAssessment.Status.SUBMITTED)
APPROVAL = "risks.impact_assessment"  # its kind in the "To approve" inbox (see ..approvals)


def rerun_task_source(system_id) -> str:
    return f"risks.impact.system{system_id}.rerun"


def impact_url(assessment: ImpactAssessment) -> str:
    return f"/risks/impact-assessments/{assessment.pk}/"


@transaction.atomic
def start_impact_assessment(*, actor, system, reason: str = "") -> ImpactAssessment:
    """A new run for `system`, pre-filled with the previous run's answers that the current template still asks."""
    require_or_system(actor, ADD, domain="risks", unit=system.unit)
    if actor is None:
        raise PermissionDenied(_("An impact assessment needs a person as its author."))
    if ImpactAssessment.objects.select_for_update().filter(system=system, status__in=OPEN_STATUSES).exists():
        raise ValidationError(_("This system already has an impact assessment in progress."))
    template = catalogs.impact_template()
    previous = ImpactAssessment.objects.filter(system=system).order_by("-number").first()
    questions = catalogs.template_questions(template)
    answers = {k: v for k, v in (previous.answers if previous else {}).items() if k in questions}
    number = (ImpactAssessment.objects.filter(system=system).aggregate(n=Max("number"))["n"] or 0) + 1
    return _create(actor=actor, reason=reason, obj=ImpactAssessment(
        system=system, number=number, template_key=template["key"], template_version=template["version"],
        answers=answers, author=actor,
    ))


@transaction.atomic
def save_impact_answers(*, actor, assessment: ImpactAssessment, answers: dict, expected_version: int | None = None,
                        reason: str = "") -> ImpactAssessment:
    """Merge answers into a draft (partial answers are fine until submission)."""
    require_or_system(actor, CHANGE, assessment)
    if assessment.status != ImpactAssessment.Status.DRAFT:
        raise ValidationError(_("Only a draft can be edited."))
    cleaned = check_answers(catalogs.impact_template(), answers, complete=False)
    merged = {**{k: v for k, v in assessment.answers.items() if k not in answers}, **cleaned}
    return _save_with_changes(actor=actor, obj=assessment, changes={"answers": merged}, reason=reason,
                              expected_version=expected_version, action="risks.impactassessment.answer")


@transaction.atomic
def submit_impact_assessment(*, actor, assessment: ImpactAssessment, expected_version: int | None = None,
                             reason: str = "") -> ImpactAssessment:
    require_or_system(actor, CHANGE, assessment)
    if assessment.status != ImpactAssessment.Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    template = catalogs.impact_template()
    answers = check_answers(template, assessment.answers, complete=True)
    assessment = _save_with_changes(
        actor=actor, obj=assessment, reason=reason, expected_version=expected_version,
        action="risks.impactassessment.submit",
        changes={"status": ImpactAssessment.Status.SUBMITTED, "submitted_at": context.now(), "answers": answers,
                 "dpia_required": dpia_required(template, answers)},
    )
    approvals.request(APPROVAL, assessment)
    return assessment


@transaction.atomic
def approve_impact_assessment(*, actor, assessment: ImpactAssessment, comment: str = "",
                              expected_version: int | None = None) -> ImpactAssessment:
    """Sign-off by one of the approvers the organisation configured (catalogs/approvals.yaml, by role over the
    system's unit). Four eyes: never the author."""
    if actor is None or not getattr(actor, "pk", None):
        raise PermissionDenied(_("Only a person can approve an impact assessment."))
    if assessment.status != ImpactAssessment.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted impact assessment can be approved."))
    approvals.require_approver(actor, APPROVAL, assessment)
    approvals.settle(APPROVAL, assessment)
    assessment = _save_with_changes(
        actor=actor, obj=assessment, reason=comment, expected_version=expected_version,
        action="risks.impactassessment.approve",
        changes={"status": ImpactAssessment.Status.APPROVED, "approved_by": actor, "approved_at": context.now(),
                 "approval_comment": clean_text(comment, "comment")},
    )
    close_tasks(source=rerun_task_source(assessment.system_id))
    return assessment


@transaction.atomic
def return_impact_assessment(*, actor, assessment: ImpactAssessment, comment: str,
                             expected_version: int | None = None) -> ImpactAssessment:
    """Send a submitted assessment back to its author as a draft, saying what to fix (its approvers do)."""
    if actor is None or not getattr(actor, "pk", None):
        raise PermissionDenied(_("Only a person can return an impact assessment."))
    if assessment.status != ImpactAssessment.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted impact assessment can be returned."))
    approvals.require_approver(actor, APPROVAL, assessment)
    comment = clean_text(comment, "comment", required=True)
    approvals.settle(APPROVAL, assessment)
    assessment = _save_with_changes(actor=actor, obj=assessment, reason=comment, expected_version=expected_version,
                                    changes={"status": ImpactAssessment.Status.DRAFT, "submitted_at": None},
                                    action="risks.impactassessment.return")
    notify(recipient=assessment.author, title=gettext_lazy("Impact assessment of %(system)s returned: %(comment)s"),
           params={"system": str(assessment.system), "comment": comment}, url=impact_url(assessment), kind="risk")
    return assessment


def reopen_impact_assessment(*, actor, assessment: ImpactAssessment, reason) -> ImpactAssessment:
    """An approved assessment no longer holds (the system changed in a way that matters): mark it reopened and ask
    the system owner for a new run. Trusted callers (the trigger API) pass actor None; people go through
    `request_impact_reassessment`. `reason` is what a person typed, or the product's own text (lazy, or a
    `stored_text.Text`), kept as a fact so that each reader reads it in their language."""
    if isinstance(reason, (Text, Promise)):
        given, reason = reason, english(reason)  # the notification renders `given` in the owner's language
    else:
        given = reason = clean_text(reason, "reason", required=True, limit=5000)
    if assessment.status != ImpactAssessment.Status.APPROVED:
        raise ValidationError(_("Only an approved impact assessment can be reopened."))
    assessment = _save_with_changes(actor=actor, obj=assessment, reason=reason, expected_version=None,
                                    action="risks.impactassessment.reopen",
                                    changes={"status": ImpactAssessment.Status.REOPENED, "reopened_at": context.now(),
                                             "reopen_reason": reason, "reopen_facts": fact_of(given)})
    owner = assessment.system.owner
    # The system's assessments, where the owner starts the new run (the system already chosen).
    url = f"/risks/impact-assessments/?system={assessment.system_id}"
    open_task(assignee=owner, title=gettext_lazy("Re-run the impact assessment of %(system)s"),
              params={"system": str(assessment.system)}, source=rerun_task_source(assessment.system_id), url=url,
              reopen=True)
    notify(recipient=owner, title=gettext_lazy("The impact assessment of %(system)s must be re-run"),
           body=gettext_lazy("Reason: %(reason)s"),
           params={"system": str(assessment.system), "reason": given},
           url=url, kind="risk")
    return assessment


@transaction.atomic
def request_impact_reassessment(*, actor, assessment: ImpactAssessment, reason: str) -> ImpactAssessment:
    require_or_system(actor, CHANGE, assessment)
    return reopen_impact_assessment(actor=actor, assessment=assessment, reason=reason)
