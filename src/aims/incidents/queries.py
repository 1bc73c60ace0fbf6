"""Read-only questions the incident pages, the API and the benchmarks ask of the inventory."""

from __future__ import annotations

from aims.inventory.models import AISystem, Component, SystemComponent

MAX_VERSION_STEPS = 200


def versions_of(component: Component) -> list[int]:
    """The ids of every version of `component`'s lineage: its previous versions and all the versions that follow
    them (a vulnerability or an incident in one version may concern the others)."""
    ids = {component.pk}
    previous = component.previous_version_id
    for _step in range(MAX_VERSION_STEPS):
        if not previous or previous in ids:
            break
        ids.add(previous)
        previous = Component.objects.filter(pk=previous).values_list("previous_version_id", flat=True).first()
    frontier = set(ids)
    for _step in range(MAX_VERSION_STEPS):
        if not frontier:
            break
        frontier = set(Component.objects.filter(previous_version__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


def affected_systems(component: Component, user, *, versions: list[int] | None = None) -> list[dict]:
    """The AI systems `user` may see that use `component` or another version of it: id, name, reference, unit and
    stage of each, by name. One query for the systems (the links read in a subquery, no DISTINCT over a join)."""
    versions = versions if versions is not None else versions_of(component)
    using = SystemComponent.objects.filter(component__in=versions).values("system_id")
    return list(AISystem.objects.restrict(user, "view").filter(pk__in=using)
                .order_by("name", "id").values("id", "name", "reference_code", "unit_id", "stage"))
