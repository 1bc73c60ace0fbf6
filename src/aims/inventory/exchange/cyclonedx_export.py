"""A CycloneDX 1.6 JSON ML-BOM per AI system: the system as the metadata component, its models, datasets and other
components, its dependency register entries, the model card, and the dependency graph.

The document is built as plain JSON (cyclonedx-python-lib does not model every part of `modelCard`) and is checked
against the official 1.6 schema shipped with that library (`validate_bom`). Fields CycloneDX has no place for travel
as `aims:` properties, so an export imports back without loss.
"""

from __future__ import annotations

import json
import re
import uuid
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from django.utils import timezone

from ..models import AISystem, ComponentDependency, ComponentKind, DependencyKind, ModelCard, SystemComponent, SystemDependency
from . import schema
from .cyclonedx_fields import KEPT_COMPONENT_KEYS, PREFIX, hash_or_url_of, licence_text, provider_of
from .files import Problem

SPEC_VERSION = "1.6"
TYPE_BY_KIND = {
    ComponentKind.MODEL: "machine-learning-model", ComponentKind.DATASET: "data", ComponentKind.PLUGIN: "library",
    ComponentKind.EXTERNAL_API: "application", ComponentKind.SAAS_FEATURE: "application",
    ComponentKind.AUTOMATION: "application", ComponentKind.PROMPT_CONFIG: "file",
}
TYPE_BY_DEPENDENCY_KIND = {
    DependencyKind.LIBRARY: "library", DependencyKind.ENGINE: "framework", DependencyKind.CLOUD_SERVICE: "platform",
    DependencyKind.API: "application", DependencyKind.DATA_FEED: "data",
}
_HASH = re.compile(r"^(md5|sha-?1|sha-?256|sha-?384|sha-?512|sha3-256|sha3-384|sha3-512|blake2b-256|blake2b-384|"
                   r"blake2b-512|blake3)[:=]([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$", re.I)
_URL = re.compile(r"^https?://\S+$")


def _aims_version() -> str:
    try:
        return package_version("aims")
    except PackageNotFoundError:
        return "0"


def _props(**values) -> list[dict]:
    return [{"name": PREFIX + name, "value": str(value)} for name, value in values.items()
            if value not in ("", None, False)]


def _hash_parts(text: str) -> dict:
    match = _HASH.match(text.strip())
    if match:
        alg = match.group(1).upper()
        alg = {"SHA1": "SHA-1", "SHA256": "SHA-256", "SHA384": "SHA-384", "SHA512": "SHA-512"}.get(alg, alg)
        alg = alg.replace("BLAKE2B", "BLAKE2b")
        return {"hashes": [{"alg": alg, "content": match.group(2).lower()}]}
    if _URL.match(text.strip()):
        return {"externalReferences": [{"type": "distribution", "url": text.strip()}]}
    return {}


def _entry(ctype: str, ref: str, item, description: str, provider: str) -> tuple[dict, dict]:
    """The start of a component entry and what its BOM said beyond our fields (`item.cyclonedx`), with the supplier
    as given unless a person changed it since."""
    kept = dict(item.cyclonedx or {})
    entry = {"type": ctype, "bom-ref": ref, "name": item.name}
    if item.version_label:
        entry["version"] = item.version_label
    if description:
        entry["description"] = description
    if provider_of(kept) != provider:
        for key in ("supplier", "manufacturer", "publisher", "author", "authors"):
            kept.pop(key, None)
        if provider:
            entry["supplier"] = {"name": provider}
    return entry, kept


def _give_back(entry: dict, kept: dict, properties: list[dict]) -> dict:
    """The kept parts not already written, then every property (the BOM's own first, ours after)."""
    properties = kept.pop("properties", []) + properties
    for key in KEPT_COMPONENT_KEYS:
        if key in kept and key not in entry:
            entry[key] = kept[key]
    if properties:
        entry["properties"] = properties
    return entry


def _component(component, ref: str) -> dict:
    """The component as CycloneDX: what its BOM said (Component.cyclonedx) given back as it was, with the fields a
    person may have changed since (name, version, supplier, licence, hash or URL) taking precedence."""
    entry, kept = _entry(TYPE_BY_KIND.get(component.kind, "application"), ref, component, component.description,
                         component.provider)
    if licence_text(kept) != component.licence:
        kept.pop("licenses", None)
        if component.licence:
            entry["licenses"] = [{"license": {"name": component.licence}}]
    if hash_or_url_of(kept) != component.hash_or_url:
        kept.pop("hashes", None)
        kept.pop("externalReferences", None)
        if component.hash_or_url:
            entry.update(_hash_parts(component.hash_or_url))
    if component.kind == ComponentKind.DATASET and "data" not in kept:
        data = {"type": "dataset", "name": component.name}
        if component.source and _URL.match(component.source):
            data["contents"] = {"url": component.source}
        if component.contains_personal_data:
            data["sensitiveData"] = ["personal data"]
        entry["data"] = [data]
    return _give_back(entry, kept, _props(
        kind=component.kind, origin=component.origin, task=component.task, architecture=component.architecture,
        hash_or_url=component.hash_or_url, source=component.source, provenance=component.provenance,
        contains_personal_data="true" if component.contains_personal_data else "", quality_notes=component.quality_notes))


def _dependency(dependency, ref: str) -> dict:
    """An entry of the dependency register as CycloneDX: what its BOM said (Dependency.cyclonedx: licences, hashes,
    purl, references...) given back, with the supplier and notes a person may have changed since taking precedence."""
    entry, kept = _entry(TYPE_BY_DEPENDENCY_KIND.get(dependency.kind, "library"), ref, dependency, dependency.notes,
                         dependency.supplier)
    return _give_back(entry, kept, _props(dependency_kind=dependency.kind, end_of_support=dependency.end_of_support,
                                          cost_per_year=dependency.cost_per_year, sla=dependency.sla))


def model_card_json(card: ModelCard, refs: dict[int, str]) -> dict:
    """The ModelCard as a CycloneDX 1.6 `modelCard`; datasets known in the BOM become references."""
    parameters = {}
    if card.approach:
        parameters["approach"] = {"type": card.approach}
    for key, value in (("task", card.task), ("architectureFamily", card.architecture_family),
                       ("modelArchitecture", card.model_architecture)):
        if value:
            parameters[key] = value
    datasets = []
    for entry in card.datasets:
        if entry.get("component_id") in refs:
            datasets.append({"ref": refs[entry["component_id"]]})
        else:
            datasets.append({"type": "dataset", "name": entry.get("name", "")})
    if datasets:
        parameters["datasets"] = datasets
    if card.inputs:
        parameters["inputs"] = [{"format": i["format"]} for i in card.inputs]
    if card.outputs:
        parameters["outputs"] = [{"format": o["format"]} for o in card.outputs]
    metrics = []
    for metric in card.performance_metrics:
        entry = {"type": str(metric["type"])}
        for source, target in (("value", "value"), ("slice", "slice")):
            if metric.get(source) not in (None, ""):
                entry[target] = str(metric[source])
        interval = {target: str(metric[source]) for source, target in (("lower_bound", "lowerBound"),
                                                                       ("upper_bound", "upperBound"))
                    if metric.get(source) not in (None, "")}
        if interval:
            entry["confidenceInterval"] = interval
        metrics.append(entry)
    considerations = {}
    for key, text in (("users", card.users), ("useCases", card.use_cases),
                      ("technicalLimitations", card.technical_limitations),
                      ("performanceTradeoffs", card.performance_tradeoffs)):
        lines = ModelCard.lines(text)
        if lines:
            considerations[key] = lines
    if card.ethical_considerations:
        considerations["ethicalConsiderations"] = [
            {k: v for k, v in (("name", e.get("name", "")), ("mitigationStrategy", e.get("mitigation_strategy", "")))
             if v} for e in card.ethical_considerations]
    kept = card.cyclonedx or {}
    environment = dict(kept.get("environmentalConsiderations") or {})
    if card.environmental_considerations.strip():
        environment["properties"] = environment.get("properties", []) + [
            {"name": PREFIX + "notes", "value": card.environmental_considerations.strip()}]
    if environment:
        considerations["environmentalConsiderations"] = environment
    if card.fairness_assessments:
        considerations["fairnessAssessments"] = [
            {target: f[source] for source, target in (("group_at_risk", "groupAtRisk"), ("benefits", "benefits"),
                                                      ("harms", "harms"), ("mitigation_strategy", "mitigationStrategy"))
             if f.get(source)} for f in card.fairness_assessments]
    result = {"bom-ref": kept["bom-ref"]} if kept.get("bom-ref") else {}
    if parameters:
        result["modelParameters"] = parameters
    if metrics or kept.get("graphics"):
        result["quantitativeAnalysis"] = {"performanceMetrics": metrics} if metrics else {}
        if kept.get("graphics"):
            result["quantitativeAnalysis"]["graphics"] = kept["graphics"]
    if considerations:
        result["considerations"] = considerations
    if kept.get("properties"):
        result["properties"] = kept["properties"]
    return result


def system_bom(system: AISystem) -> dict:
    """The CycloneDX 1.6 document of one system (the caller has checked the reader may view it)."""
    system_ref = f"aims-system-{system.pk}"
    links = list(SystemComponent.objects.filter(system=system).select_related("component")
                 .order_by("component__kind", "component__name", "component_id"))
    components = [link.component for link in links]
    component_refs = {c.pk: f"aims-component-{c.pk}" for c in components}
    system_deps = list(SystemDependency.objects.filter(system=system).select_related("dependency"))
    component_deps = list(ComponentDependency.objects.filter(component__in=components).select_related("dependency"))
    dependencies = {link.dependency.pk: link.dependency for link in system_deps + component_deps}
    dependency_refs = {pk: f"aims-dependency-{pk}" for pk in dependencies}
    cards = {card.component_id: card for card in ModelCard.objects.filter(system=system)}

    metadata_component = {"type": "application", "bom-ref": system_ref, "name": system.name}
    if system.purpose:
        metadata_component["description"] = system.purpose
    metadata_component["properties"] = _props(
        reference_code=system.reference_code, stage=system.stage, criticality=system.criticality,
        ai_act_tier=system.ai_act_tier, ai_act_role=system.ai_act_role, intended_use=system.intended_use)

    # Each model carries its own card (CycloneDX's modelCard is per machine-learning-model component); a card of the
    # system as a whole goes on the metadata component, which is then the model.
    entries = []
    for component in components:
        entry = _component(component, component_refs[component.pk])
        if component.kind == ComponentKind.MODEL and component.pk in cards:
            entry["modelCard"] = model_card_json(cards[component.pk], component_refs)
        entries.append(entry)
    if None in cards:
        if not any(c.kind == ComponentKind.MODEL for c in components):
            metadata_component["type"] = "machine-learning-model"
        metadata_component["modelCard"] = model_card_json(cards[None], component_refs)
    entries.extend(_dependency(dependency, dependency_refs[pk]) for pk, dependency in sorted(dependencies.items()))

    graph = [{"ref": system_ref, "dependsOn": [component_refs[c.pk] for c in components]
              + [dependency_refs[link.dependency_id] for link in system_deps]}]
    by_component: dict[int, list[str]] = {}
    for link in component_deps:
        by_component.setdefault(link.component_id, []).append(dependency_refs[link.dependency_id])
    for holder, card in cards.items():  # a model depends on the datasets its own card names
        if holder in component_refs:
            by_component.setdefault(holder, []).extend(
                component_refs[d["component_id"]] for d in card.datasets if d.get("component_id") in component_refs)
    for component in components:
        graph.append({"ref": component_refs[component.pk],
                      "dependsOn": sorted(set(by_component.get(component.pk, [])))})
    graph.extend({"ref": dependency_refs[pk], "dependsOn": []} for pk in sorted(dependencies))
    for node in graph:
        if not node["dependsOn"]:
            del node["dependsOn"]
        else:
            node["dependsOn"] = list(dict.fromkeys(node["dependsOn"]))

    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "tools": {"components": [{"type": "application", "name": "AIMS", "version": _aims_version()}]},
            "component": metadata_component,
        },
        "components": entries,
        "dependencies": graph,
    }


def system_bom_json(system: AISystem) -> str:
    return json.dumps(system_bom(system), indent=2, ensure_ascii=False) + "\n"


def validate_bom(text: str, version: str = SPEC_VERSION) -> list[Problem]:
    """Problems found by the official CycloneDX JSON schema of `version` (compiled validator); empty when valid."""
    return schema.schema_problems(json.loads(text), version)
