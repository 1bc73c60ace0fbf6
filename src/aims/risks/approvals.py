"""The risk module's sign-offs in the "To approve" inbox (aims.core.approvals): impact assessments and the acceptance
of risks above appetite. Registered from RisksConfig.ready()."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import approvals
from aims.core.stored_text import Text

from .models import ImpactAssessment
from .services.acceptance import APPROVAL as ACCEPTANCE
from .services.acceptance import accept_risk, acceptance_approvers, acceptances_for, waiting_acceptances
from .services.impact import APPROVAL as IMPACT_ASSESSMENT
from .services.impact import approve_impact_assessment, impact_url


def _waiting_assessments():
    return (ImpactAssessment.objects.filter(status=ImpactAssessment.Status.SUBMITTED)
            .select_related("system", "system__unit", "author").defer("answers"))


def _approve_assessment(*, actor, obj, comment: str = "", **_details):
    return approve_impact_assessment(actor=actor, assessment=obj, comment=comment)


def _accept(*, actor, obj, comment: str = "", expires_on: str | date | None = None, **_details):
    if isinstance(expires_on, str):
        try:
            expires_on = date.fromisoformat(expires_on)
        except ValueError:
            raise ValidationError({"expires_on": _("Enter a date as YYYY-MM-DD.")}) from None
    return accept_risk(actor=actor, risk=obj, rationale=comment, expires_on=expires_on)


def register() -> None:
    approvals.register(approvals.ApprovalKind(
        key=IMPACT_ASSESSMENT, label=gettext_lazy("Impact assessment"), order=20,
        waiting=_waiting_assessments,
        approvers=lambda a: approvals.people_in_approver_roles(IMPACT_ASSESSMENT, a.system.unit),
        waiting_for=lambda user: _waiting_assessments().filter(
            approvals.in_approver_scope(user, IMPACT_ASSESSMENT, "system__unit")).exclude(author=user),
        author=lambda a: a.author, since=lambda a: a.submitted_at, url=impact_url,
        approve=_approve_assessment,
        describe=lambda a: Text(gettext_lazy("Impact assessment of “%(system)s” (run %(number)s)"),
                                system=str(a.system), number=a.number),
    ))
    approvals.register(approvals.ApprovalKind(
        key=ACCEPTANCE, label=gettext_lazy("Risk acceptance"), order=40,
        waiting=waiting_acceptances, approvers=acceptance_approvers, waiting_for=acceptances_for,
        # The owner decided to accept; the date of the risk's last change stands for when it started waiting.
        author=lambda r: r.owner, since=lambda r: r.updated_at,
        url=lambda r: f"/risks/{r.pk}/#acceptance", approve=_accept,
        describe=lambda r: Text(gettext_lazy("Acceptance of the risk “%(title)s” above appetite"), title=r.title),
    ))
