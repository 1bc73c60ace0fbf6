"""The compliance sign-offs in the one "To approve" inbox (aims.core.approvals): Statement of Applicability versions
(and policy versions, registered with the policies)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aims.core import approvals
from aims.core.stored_text import Text

from .models import SoAVersion
from .services import soa


def register() -> None:
    approvals.register(approvals.ApprovalKind(
        key=soa.APPROVAL,
        label=gettext_lazy("Statement of Applicability"),
        waiting=lambda: SoAVersion.objects.filter(status=SoAVersion.Status.SUBMITTED).select_related("submitted_by"),
        approvers=lambda version: approvals.people_in_approver_roles(soa.APPROVAL, None),
        author=lambda version: version.submitted_by,
        since=lambda version: version.submitted_at,
        url=lambda version: version.get_absolute_url() + "#sign-off",
        approve=lambda *, actor, obj, comment="", **details: soa.approve_soa_version(actor=actor, version=obj,
                                                                                     comment=comment),
        describe=lambda version: Text(gettext_lazy("Statement of Applicability, version %(number)s"),
                                      number=version.number),
        order=60,
    ))


def register_policies() -> None:
    from .models import PolicyVersion
    from .services import policies

    approvals.register(approvals.ApprovalKind(
        key=policies.APPROVAL,
        label=gettext_lazy("Policy version"),
        waiting=lambda: PolicyVersion.objects.filter(status=PolicyVersion.Status.IN_REVIEW).select_related(
            "policy", "author"),
        approvers=lambda version: approvals.people_in_approver_roles(policies.APPROVAL, None),
        author=lambda version: version.author,
        since=lambda version: version.submitted_at,
        url=lambda version: version.get_absolute_url() + "#sign-off",
        approve=lambda *, actor, obj, comment="", **details: policies.approve_policy_version(
            actor=actor, version=obj, comment=comment),
        describe=lambda version: Text(gettext_lazy("Policy “%(title)s”, version %(number)s"),
                                      title=version.policy.title, number=version.number),
        order=61,
    ))


def register_obligation_exceptions() -> None:
    from .models import SystemObligation
    from .services import obligations

    def waiting():
        return SystemObligation.objects.filter(exception_requested_at__isnull=False, exception_at__isnull=True,
                                               is_active=True).select_related("system__unit", "exception_requested_by")

    approvals.register(approvals.ApprovalKind(
        key=obligations.EXCEPTION_APPROVAL,
        label=gettext_lazy("Exception to an AI Act obligation"),
        waiting=waiting,
        approvers=lambda obligation: approvals.people_in_approver_roles(obligations.EXCEPTION_APPROVAL,
                                                                        obligation.system.unit),
        waiting_for=lambda user: waiting().filter(approvals.in_approver_scope(
            user, obligations.EXCEPTION_APPROVAL, "system__unit")).exclude(exception_requested_by=user),
        author=lambda obligation: obligation.exception_requested_by,
        since=lambda obligation: obligation.exception_requested_at,
        url=lambda obligation: obligation.get_absolute_url() + "#exception",
        approve=lambda *, actor, obj, comment="", **details: obligations.approve_exception(
            actor=actor, obligation=obj, comment=comment),
        describe=lambda obligation: Text(gettext_lazy("Exception to %(article)s for “%(system)s”"),
                                         article=obligation.article, system=obligation.system.name),
        order=62,
    ))
