"""Supplier onboarding in the one "To approve" inbox (aims.core.approvals): approvers are the roles that
catalogs/approvals.yaml names over the supplier's managing unit; never the person who submitted it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aims.core import approvals
from aims.core.stored_text import Text

from . import services
from .models import Status, Supplier


def register() -> None:
    approvals.register(approvals.ApprovalKind(
        key=services.APPROVAL,
        label=gettext_lazy("Supplier onboarding"),
        waiting=lambda: Supplier.objects.filter(status=Status.SUBMITTED).select_related("unit", "submitted_by"),
        approvers=lambda supplier: approvals.people_in_approver_roles(services.APPROVAL, supplier.unit),
        waiting_for=lambda user: Supplier.objects.filter(status=Status.SUBMITTED).filter(
            approvals.in_approver_scope(user, services.APPROVAL, "unit")).exclude(submitted_by=user),
        author=lambda supplier: supplier.submitted_by,
        since=lambda supplier: supplier.submitted_at,
        url=lambda supplier: supplier.get_absolute_url() + "#sign-off",
        approve=lambda *, actor, obj, comment="", **details: services.approve_supplier(
            actor=actor, supplier=obj, comment=comment),
        describe=lambda supplier: Text(gettext_lazy("Onboarding of the supplier “%(supplier)s”"),
                                       supplier=supplier.legal_name),
        order=70,
    ))
