"""Post-incident reviews in the one "To approve" inbox (aims.core.approvals): approvers are the roles that
catalogs/approvals.yaml names over the incident's unit; never the review's author."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aims.core import approvals
from aims.core.stored_text import Text

from .models import PostIncidentReview
from .services.review import APPROVAL, approve_review


def _waiting():
    return PostIncidentReview.objects.filter(status=PostIncidentReview.Status.SUBMITTED).select_related(
        "incident__unit", "author")


def register() -> None:
    approvals.register(approvals.ApprovalKind(
        key=APPROVAL,
        label=gettext_lazy("Post-incident review"),
        waiting=_waiting,
        approvers=lambda review: approvals.people_in_approver_roles(APPROVAL, review.incident.unit),
        waiting_for=lambda user: _waiting().filter(
            approvals.in_approver_scope(user, APPROVAL, "incident__unit")).exclude(author=user),
        author=lambda review: review.author,
        since=lambda review: review.submitted_at,
        url=lambda review: review.get_absolute_url(),
        approve=lambda *, actor, obj, comment="", **details: approve_review(actor=actor, review=obj, comment=comment),
        describe=lambda review: Text(gettext_lazy("Post-incident review of %(incident)s “%(title)s”"),
                                     incident=review.incident.reference, title=review.incident.title),
        order=75,
    ))
