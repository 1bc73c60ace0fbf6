"""Read-side helpers: impact analysis both ways and the combined history of a system. All scoped by the reader."""

from __future__ import annotations

from django.db.models import Q

from aims.core.models import LedgerEvent

from .models import (
    AISystem, ChangeApproval, ChangeDecision, Classification, Component, Dependency, GateOverride, ModelCard,
    OwnerApproval, Playbook, SystemComponent, SystemDependency, DecisionLogEntry,
)


def dependents_of(user, dependency: Dependency) -> dict:
    """What depends on `dependency`: components resting on it, and systems resting on it directly or through one."""
    components = Component.objects.restrict(user, "view").filter(dependency_links__dependency=dependency).distinct()
    systems = (AISystem.objects.restrict(user, "view")
               .filter(Q(dependency_links__dependency=dependency)
                       | Q(component_links__component__dependency_links__dependency=dependency))
               .distinct())
    return {"components": components, "systems": systems}


def systems_using_component(user, component: Component):
    return AISystem.objects.restrict(user, "view").filter(component_links__component=component).distinct()


def foundations_of(user, system: AISystem) -> dict:
    """What `system` rests on: its components, and every dependency, direct or through a component."""
    components = Component.objects.restrict(user, "view").filter(system_links__system=system).distinct()
    dependencies = (Dependency.objects.restrict(user, "view")
                    .filter(Q(system_links__system=system) | Q(component_links__component__system_links__system=system))
                    .distinct())
    return {"components": components, "dependencies": dependencies}


# Child objects whose ledger events belong in a system's history, with the lookup from each to the system.
_SYSTEM_CHILDREN = (
    (Classification, "system"), (OwnerApproval, "system"), (GateOverride, "system"), (ChangeDecision, "system"),
    (ChangeApproval, "decision__system"), (ModelCard, "system"), (DecisionLogEntry, "system"), (Playbook, "system"),
    (SystemComponent, "system"), (SystemDependency, "system"),
)


def system_history(system: AISystem):
    """Ledger events about the system and everything that hangs off it, newest first (for the history panel).

    Deleted links keep their events: they are found by the system id recorded in the event itself.
    """
    condition = Q(object_type="inventory.aisystem", object_id=str(system.pk))
    for model, path in _SYSTEM_CHILDREN:
        object_type = f"inventory.{model._meta.model_name}"
        ids = [str(pk) for pk in model.objects.filter(**{path: system}).values_list("pk", flat=True)]
        condition |= Q(object_type=object_type, object_id__in=ids)
        if path == "system":
            # Deleted rows: their snapshot held system_id.
            condition |= Q(object_type=object_type, action=f"{object_type}.delete",
                           before__contains=f'"system_id":{system.pk},')
            condition |= Q(object_type=object_type, action=f"{object_type}.delete",
                           before__endswith=f'"system_id":{system.pk}}}')
    return LedgerEvent.objects.filter(condition).order_by("-id")
