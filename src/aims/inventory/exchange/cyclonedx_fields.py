"""How CycloneDX fields map to the inventory's, both ways: the import reads components, dependencies and model cards
with these functions, and the export writes the same properties, so a BOM exported by AIMS imports back unchanged."""

from __future__ import annotations

from ..models import ComponentKind, DependencyKind, LearningApproach, ModelCard, Origin

PREFIX = "aims:"  # our property namespace: exports carry the fields CycloneDX has no place for

KIND_BY_TYPE = {"machine-learning-model": ComponentKind.MODEL, "data": ComponentKind.DATASET}
DEPENDENCY_KIND_BY_TYPE = {"library": DependencyKind.LIBRARY, "framework": DependencyKind.ENGINE,
                           "platform": DependencyKind.CLOUD_SERVICE}
BOOLEAN_FIELDS = {"contains_personal_data"}
COMPONENT_PROPERTY_FIELDS = {"origin", "task", "architecture", "hash_or_url", "source", "provenance",
                             "contains_personal_data", "quality_notes", "licence", "description"}
DEPENDENCY_PROPERTY_FIELDS = {"end_of_support", "cost_per_year", "sla", "notes"}


def aims_properties(component: dict) -> dict[str, str]:
    return {p["name"][len(PREFIX):]: p.get("value", "") for p in component.get("properties", [])
            if p.get("name", "").startswith(PREFIX)}


def provider_of(component: dict) -> str:
    for entity in (component.get("supplier"), component.get("manufacturer")):
        if isinstance(entity, dict) and entity.get("name"):
            return entity["name"]
    if component.get("publisher"):
        return component["publisher"]
    if component.get("author"):
        return component["author"]
    authors = component.get("authors") or []
    return authors[0].get("name", "") if authors else ""


def licence_text(component: dict) -> str:
    """Every licence of the component, as a person reads them (SPDX ids, names, expressions), comma-separated; the
    entries themselves (with their URLs) are kept in Component.cyclonedx."""
    names = []
    for choice in component.get("licenses") or []:
        if "expression" in choice:
            names.append(choice["expression"])
            continue
        licence = choice.get("license") or {}
        if licence.get("id") or licence.get("name"):
            names.append(licence.get("id") or licence.get("name"))
    return ", ".join(dict.fromkeys(names))


# What a component says beyond the Component fields, kept as given (Component.cyclonedx) and given back on export.
KEPT_COMPONENT_KEYS = ("group", "purl", "cpe", "swid", "omniborId", "swhid", "scope", "copyright", "mime-type",
                       "supplier", "manufacturer", "publisher", "author", "authors", "licenses", "hashes",
                       "externalReferences", "tags", "data", "pedigree", "evidence", "releaseNotes",
                       "cryptoProperties", "modified", "properties")
# The keys of a component the import reads into fields (or walks, for nested components and model cards).
READ_COMPONENT_KEYS = ("type", "bom-ref", "name", "version", "description", "components", "modelCard")
# Parts of a BOM the product does not hold: each present one is a warning, never dropped silently.
UNKEPT_DOCUMENT_KEYS = ("services", "compositions", "vulnerabilities", "annotations", "formulation", "declarations",
                        "definitions", "externalReferences", "properties", "signature")
UNKEPT_METADATA_KEYS = ("authors", "supplier", "manufacturer", "manufacture", "licenses", "lifecycles", "properties")


KNOWN_COMPONENT_KEYS = frozenset(KEPT_COMPONENT_KEYS + READ_COMPONENT_KEYS)


def kept_details(component: dict) -> dict:
    kept = {key: component[key] for key in KEPT_COMPONENT_KEYS if key in component}
    properties = [p for p in kept.pop("properties", []) if not str(p.get("name", "")).startswith(PREFIX)]
    if properties:
        kept["properties"] = properties
    return kept


def hash_or_url_of(component: dict) -> str:
    for digest in component.get("hashes", []):
        return f"{digest['alg']}:{digest['content']}"
    for reference in component.get("externalReferences", []):
        if reference.get("type") in ("distribution", "website", "vcs", "model-card"):
            return reference["url"]
    return ""


def component_fields(component: dict, kind: str, props: dict) -> dict:
    provider = provider_of(component)
    fields = {"name": component["name"], "version_label": component.get("version", ""), "provider": provider,
              "licence": licence_text(component), "description": component.get("description", ""),
              "hash_or_url": hash_or_url_of(component),
              "origin": Origin.SUPPLIER if provider else Origin.IN_HOUSE}
    card = component.get("modelCard") or {}
    parameters = card.get("modelParameters", {})
    if kind == ComponentKind.MODEL:
        fields["task"] = parameters.get("task", "")
        fields["architecture"] = parameters.get("modelArchitecture") or parameters.get("architectureFamily", "")
    for data in component.get("data", []):
        url = (data.get("contents") or {}).get("url")
        if url:
            fields.setdefault("source", url)
        if data.get("sensitiveData"):
            fields["contains_personal_data"] = True
    for name, value in props.items():
        if name in COMPONENT_PROPERTY_FIELDS:
            fields[name] = value.strip().lower() in ("true", "yes", "1") if name in BOOLEAN_FIELDS else value
    fields["cyclonedx"] = kept_details(component)
    return fields


def dependency_fields(component: dict, props: dict) -> dict:
    fields = {"name": component["name"], "version_label": component.get("version", ""),
              "supplier": provider_of(component), "notes": component.get("description", "")}
    for name, value in props.items():
        if name in DEPENDENCY_PROPERTY_FIELDS and value:
            fields[name] = value
    fields["cyclonedx"] = kept_details(component)
    return fields


def lines_of(values) -> str:
    return "\n".join(str(v).strip() for v in values or [] if str(v).strip())


def model_card_changes(card: dict) -> dict:
    """The parts a CycloneDX modelCard states, as ModelCard field values (datasets keep their bom "ref" until the
    components exist). A part the card does not state is absent: a later, shorter BOM never blanks what an earlier
    one (or a person) wrote."""
    parameters = card.get("modelParameters") or {}
    analysis = card.get("quantitativeAnalysis") or {}
    considerations = card.get("considerations") or {}
    changes: dict = {}
    if "approach" in parameters:
        approach = (parameters.get("approach") or {}).get("type", "")
        changes["approach"] = approach if approach in LearningApproach.values else ""
    for source, target in (("task", "task"), ("architectureFamily", "architecture_family"),
                           ("modelArchitecture", "model_architecture")):
        if source in parameters:
            changes[target] = parameters.get(source) or ""
    if "datasets" in parameters:
        changes["datasets"] = [{"ref": entry["ref"]} if "ref" in entry else
                               {"name": entry.get("name") or entry.get("type", "dataset"),
                                "description": entry.get("description", "")}
                               for entry in parameters.get("datasets") or []]
    for source, target in (("inputs", "inputs"), ("outputs", "outputs")):
        if source in parameters:
            changes[target] = [{"format": i["format"]} for i in parameters.get(source) or [] if i.get("format")]
    if "performanceMetrics" in analysis:
        metrics = []
        for metric in analysis.get("performanceMetrics") or []:
            if not metric.get("type"):
                continue
            interval = metric.get("confidenceInterval") or {}
            entry = {"type": metric["type"], "value": metric.get("value", ""), "slice": metric.get("slice", ""),
                     "lower_bound": interval.get("lowerBound", ""), "upper_bound": interval.get("upperBound", "")}
            metrics.append({k: v for k, v in entry.items() if v != ""})
        changes["performance_metrics"] = metrics
    for source, target in (("users", "users"), ("useCases", "use_cases"),
                           ("technicalLimitations", "technical_limitations"),
                           ("performanceTradeoffs", "performance_tradeoffs")):
        if source in considerations:
            changes[target] = lines_of(considerations.get(source))
    if "ethicalConsiderations" in considerations:
        changes["ethical_considerations"] = [
            {k: v for k, v in (("name", e.get("name", "")), ("mitigation_strategy", e.get("mitigationStrategy", "")))
             if v} for e in considerations.get("ethicalConsiderations") or [] if e.get("name")]
    if "fairnessAssessments" in considerations:
        changes["fairness_assessments"] = [
            {k: v for k, v in (("group_at_risk", f.get("groupAtRisk", "")), ("benefits", f.get("benefits", "")),
                               ("harms", f.get("harms", "")), ("mitigation_strategy", f.get("mitigationStrategy", "")))
             if v} for f in considerations.get("fairnessAssessments") or [] if f.get("groupAtRisk")]
    if "environmentalConsiderations" in considerations:
        environment = considerations.get("environmentalConsiderations") or {}
        changes["environmental_considerations"] = lines_of(p.get("value") for p in environment.get("properties", [])
                                                         if p.get("name") == PREFIX + "notes")
    kept = {}
    if card.get("bom-ref"):
        kept["bom-ref"] = card["bom-ref"]
    environment = dict(considerations.get("environmentalConsiderations") or {})
    environment["properties"] = [p for p in environment.get("properties", []) if p.get("name") != PREFIX + "notes"]
    environment = {k: v for k, v in environment.items() if v}
    if environment:  # energy consumptions and other measures, kept as given
        kept["environmentalConsiderations"] = environment
    if analysis.get("graphics"):
        kept["graphics"] = analysis["graphics"]
    if card.get("properties"):
        kept["properties"] = card["properties"]
    if kept:
        changes["cyclonedx"] = kept
    return changes


def card_diff(existing, changes: dict) -> list[dict]:
    """Field by field, what importing `changes` would change on `existing` (a ModelCard or None): [{field, label,
    before, after}]. Dataset references not resolved yet count as a change."""
    rows = []
    for name, after in changes.items():
        before = getattr(existing, name) if existing is not None else ModelCard._meta.get_field(name).get_default()
        if before != after:
            rows.append({"field": name, "label": str(ModelCard._meta.get_field(name).verbose_name),
                         "before": shown_value(before), "after": shown_value(after)})
    return rows


def shown_value(value) -> str:
    if isinstance(value, list):
        return "; ".join(", ".join(f"{v}" for v in entry.values()) if isinstance(entry, dict) else str(entry)
                         for entry in value) or "—"
    return str(value).replace("\n", " / ") or "—"


def walk(components: list, path: str):
    for index, component in enumerate(components or []):
        here = f"{path}[{index}]"
        yield here, component
        yield from walk(component.get("components"), f"{here}.components")
