"""Reads shared by the compliance pages and the API: cross-mapped requirements and the controls that satisfy a
requirement directly or through a mapping, each in a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from .models import Requirement, RequirementMapping


def mapped_requirements(ids: list[int]) -> dict[int, list[Requirement]]:
    """requirement id -> the current requirements mapped to it (either direction), with their framework. Two queries."""
    if not ids:
        return {}
    pairs = list(RequirementMapping.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids))
                 .values_list("source_id", "target_id"))
    wanted = set(ids)
    links: dict[int, set[int]] = defaultdict(set)
    for source, target in pairs:
        if source in wanted:
            links[source].add(target)
        if target in wanted:
            links[target].add(source)
    others = {pk for targets in links.values() for pk in targets}
    found = {r.pk: r for r in Requirement.objects.filter(pk__in=others, is_active=True).select_related("framework")}
    return {pk: sorted((found[t] for t in targets if t in found),
                       key=lambda r: (r.framework.position, r.framework_id, r.position))
            for pk, targets in links.items()}


def controls_by_requirement(user, ids: list[int], mapped: dict[int, list[Requirement]]) -> dict[int, tuple[list, list]]:
    """requirement id -> (controls linked to it, [(control, the mapped requirement it is linked to)]), only the
    controls `user` may see. Empty until the controls module part is loaded (see compliance.models.controls)."""
    try:
        from .models import Control
    except ImportError:
        return {}
    related = set(ids) | {r.pk for targets in mapped.values() for r in targets}
    links = defaultdict(list)
    through = Control.requirements.through
    for control_id, requirement_id in through.objects.filter(requirement_id__in=related).values_list(
            "control_id", "requirement_id"):
        links[requirement_id].append(control_id)
    control_ids = {c for cs in links.values() for c in cs}
    controls = {c.pk: c for c in Control.objects.restrict(user, "view").filter(pk__in=control_ids)}
    requirement_by_id = {r.pk: r for targets in mapped.values() for r in targets}
    result = {}
    for pk in ids:
        direct = [controls[c] for c in links.get(pk, []) if c in controls]
        direct_ids = {c.pk for c in direct}
        via = []
        for other in mapped.get(pk, []):
            for c in links.get(other.pk, []):
                if c in controls and c not in direct_ids:
                    via.append((controls[c], requirement_by_id.get(other.pk, other)))
        result[pk] = (sorted(direct, key=lambda c: c.reference), sorted(via, key=lambda cv: cv[0].reference))
    return result


def requirement_extras(user, requirement) -> dict:
    """What other parts of the module add to a requirement's page (filled as they are built)."""
    return {}
