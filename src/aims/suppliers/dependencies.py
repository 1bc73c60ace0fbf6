"""Which systems depend on which supplier, transitively: a system uses a component the supplier provides, or a
dependency it provides, or a component resting on a dependency it provides (inventory.ComponentDependency).

Every function here returns querysets or a fixed number of queries whatever the number of rows: the dependency view
and the supplier page list one page of systems, then fetch the paths of that page only (four queries).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Supplier, Supply


def _supplies(supplier_ids):
    return Supply.objects.all() if supplier_ids is None else Supply.objects.filter(supplier__in=supplier_ids)


def systems_depending_on(supplier_ids):
    """The live systems depending on any of `supplier_ids` (a list or a queryset of ids; None: any supplier), as
    services.dependent_systems: one queryset."""
    from django.db.models import Q

    from aims.inventory.models import AISystem, ComponentDependency, SystemComponent, SystemDependency

    supplied = _supplies(supplier_ids)
    components = supplied.filter(component__isnull=False).values("component")
    dependencies = supplied.filter(dependency__isnull=False).values("dependency")
    through = ComponentDependency.objects.filter(dependency__in=dependencies).values("component")
    return AISystem.objects.filter(is_frozen=False).filter(
        Q(pk__in=SystemComponent.objects.filter(component__in=components).values("system"))
        | Q(pk__in=SystemDependency.objects.filter(dependency__in=dependencies).values("system"))
        | Q(pk__in=SystemComponent.objects.filter(component__in=through).values("system")))


def visible_supplier_ids(user):
    """The ids of the suppliers `user` sees, for the queries above: None when they see them all, which spares the
    database a test per row."""
    from aims.core.permissions import _granting_paths

    everywhere, _paths = _granting_paths(user, "suppliers", "view")
    return None if everywhere else Supplier.objects.restrict(user, "view").values("pk")


@dataclass
class Path:
    supplier: Supplier
    via: list[str] = field(default_factory=list)  # what the system uses from the supplier, as shown


@dataclass
class Row:
    system: object
    paths: list[Path] = field(default_factory=list)


def paths_for(systems: list, supplier_ids) -> list[Row]:
    """For a page of systems, each supplier (among `supplier_ids`) it depends on and through what: four queries."""
    from aims.inventory.models import SystemComponent, SystemDependency

    ids = [s.pk for s in systems]
    if not ids:
        return []
    everyone = supplier_ids is None
    found: dict[tuple[int, int], list[str]] = {}

    def add(system_id, supplier_id, label):
        labels = found.setdefault((system_id, supplier_id), [])
        if label not in labels:
            labels.append(label)

    for system_id, supplier_id, name, version in SystemComponent.objects.filter(
            system_id__in=ids, component__supplied_by__isnull=False,
            **({} if everyone else {"component__supplied_by__supplier__in": supplier_ids})).values_list(
            "system_id", "component__supplied_by__supplier_id", "component__name",
            "component__version_label").order_by():
        add(system_id, supplier_id, f"{name} {version}".strip())
    for system_id, supplier_id, name, version in SystemDependency.objects.filter(
            system_id__in=ids, dependency__supplied_by__isnull=False,
            **({} if everyone else {"dependency__supplied_by__supplier__in": supplier_ids})).values_list(
            "system_id", "dependency__supplied_by__supplier_id", "dependency__name",
            "dependency__version_label").order_by():
        add(system_id, supplier_id, f"{name} {version}".strip())
    for system_id, supplier_id, component, version, dependency in SystemComponent.objects.filter(
            system_id__in=ids, component__dependency_links__dependency__supplied_by__isnull=False,
            **({} if everyone else {"component__dependency_links__dependency__supplied_by__supplier__in":
                                    supplier_ids})).values_list(
            "system_id", "component__dependency_links__dependency__supplied_by__supplier_id", "component__name",
            "component__version_label", "component__dependency_links__dependency__name").order_by():
        add(system_id, supplier_id, f"{f'{component} {version}'.strip()} → {dependency}")
    suppliers = Supplier.objects.only("legal_name", "status", "criticality").in_bulk({supplier_id for _system, supplier_id in found})
    rows = []
    for system in systems:
        paths = [Path(supplier=suppliers[supplier_id], via=labels)
                 for (system_id, supplier_id), labels in found.items() if system_id == system.pk]
        paths.sort(key=lambda p: (p.supplier.legal_name.lower(), p.supplier.pk))
        rows.append(Row(system=system, paths=paths))
    return rows

