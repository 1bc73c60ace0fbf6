"""Rules shared by the inventory services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from aims.core.permissions import Role, user_scopes

MANAGER_ROLES = (Role.AIMS_MANAGER, Role.ADMINISTRATOR)


def ensure_not_frozen(system) -> None:
    """Retired systems are read-only: every service that changes a system or what hangs off it calls this first."""
    if system.is_frozen:
        raise ValidationError(_("“%(system)s” is retired and read-only: its history is kept, but it can no longer be "
                                "changed.") % {"system": system})


def ensure_change_allowed(system) -> None:
    """Changes that alter the system itself (a change decision taking effect, a component or dependency linked or
    unlinked) pass the registered change guards (gates.register_change_guard), e.g. an incident's evidence hold."""
    from ..gates import change_refusals

    refusals = change_refusals(system)
    if refusals:
        raise ValidationError(" ".join(refusals))


def is_aims_manager_for(user, unit) -> bool:
    """Does `user` hold the AIMS manager (or administrator) role over `unit` (None: only organisation-wide roles)?

    Overrides and shadow-AI triage are management decisions, so a write permission on the inventory is not enough.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for scope in user_scopes(user):
        if scope.role in MANAGER_ROLES:
            if scope.unit_path is None or (unit is not None and unit.path.startswith(scope.unit_path)):
                return True
    return False


def reject_unknown(changes: dict, allowed) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})


def required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value
