"""The monitoring module's sign-off in the "To approve" inbox (aims.core.approvals): the closure grid of a post-go-live
review, signed by someone the monitoring catalogue names (a group or a role over the system's unit), never its
preparer. Registered from MonitoringConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aims.core import approvals
from aims.core.stored_text import Text

from .models import ClosureReview
from .services.closure import CLOSURE_APPROVAL, eligible_signers, sign_closure_review


def _waiting():
    return (ClosureReview.objects.filter(state=ClosureReview.State.SUBMITTED)
            .select_related("system", "system__unit", "prepared_by"))


def _sign(*, actor, obj, comment: str = "", **_details):
    return sign_closure_review(actor=actor, review=obj, comment=comment)


def register() -> None:
    approvals.register(approvals.ApprovalKind(
        key=CLOSURE_APPROVAL, label=gettext_lazy("Closure grid"), order=60,
        waiting=_waiting, approvers=eligible_signers,
        author=lambda review: review.prepared_by, since=lambda review: review.submitted_at,
        url=lambda review: review.get_absolute_url(), approve=_sign,
        describe=lambda review: Text(gettext_lazy("Closure grid of “%(system)s” (%(decision)s)"),
                                     system=str(review.system),
                                     decision=ClosureReview.Decision(review.decision).label),
    ))
