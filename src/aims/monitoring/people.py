"""Who can act on a system's monitoring: KPI owners are chosen among them, so every alert reaches someone who may
handle it (acknowledge, resolve, change thresholds)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aims.core.models import RoleAssignment, User
from aims.core.permissions import ROLE_GRANTS, can_in_unit


def _ancestor_paths(unit) -> list[str]:
    parts = [p for p in (unit.path or "").strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def people_who_can(action: str, domain: str, unit) -> QuerySet:
    """Active people who may perform `action` on `domain` objects in `unit` (roles held directly or through a group,
    over the unit, one of its ancestors or the whole organisation), and superusers."""
    roles = [role for role, grants in ROLE_GRANTS.items() if action in grants.get(domain, frozenset())]
    assignments = RoleAssignment.objects.filter(role__in=roles).filter(
        Q(unit__isnull=True) | Q(unit__path__in=_ancestor_paths(unit)))
    return (User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(pk__in=assignments.filter(user__isnull=False).values("user"))
                    | Q(people_groups__in=assignments.filter(group__isnull=False).values("group")))
            .distinct().order_by("last_name", "first_name", "pk"))


def kpi_owner_candidates(system) -> QuerySet:
    return people_who_can("change", "monitoring", system.unit)


def may_own_kpis(person, system) -> bool:
    return person is not None and person.is_active and can_in_unit(person, "change", "monitoring", system.unit)
