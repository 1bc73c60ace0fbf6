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


def vulnerable_component_ids(vulnerability) -> list[int]:
    """The component versions a vulnerability concerns: those linked, and every version of the lines linked with
    `all_versions`."""
    ids: set[int] = set()
    for link in vulnerability.component_links.select_related("component"):
        ids.update(versions_of(link.component) if link.all_versions else [link.component_id])
    return sorted(ids)


def vulnerable_systems(vulnerability, user) -> list[dict]:
    """The AI systems `user` may see that a vulnerability affects, found through the inventory (nothing stored): those
    using an affected component version, depending on an affected dependency, or using a component that depends on
    one. Each row: id, name, reference_code, unit_id, stage and `through` (the affected components and dependencies
    it uses, by name). One query for the systems, two for what they use, beside the component lines."""
    from django.db.models import Q

    from aims.inventory.models import ComponentDependency, SystemDependency

    components = vulnerable_component_ids(vulnerability)
    dependencies = list(vulnerability.dependencies.values_list("pk", flat=True))
    uses_component = Q(component__in=components)
    if dependencies:
        uses_component |= Q(component__in=ComponentDependency.objects.filter(dependency__in=dependencies)
                            .values("component_id"))
    found = Q(pk__in=SystemComponent.objects.filter(uses_component).values("system_id"))
    if dependencies:
        found |= Q(pk__in=SystemDependency.objects.filter(dependency__in=dependencies).values("system_id"))
    if not components and not dependencies:
        return []
    rows = list(AISystem.objects.restrict(user, "view").filter(found)
                .order_by("name", "id").values("id", "name", "reference_code", "unit_id", "stage"))
    if not rows:
        return rows
    ids = [row["id"] for row in rows]
    through: dict[int, list[str]] = {pk: [] for pk in ids}
    for link in (SystemComponent.objects.filter(uses_component, system__in=ids).select_related("component")
                 .order_by("component__name", "component_id")):
        through[link.system_id].append(str(link.component))
    if dependencies:
        for link in (SystemDependency.objects.filter(system__in=ids, dependency__in=dependencies)
                     .select_related("dependency").order_by("dependency__name", "dependency_id")):
            through[link.system_id].append(str(link.dependency))
    for row in rows:
        row["through"] = through[row["id"]]
    return rows


def vulnerability_ids_affecting(component_id: int):
    """A subquery of the vulnerabilities that concern a component version: linked to it, or to another version of its
    line with `all_versions`."""
    from django.db.models import Q

    from .models import VulnerableComponent

    component = Component.objects.filter(pk=component_id).first()
    if component is None:
        return VulnerableComponent.objects.none().values("vulnerability_id")
    return (VulnerableComponent.objects.filter(Q(component=component)
                                               | Q(all_versions=True, component__in=versions_of(component)))
            .values("vulnerability_id"))
