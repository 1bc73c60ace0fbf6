"""After the incident: the post-incident review (root cause, what worked, what did not, lessons learned), its actions
with owners, and its sign-off through the "To approve" inbox (kind `incidents.review`, approver roles in
catalogs/approvals.yaml; never its author). Once approved, it asks the owners of the open risks linked to the affected
systems and components to review them (aims.risks.triggers.request_review) and the owners of the systems' evidence to
re-confirm it (aims.evidence.services.mark_to_reconfirm). Closing an incident whose severity is at or above the
catalogue's `review_required_from` needs an approved review."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals, context
from aims.core.assignment import check_assignee
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import CHANGE, VIEW, require
from aims.core.services import _create, _save_with_changes
from aims.core.stored_text import Text

from ..models import Incident, PostIncidentReview, ReviewAction, Status, TimelineEntry

APPROVAL = "incidents.review"
REVIEW_FIELDS = ("root_cause", "what_worked", "what_did_not_work", "lessons_learned")
# The review is written once the incident is under control; a closed incident keeps the review it was closed with.
REVIEWABLE = (Status.CONTAINED, Status.RESOLVED)


def _ensure_editable(review: PostIncidentReview) -> None:
    if review.incident.status == Status.CLOSED:
        raise ValidationError(_("A closed incident is kept as it was closed; it cannot be changed."))
    if review.status in (PostIncidentReview.Status.SUBMITTED, PostIncidentReview.Status.APPROVED):
        raise ValidationError(_("The review is %(status)s: it can no longer be changed.") % {
            "status": review.get_status_display().lower()})


@transaction.atomic
def save_review(*, actor, incident: Incident, changes: dict, expected_version: int | None = None,
                reason: str = "") -> PostIncidentReview:
    """Write (the first time) or change the review of a contained or resolved incident."""
    require(actor, CHANGE, incident)
    unknown = set(changes) - set(REVIEW_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    if incident.status not in REVIEWABLE:
        raise ValidationError(_("The review is written once the incident is contained or resolved."))
    changes = {name: (value or "").strip() for name, value in changes.items()}
    review = PostIncidentReview.objects.filter(incident=incident).first()
    if review is None:
        return _create(actor=actor, reason=reason, obj=PostIncidentReview(incident=incident, author=actor, **changes))
    _ensure_editable(review)
    return _save_with_changes(actor=actor, obj=review, changes=changes, reason=reason,
                              expected_version=expected_version)


@transaction.atomic
def add_action(*, actor, review: PostIncidentReview, title: str, owner, due_date=None) -> ReviewAction:
    """An action the review decides, with its owner (offered among people who can see the incident) and due date;
    the owner gets a task."""
    incident = review.incident
    require(actor, CHANGE, incident)
    if incident.status == Status.CLOSED:
        raise ValidationError(_("A closed incident is kept as it was closed; it cannot be changed."))
    if review.status == PostIncidentReview.Status.APPROVED:
        raise ValidationError(_("The review is approved: it can no longer be changed."))
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Say what is to be done.")
    if owner is None:
        errors["owner"] = _("Name the owner of the action.")
    if due_date is not None and due_date < context.now().date():
        errors["due_date"] = _("The due date is in the past.")
    if errors:
        raise ValidationError(errors)
    check_assignee(actor=actor, person=owner, action=VIEW, domain="incidents", unit=incident.unit, field="owner",
                   what=_("owner of an action after incident %(incident)s") % {"incident": incident.reference})
    action = _create(actor=actor, obj=ReviewAction(review=review, title=title[:300], owner=owner, due_date=due_date))
    open_task(assignee=owner, source=f"incidents.action.{action.pk}", url=f"{incident.get_absolute_url()}#action-{action.pk}",
              due_date=due_date, title=gettext_lazy("Action after incident %(incident)s: %(action)s"),
              params={"incident": incident.reference, "action": action.title})
    return action


@transaction.atomic
def complete_action(*, actor, action: ReviewAction, note: str) -> ReviewAction:
    """The owner (or whoever may change the incident) records what was done."""
    incident = action.review.incident
    if getattr(actor, "pk", None) != action.owner_id:
        require(actor, CHANGE, incident)
    else:
        require(actor, VIEW, incident)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if action.status == ReviewAction.Status.DONE:
        raise ValidationError(_("This action is already done."))
    action = _save_with_changes(actor=actor, obj=action, expected_version=None, reason=note,
                                action="incidents.reviewaction.done",
                                changes={"status": ReviewAction.Status.DONE, "done_at": context.now(),
                                         "done_note": note})
    close_tasks(source=f"incidents.action.{action.pk}")
    return action


@transaction.atomic
def submit_review(*, actor, review: PostIncidentReview, reason: str = "") -> PostIncidentReview:
    """Ask for the sign-off: the review needs its root cause and lessons learned; the incident must be resolved."""
    incident = review.incident
    require(actor, CHANGE, incident)
    _ensure_editable(review)
    errors = {}
    if not review.root_cause.strip():
        errors["root_cause"] = _("Say what caused the incident.")
    if not review.lessons_learned.strip():
        errors["lessons_learned"] = _("Write the lessons learned.")
    if errors:
        raise ValidationError(errors)
    if incident.status != Status.RESOLVED:
        raise ValidationError(_("The review is submitted once the incident is resolved."))
    review = _save_with_changes(actor=actor, obj=review, expected_version=None, reason=reason,
                                action="incidents.postincidentreview.submit",
                                changes={"status": PostIncidentReview.Status.SUBMITTED,
                                         "submitted_at": context.now(), "author": actor})
    approvals.request(APPROVAL, review, body=review.lessons_learned[:500])
    return review


def _approver(actor, review: PostIncidentReview) -> None:
    if review.status != PostIncidentReview.Status.SUBMITTED:
        raise ValidationError(_("This review is not waiting for sign-off."))
    approvals.require_approver(actor, APPROVAL, review)


@transaction.atomic
def approve_review(*, actor, review: PostIncidentReview, comment: str = "") -> PostIncidentReview:
    """Sign the review off (never its author): the lessons go to the risk owners and the evidence owners."""
    _approver(actor, review)
    incident = review.incident
    now = context.now()
    systems = list(incident.systems.all())
    components = list(incident.components.all())
    # A fact (message and values): each risk owner reads it in their language.
    fact = Text(gettext_lazy("Post-incident review of %(incident)s “%(title)s”: %(lessons)s"),
                incident=incident.reference, title=incident.title, lessons=review.lessons_learned[:4000])
    from aims.risks.triggers import request_review

    risk_reviews = request_review(actor=actor, reason=fact, systems=systems, components=components,
                                  source="incident")
    reconfirm = 0
    if systems:
        from aims.evidence import services as evidence_services
        from aims.evidence.links import items_linked_to

        items = list(items_linked_to(systems).select_related("owner"))
        reconfirm = evidence_services.mark_to_reconfirm(actor=actor, items=items, reason=fact) if items else 0
    review = _save_with_changes(actor=actor, obj=review, expected_version=None, reason=comment,
                                action="incidents.postincidentreview.approve",
                                changes={"status": PostIncidentReview.Status.APPROVED, "decided_by": actor,
                                         "decided_at": now, "decision_comment": (comment or "").strip(),
                                         "risk_reviews_requested": len(risk_reviews),
                                         "evidence_to_reconfirm": reconfirm})
    approvals.settle(APPROVAL, review)
    TimelineEntry.objects.create(incident=incident, kind=TimelineEntry.Kind.REVIEWED, at=now, recorded_by=actor,
                                 source=str(actor), note=review.lessons_learned, created_at=now)
    notify(recipient=review.author, title=gettext_lazy("Post-incident review approved: %(incident)s"),
           params={"incident": incident.reference}, url=review.get_absolute_url(), kind="incidents.review")
    return review


@transaction.atomic
def return_review(*, actor, review: PostIncidentReview, comment: str) -> PostIncidentReview:
    """Send the review back to its author with what to change."""
    _approver(actor, review)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what to change.")})
    review = _save_with_changes(actor=actor, obj=review, expected_version=None, reason=comment,
                                action="incidents.postincidentreview.return",
                                changes={"status": PostIncidentReview.Status.RETURNED, "decided_by": actor,
                                         "decided_at": context.now(), "decision_comment": comment})
    approvals.settle(APPROVAL, review)
    notify(recipient=review.author, title=gettext_lazy("Post-incident review returned: %(incident)s"), body=comment,
           params={"incident": review.incident.reference}, url=review.get_absolute_url(), kind="incidents.review")
    return review


def review_missing(incident: Incident) -> str:
    """Why the incident cannot be closed for want of a review ("" when it may)."""
    from .. import catalog

    if not catalog.review_required(incident.severity):
        return ""
    review = PostIncidentReview.objects.filter(incident=incident).only("status").first()
    if review is not None and review.status == PostIncidentReview.Status.APPROVED:
        return ""
    return _("its severity asks for an approved post-incident review")

