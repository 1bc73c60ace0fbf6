"""Which risks to propose for a system, from the catalogue rules (catalogs/risks/suggestion-rules.yaml).

The rules read these AISystem characteristics: name, purpose and intended use (keywords), the kinds and tasks of
its components, its EU AI Act tier, personal and special-category data, external exposure, autonomy, criticality,
deployment mode, and whether any component comes from a supplier.
"""

from __future__ import annotations

from . import catalogs


def system_characteristics(system) -> dict:
    """What the rules may test, read from the system and its components (one query for the components)."""
    links = list(system.component_links.values_list("component__kind", "component__task", "component__origin"))
    texts = [system.name, system.purpose, system.intended_use, *(task for _kind, task, _origin in links)]
    return {
        "text": " ".join(t for t in texts if t).lower(),
        "component_kinds": {kind for kind, _task, _origin in links},
        "uses_supplier_components": any(origin == "supplier" for _kind, _task, origin in links),
        "ai_act_tier": system.ai_act_tier,
        "personal_data": system.personal_data,
        "special_category_data": system.special_category_data,
        "external_exposure": system.external_exposure,
        "autonomy": system.autonomy,
        "criticality": system.criticality,
        "deployment_mode": system.deployment_mode,
    }


def _holds(condition: str, expected, traits: dict) -> bool:
    if condition == "text_any":
        return any(str(word).lower() in traits["text"] for word in expected)
    if condition == "component_kinds_any":
        return bool(traits["component_kinds"] & set(expected))
    if condition not in traits:
        return False  # an unknown characteristic never matches, rather than matching everything
    return traits[condition] in expected if isinstance(expected, list) else traits[condition] == expected


def matching_suggestions(traits: dict, rules=None) -> list[dict]:
    """The suggestions of every rule whose conditions all hold, each key once, with the rule that proposed it."""
    found: dict[str, dict] = {}
    for rule in rules if rules is not None else catalogs.suggestion_rules():
        if all(_holds(condition, expected, traits) for condition, expected in rule["when"].items()):
            for item in rule["suggest"]:
                found.setdefault(item["key"], {**item, "rule": rule["key"]})
    return list(found.values())


def suggest_risks(system) -> list[dict]:
    """The suggestions the catalogue rules make for `system` (not yet recorded: see services.refresh_suggestions)."""
    return matching_suggestions(system_characteristics(system))
