"""The evidence library's sign-off in the one "To approve" inbox (aims.core.approvals): an item's current version,
approved by someone other than its uploader."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext_lazy

from aims.core import approvals
from aims.core.stored_text import Text

from .models import EvidenceVersion
from .services import APPROVAL, approve_version


def _waiting():
    return (EvidenceVersion.objects.filter(approved_at__isnull=True, item__current_version=F("pk"))
            .select_related("item__unit", "uploaded_by"))


def register() -> None:
    approvals.register(approvals.ApprovalKind(
        key=APPROVAL,
        label=gettext_lazy("Evidence version"),
        waiting=_waiting,
        approvers=lambda version: approvals.people_in_approver_roles(APPROVAL, version.item.unit),
        waiting_for=lambda user: _waiting().filter(approvals.in_approver_scope(user, APPROVAL, "item__unit"))
        .exclude(uploaded_by=user),
        author=lambda version: version.uploaded_by,
        since=lambda version: version.uploaded_at,
        url=lambda version: version.item.get_absolute_url() + "#versions",
        approve=lambda *, actor, obj, comment="", **details: approve_version(actor=actor, version=obj,
                                                                             comment=comment),
        describe=lambda version: Text(gettext_lazy("Evidence “%(title)s”, version %(number)s"),
                                      title=version.item.title, number=version.number),
        order=65,
    ))
