"""Shadow-AI declarations: anyone declares, AIMS managers triage into the inventory or reject with a reason."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context
from aims.core.models import RoleAssignment
from aims.core.notifications import notify
from aims.core.services import _create, _save_with_changes

from ..models import ShadowAIDeclaration
from ._common import MANAGER_ROLES, is_aims_manager_for, required_text
from .systems import create_system


@transaction.atomic
def declare_shadow_ai(*, actor, tool_name: str, purpose: str, data_involved: str = "", unit=None) -> ShadowAIDeclaration:
    """Permission rule, on purpose without a role check: any signed-in, active person may declare an AI tool.

    Declaring must cost nothing, or shadow AI stays in the shadows. The declaration is placed in the declarant's
    unit unless another is given, and AIMS managers over that unit are told.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Sign in to declare an AI tool."))
    tool_name = required_text(tool_name, "tool_name", _("Name the tool."))
    purpose = required_text(purpose, "purpose", _("Say what you use it for."))
    declaration = _create(actor=actor, obj=ShadowAIDeclaration(
        tool_name=tool_name, purpose=purpose, data_involved=(data_involved or "").strip(), declared_by=actor,
        unit=unit if unit is not None else actor.unit,
    ))
    for manager in _managers_over(declaration.unit):
        notify(recipient=manager, title=gettext_lazy("New shadow-AI declaration: %(tool)s"), body=purpose,
               params={"tool": tool_name}, url=f"/inventory/shadow-ai/{declaration.pk}/", kind="inventory.shadow")
    return declaration


def _managers_over(unit):
    assignments = RoleAssignment.objects.filter(role__in=MANAGER_ROLES, user__isnull=False, user__is_active=True)
    people = {}
    for assignment in assignments.select_related("user", "unit"):
        if assignment.unit is None or (unit is not None and unit.path.startswith(assignment.unit.path)):
            people[assignment.user_id] = assignment.user
    return people.values()


def _require_triage(actor, declaration: ShadowAIDeclaration) -> None:
    if not is_aims_manager_for(actor, declaration.unit):
        raise PermissionDenied(_("Only an AIMS manager may triage shadow-AI declarations."))
    if declaration.status != ShadowAIDeclaration.Status.NEW:
        raise ValidationError(_("This declaration has already been triaged."))


@transaction.atomic
def convert_shadow_declaration(*, actor, declaration: ShadowAIDeclaration, owner, unit=None, name: str = "",
                               reason: str = "", **system_fields):
    """Register the declared tool as an AI system (owner required) and close the declaration."""
    _require_triage(actor, declaration)
    unit = unit or declaration.unit
    if unit is None:
        raise ValidationError({"unit": _("Choose the business unit of the new system.")})
    system_fields.setdefault("purpose", declaration.purpose)
    system = create_system(actor=actor, name=(name or declaration.tool_name).strip(), unit=unit, owner=owner,
                           reason=reason or _("From shadow-AI declaration #%(id)s") % {"id": declaration.pk},
                           **system_fields)
    _save_with_changes(actor=actor, obj=declaration, expected_version=None, reason=reason,
                       action="inventory.shadowaideclaration.convert",
                       changes={"status": ShadowAIDeclaration.Status.TRIAGED, "triaged_by": actor,
                                "triaged_at": context.now(), "system": system})
    notify(recipient=declaration.declared_by, title=gettext_lazy("Your declaration of %(tool)s is now in the inventory"),
           # Their declaration, which links the system for those who may see it (the declarant may not).
           params={"tool": declaration.tool_name}, url=f"/inventory/shadow-ai/{declaration.pk}/", kind="inventory.shadow")
    return system


@transaction.atomic
def reject_shadow_declaration(*, actor, declaration: ShadowAIDeclaration, reason: str) -> ShadowAIDeclaration:
    """Reject with a mandatory reason, which the declarant receives."""
    reason = required_text(reason, "rejection_reason", _("Give the reason for the rejection."))
    _require_triage(actor, declaration)
    declaration = _save_with_changes(actor=actor, obj=declaration, expected_version=None, reason=reason,
                                     action="inventory.shadowaideclaration.reject",
                                     changes={"status": ShadowAIDeclaration.Status.REJECTED, "triaged_by": actor,
                                              "triaged_at": context.now(), "rejection_reason": reason})
    notify(recipient=declaration.declared_by, title=gettext_lazy("Your declaration of %(tool)s was rejected"),
           body=reason, params={"tool": declaration.tool_name}, url=f"/inventory/shadow-ai/{declaration.pk}/",
           kind="inventory.shadow")
    return declaration

