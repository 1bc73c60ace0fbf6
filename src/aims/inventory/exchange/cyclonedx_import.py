"""CycloneDX JSON (1.5, 1.6, 1.7) into the inventory: `machine-learning-model` and `data` components become model and
dataset Components, libraries/frameworks/platforms go to the dependency register, the `dependencies` graph becomes
links, and a model's `modelCard` becomes the chosen system's ModelCard.

The document is checked first (JSON syntax with line and column, then the official schema of its declared
specVersion with the failing JSON path); the plan matches existing components in bulk; `apply_bom` re-reads the
bytes and applies everything through the inventory services in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aims.core.permissions import ADD, CHANGE, can_in_unit

from .. import services
from ..models import (
    AISystem, Component, ComponentDependency, ComponentKind, Dependency, DependencyKind, ModelCard, SystemComponent,
    SystemDependency,
)
from . import schema
from .cyclonedx_fields import (
    DEPENDENCY_KIND_BY_TYPE, KIND_BY_TYPE, KNOWN_COMPONENT_KEYS, UNKEPT_DOCUMENT_KEYS, UNKEPT_METADATA_KEYS,
    aims_properties, card_diff, component_fields, dependency_fields, model_card_changes, shown_value, walk,
)
from .files import MAX_PROBLEMS, ImportFileError, Problem, check_size, decode_text

SUPPORTED_VERSIONS = ("1.5", "1.6", "1.7")
MAX_COMPONENTS = 50_000
# A BOM is checked in linear time (schema.py), so it may be larger than a spreadsheet; the web form's own upload limit
# (AIMS_MAX_BODY_BYTES) still applies to uploads.
MAX_BYTES = 64 * 1024 * 1024
@dataclass
class BomItem:
    ref: str
    path: str  # JSON path of the component, for messages
    target: str  # "component" or "dependency"
    kind: str
    fields: dict
    existing: Component | Dependency | None = None
    card: dict | None = None  # the raw modelCard, for models
    stated: frozenset = frozenset()  # the fields the document states (a later BOM never blanks the others)
    refresh: dict = field(default_factory=dict)  # known item: the stated fields that differ, as they would be stored
    diff: list[dict] = field(default_factory=list)  # known item: [{field, label, before, after}]

    @property
    def kind_label(self) -> str:
        """The kind in the reader's language ("Model", "Jeu de données"); the code stays in `kind`."""
        kinds = ComponentKind if self.target == "component" else DependencyKind
        return kinds(self.kind).label if self.kind in kinds.values else self.kind

    @property
    def key(self) -> tuple:
        provider = self.fields.get("provider" if self.target == "component" else "supplier", "")
        return (self.target, self.kind, self.fields["name"], self.fields.get("version_label", ""), provider)


@dataclass
class CardPlan:
    """A model card of the document: the model it belongs to (None: the system as a whole), the fields it states
    (datasets hold "ref" until applied) and, field by field, what it would change on the current card."""
    item: BomItem | None
    source: str
    changes: dict
    diff: list[dict] = field(default_factory=list)  # [{field, label, before, after}]
    exists: bool = False


@dataclass
class BomPlan:
    filename: str
    spec_version: str = ""
    system: AISystem | None = None
    unit: object = None
    items: list[BomItem] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)  # (from ref, to ref); "" is the system itself
    cards: list[CardPlan] = field(default_factory=list)  # one per model card the document holds
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ref_map: dict[str, BomItem] = field(default_factory=dict)  # bom-ref -> item

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict:
        new = [i for i in self.items if i.existing is None]
        return {"spec_version": self.spec_version, "system": self.system.reference_code if self.system else "",
                "components_to_create": sum(1 for i in new if i.target == "component"),
                "dependencies_to_create": sum(1 for i in new if i.target == "dependency"),
                "already_known": len(self.items) - len(new),
                "components_to_refresh": sum(1 for i in self.items if i.refresh), "model_card": bool(self.cards),
                "model_cards": len(self.cards), "model_card_changes": sum(len(c.diff) for c in self.cards),
                "errors": len(self.problems), "warnings": len(self.warnings)}


# --- Reading and schema validation -----------------------------------------------------------------------------

def load_document(data: bytes) -> tuple[dict, str]:
    """The parsed BOM and its specVersion, or ImportFileError saying precisely what is wrong (every schema problem,
    at its JSON path, the common ones in plain words)."""
    check_size(data, MAX_BYTES)
    text = decode_text(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(schema.syntax_problem(text, error)) from None
    if not isinstance(document, dict):
        raise ImportFileError(Problem(_("A CycloneDX document is a JSON object."), path="$"))
    if document.get("bomFormat") != "CycloneDX":
        raise ImportFileError(Problem(_("This is not a CycloneDX document (bomFormat must be “CycloneDX”)."),
                                      path="$.bomFormat"))
    version = document.get("specVersion")
    if version not in SUPPORTED_VERSIONS:
        raise ImportFileError(Problem(_("CycloneDX version %(version)s is not supported; use %(supported)s.")
                                      % {"version": version, "supported": ", ".join(SUPPORTED_VERSIONS)},
                                      path="$.specVersion"))
    problems = schema.schema_problems(document, version)
    if problems:
        raise ImportFileError(problems)
    return document, version



def _system_of(actor, metadata_component: dict, plan: "BomPlan") -> AISystem | None:
    """The system the document describes (metadata.component): by our reference code when the BOM came from AIMS,
    else by its exact name when exactly one visible system has it."""
    visible_systems = AISystem.objects.restrict(actor, "view")
    reference = aims_properties(metadata_component).get("reference_code")
    if reference:
        found = visible_systems.filter(reference_code=reference).first()
        if found is not None:
            return found
    name = (metadata_component.get("name") or "").strip()
    if name:
        named = list(visible_systems.filter(name=name)[:2])
        if len(named) == 1:
            plan.warnings.append(_("The document describes “%(name)s” (metadata.component): imported into %(system)s, "
                                   "the AI system of that name.") % {"name": name, "system": named[0]})
            return named[0]
    return None


# --- Planning --------------------------------------------------------------------------------------------------

KEY_FIELDS = frozenset({"name", "version_label", "provider", "supplier"})


def _stated(fields: dict, props: dict) -> frozenset:
    """The fields a component of the document states: those with a value, the natural key aside, and the origin only
    when our own property gives it (otherwise it is inferred from the supplier, not stated)."""
    return frozenset(name for name, value in fields.items()
                     if value not in ("", None, {}, [], False) and name not in KEY_FIELDS
                     and (name != "origin" or "origin" in props))


def _refresh(item: BomItem) -> tuple[dict, list[dict]]:
    """For a component or dependency already in the inventory: the stated fields that differ from it (as they would
    be stored; the BOM's kept details merged key by key over the current ones) and the rows showing the difference."""
    existing, changes, rows = item.existing, {}, []
    for name in sorted(item.stated):
        model_field = type(existing)._meta.get_field(name)
        before = getattr(existing, name)
        if name == "cyclonedx":
            after = {**(before or {}), **item.fields[name]}
            for key in sorted(k for k in after if (before or {}).get(k) != after[k]):
                rows.append({"field": f"cyclonedx.{key}", "label": f"CycloneDX {key}",
                             "before": _compact((before or {}).get(key)), "after": _compact(after[key])})
        else:
            try:
                after = model_field.to_python(item.fields[name])
            except ValidationError:
                continue  # the row check reports it when the item is created; a known item keeps its value
            if before != after:
                rows.append({"field": name, "label": str(model_field.verbose_name), "before": shown_value(before),
                             "after": shown_value(after)})
        if before != after:
            changes[name] = after
    return changes, rows


def _compact(value) -> str:
    if value is None:
        return "—"
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= 160 else text[:159] + "…"

def _check_lengths(item: BomItem, plan: BomPlan) -> None:
    model = Component if item.target == "component" else Dependency
    for name, value in item.fields.items():
        model_field = model._meta.get_field(name)
        max_length = getattr(model_field, "max_length", None)
        if max_length and isinstance(value, str) and len(value) > max_length:
            plan.problems.append(Problem(_("“%(field)s” is limited to %(max)s characters.")
                                         % {"field": model_field.verbose_name, "max": max_length}, path=item.path))


def plan_bom(*, actor, data: bytes, filename: str, system: AISystem | None = None, unit=None) -> BomPlan:
    """Check a CycloneDX document and work out what importing it would do, without changing anything."""
    document, version = load_document(data)
    plan = BomPlan(filename=filename, spec_version=version)
    metadata_component = (document.get("metadata") or {}).get("component") or {}
    if system is None:
        system = _system_of(actor, metadata_component, plan)
    plan.system = system
    if system is not None:
        if not AISystem.objects.restrict(actor, CHANGE).filter(pk=system.pk).exists():
            raise PermissionDenied(_("You may not change this AI system."))
        if system.is_frozen:
            raise ImportFileError(_("%(system)s is retired and read-only.") % {"system": system})
    plan.unit = unit if unit is not None else (system.unit if system is not None else None)

    for key in UNKEPT_DOCUMENT_KEYS:
        if document.get(key):
            plan.warnings.append(_("$.%(key)s: the product does not keep this part of the document; it is not "
                                   "imported.") % {"key": key})
    for key in UNKEPT_METADATA_KEYS:
        if (document.get("metadata") or {}).get(key):
            plan.warnings.append(_("$.metadata.%(key)s: the product does not keep this part of the document; it is "
                                   "not imported.") % {"key": key})
    system_ref = metadata_component.get("bom-ref", "")
    by_key: dict[tuple, BomItem] = {}
    ref_map: dict[str, BomItem] = {}
    skipped_refs = set()
    cards = []
    if metadata_component.get("modelCard"):
        cards.append(("$.metadata.component", metadata_component.get("name", ""), metadata_component["modelCard"],
                      None))
    walked = list(walk(document.get("components"), "$.components"))
    if len(walked) > MAX_COMPONENTS:
        raise ImportFileError(_("The document has more than %(max)s components; split it.") % {"max": MAX_COMPONENTS})
    unkept: dict[str, list[str]] = {}  # key -> paths of the components stating it
    for path, component in walked:
        for key in component.keys() - KNOWN_COMPONENT_KEYS:
            unkept.setdefault(key, []).append(path)
        props = aims_properties(component)
        ctype = component.get("type")
        if props.get("kind") in ComponentKind.values:
            target, kind = "component", props["kind"]
        elif props.get("dependency_kind") in DependencyKind.values:
            target, kind = "dependency", props["dependency_kind"]
        elif ctype in KIND_BY_TYPE:
            target, kind = "component", KIND_BY_TYPE[ctype]
        elif ctype in DEPENDENCY_KIND_BY_TYPE:
            target, kind = "dependency", DEPENDENCY_KIND_BY_TYPE[ctype]
        else:
            plan.warnings.append(_("%(path)s (%(name)s): components of type “%(type)s” are not inventoried; skipped.")
                                 % {"path": path, "name": component.get("name"), "type": ctype})
            skipped_refs.add(component.get("bom-ref", ""))
            continue
        fields = (component_fields(component, kind, props) if target == "component"
                  else dependency_fields(component, props))
        item = BomItem(ref=component.get("bom-ref", ""), path=path, target=target, kind=kind, fields=fields,
                       stated=_stated(fields, props))
        item = by_key.setdefault(item.key, item)  # the same component listed twice is one component
        if component.get("bom-ref"):
            ref_map[component["bom-ref"]] = item
        if component.get("modelCard"):
            if target == "component" and kind == ComponentKind.MODEL:
                cards.append((path, component["name"], component["modelCard"], item))
            else:
                plan.warnings.append(_("%(path)s (%(name)s): only models keep a model card; this one is not "
                                       "imported.") % {"path": path, "name": component.get("name")})
    for key, paths in sorted(unkept.items()):  # one warning per key, naming the first component that states it
        if len(paths) == 1:
            message = _("%(path)s: the product does not keep “%(key)s”; it is not imported.")
        else:
            message = ngettext(
                "%(path)s and %(more)s other component: the product does not keep “%(key)s”; it is not imported.",
                "%(path)s and %(more)s other components: the product does not keep “%(key)s”; it is not imported.",
                len(paths) - 1)
        plan.warnings.append(message % {"path": paths[0], "more": len(paths) - 1, "key": key})
    plan.items = list(by_key.values())
    for item in plan.items:
        _check_lengths(item, plan)

    # Existing components and dependencies, matched by their natural key in two queries.
    names = {i.fields["name"] for i in plan.items}
    known = {("component", c.kind, c.name, c.version_label, c.provider): c
             for c in Component.objects.filter(name__in=names)}
    known.update({("dependency", d.kind, d.name, d.version_label, d.supplier): d
                  for d in Dependency.objects.filter(name__in=names)})
    for item in plan.items:
        item.existing = known.get(item.key)
        if item.existing is not None:
            item.refresh, item.diff = _refresh(item)
    if any(i.existing is None for i in plan.items) and not can_in_unit(actor, ADD, "inventory", plan.unit):
        plan.problems.append(Problem(_("You may not add components to the inventory here (choose a system in a unit "
                                       "where you may add to the inventory).")))

    for index, entry in enumerate(document.get("dependencies", [])):
        source = entry["ref"]
        if source != system_ref and source not in ref_map:
            if source not in skipped_refs:
                plan.warnings.append(_("$.dependencies[%(i)s]: “%(ref)s” is not a component of this document; "
                                       "ignored.") % {"i": index, "ref": source})
            continue
        for position, target_ref in enumerate(entry.get("dependsOn", [])):
            if target_ref in ref_map:
                plan.edges.append(("" if source == system_ref else source, target_ref))
            elif target_ref not in skipped_refs:
                plan.warnings.append(_("$.dependencies[%(i)s].dependsOn[%(j)s]: “%(ref)s” is not a component of this "
                                       "document; ignored.") % {"i": index, "j": position, "ref": target_ref})

    plan.ref_map = ref_map
    if cards and system is None:
        for _path, name, _card, _item in cards:
            plan.warnings.append(_("The model card of “%(name)s” is not imported: no AI system was found for "
                                   "“%(described)s” (the document's metadata.component). Choose the system it "
                                   "documents (on the command line: --system REF), or register it first.")
                                 % {"name": name, "described": metadata_component.get("name") or "?"})
    elif cards:
        current_cards = {card.component_id: card for card in ModelCard.objects.filter(system=system)}
        known = {id(i): i.existing for i in ref_map.values() if i.existing is not None}
        for _path, name, card, item in cards:  # one card per model component, and the system's own
            changes = model_card_changes(card)
            for entry in changes.get("datasets", []):
                if "ref" in entry and entry["ref"] not in ref_map:
                    plan.warnings.append(_("The model card of “%(name)s” names dataset “%(ref)s”, which is not a "
                                           "component of this document.") % {"name": name, "ref": entry["ref"]})
            holder = None if item is None else item.existing
            current = current_cards.get(None) if item is None else (current_cards.get(holder.pk) if holder else None)
            resolved = dict(changes)
            if "datasets" in resolved:  # known datasets compare as they would be stored
                resolved["datasets"] = [_dataset_entry(entry, plan, known) for entry in resolved["datasets"]]
            plan.cards.append(CardPlan(item=item, source=name, changes=changes, diff=card_diff(current, resolved),
                                       exists=current is not None))
    del plan.problems[MAX_PROBLEMS:]
    return plan


# --- Applying --------------------------------------------------------------------------------------------------

@dataclass
class BomResult:
    plan: BomPlan
    applied: bool
    created_components: int = 0
    created_dependencies: int = 0
    links: int = 0
    model_cards: int = 0  # cards created or changed
    refreshed: int = 0  # known components and dependencies refreshed from the document (refresh=True)
    imported: list = field(default_factory=list)  # applied: (BomItem, its Component or Dependency), document order

    @property
    def model_card(self) -> bool:
        return bool(self.model_cards)
    problems: list[Problem] = field(default_factory=list)


def _service_problems(error: Exception, path: str = "") -> list[Problem]:
    if isinstance(error, PermissionDenied):
        return [Problem(str(error) or _("You are not allowed to do this."), path=path)]
    return [Problem(f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages), path=path)
            for name, messages in (error.message_dict.items() if hasattr(error, "error_dict")
                                   else [("__all__", error.messages)])]


def apply_bom(*, actor, data: bytes, filename: str, system: AISystem | None = None, unit=None,
              progress: Callable[[int, int], None] | None = None, refresh: bool = False) -> BomResult:
    """Plan again from the bytes and, if clean, import everything in one transaction (all or nothing), through the
    inventory's bulk services: the same checks and one ledger event per object, paid once per import.

    Components and dependencies already in the inventory are reused as they are, unless the user confirmed a refresh
    (`refresh`): then each takes what the document states about it and differs (BomItem.refresh), nothing else."""
    plan = plan_bom(actor=actor, data=data, filename=filename, system=system, unit=unit)
    result = BomResult(plan=plan, applied=False)
    if not plan.ok:
        result.problems = list(plan.problems)
        return result
    reason = _("Imported from %(file)s") % {"file": filename}
    with transaction.atomic():
        objects = _create_items(actor, plan, result, reason, progress)
        if refresh and not result.problems:
            _refresh_known(actor, plan, result, reason)
        if not result.problems:
            _link(actor, plan, objects, result, reason)
        if not result.problems and plan.system is not None:
            _save_cards(actor, plan, objects, result, reason)
        if result.problems:
            transaction.set_rollback(True)
            return BomResult(plan=plan, applied=False, problems=result.problems)
    result.applied = True
    result.imported = [(item, objects[id(item)]) for item in plan.items]
    return result


def _bulk(result: BomResult, paths: list[str], call, **kwargs) -> list:
    """Run a bulk service; its refusals become problems at the JSON path of each refused row."""
    try:
        return call(**kwargs)
    except services.RowErrors as error:
        for index, row_error in error.rows.items():
            result.problems.extend(_service_problems(row_error, paths[index] if index < len(paths) else ""))
    except (ValidationError, PermissionDenied) as error:
        result.problems.extend(_service_problems(error, paths[0] if len(paths) == 1 else ""))
    return []


def _create_items(actor, plan: BomPlan, result: BomResult, reason: str, progress) -> dict:
    objects: dict[int, Component | Dependency] = {id(i): i.existing for i in plan.items if i.existing is not None}
    done = len(objects)
    for target, create in (("component", services.create_components),
                           ("dependency", services.create_dependencies)):
        new = [item for item in plan.items if item.existing is None and item.target == target]
        created = _bulk(result, [item.path for item in new], create, actor=actor, owner_unit=plan.unit,
                        rows=[{"kind": item.kind, **item.fields} for item in new], reason=reason)
        objects.update((id(item), obj) for item, obj in zip(new, created))
        if target == "component":
            result.created_components = len(created)
        else:
            result.created_dependencies = len(created)
        done += len(new)
        if progress:
            progress(done, len(plan.items))
    return objects


def _refresh_known(actor, plan: BomPlan, result: BomResult, reason: str) -> None:
    """The known components and dependencies the user asked to refresh, in bulk (a fixed number of queries whatever
    the number of rows), each refused row named at its JSON path."""
    for target, update in (("component", services.update_components), ("dependency", services.update_dependencies)):
        known = [item for item in plan.items if item.refresh and item.target == target]
        result.refreshed += len(_bulk(result, [item.path for item in known], update, actor=actor,
                                      updates=[(item.existing, dict(item.refresh)) for item in known], reason=reason))


def _save_cards(actor, plan: BomPlan, objects: dict, result: BomResult, reason: str) -> None:
    """New cards of models in one go; the system's own card and cards that exist already, field by field."""
    system = plan.system
    current = {card.component_id: card for card in ModelCard.objects.filter(system=system)}
    new, paths = [], []
    for card_plan in plan.cards:
        component = objects[id(card_plan.item)] if card_plan.item is not None else None
        changes = dict(card_plan.changes)
        if "datasets" in changes:
            changes["datasets"] = [_dataset_entry(entry, plan, objects) for entry in changes["datasets"]]
        card = current.get(component.pk if component is not None else None)
        if component is not None and card is None:
            new.append((component, changes))
            paths.append(card_plan.item.path + ".modelCard")
            continue
        changes = {name: value for name, value in changes.items()
                   if card is None or getattr(card, name) != value}  # only what the BOM changes
        if not changes:
            continue
        try:
            services.save_model_card(actor=actor, system=system, changes=changes, component=component, reason=reason)
            result.model_cards += 1
        except (ValidationError, PermissionDenied) as error:
            where = card_plan.item.path if card_plan.item is not None else "$.metadata.component"
            result.problems.extend(_service_problems(error, where + ".modelCard"))
    result.model_cards += len(_bulk(result, paths, services.create_model_cards, actor=actor, system=system,
                                    cards=new, reason=reason))


def _dataset_entry(entry: dict, plan: BomPlan, objects: dict) -> dict:
    if "ref" not in entry:
        return {k: v for k, v in entry.items() if v}
    item = plan.ref_map.get(entry["ref"])
    if item is None:
        return {"name": entry["ref"]}
    component = objects.get(id(item))
    if component is None:  # planning: a dataset this import would create is not known yet
        return {"ref": entry["ref"]}
    return {"name": str(component), "component_id": component.pk}


def _link(actor, plan: BomPlan, objects: dict, result: BomResult, reason: str) -> None:
    """System -> components, system -> dependencies it rests on directly, component -> dependencies."""
    system = plan.system
    items_by_ref = plan.ref_map
    component_deps = {(a, b) for a, b in plan.edges if a and items_by_ref[a].target == "component"
                      and items_by_ref[b].target == "dependency"}
    used_by_components = {b for _a, b in component_deps}
    if system is not None:
        linked_components = set(SystemComponent.objects.filter(system=system).values_list("component_id", flat=True))
        linked_dependencies = set(SystemDependency.objects.filter(system=system)
                                  .values_list("dependency_id", flat=True))
        direct = {b for a, b in plan.edges if a == ""}
        components, dependencies = {}, {}  # pk -> (object, JSON path), in document order
        for item in plan.items:
            obj = objects[id(item)]
            if item.target == "component" and obj.pk not in linked_components:
                components.setdefault(obj.pk, (obj, item.path))
            elif (item.target == "dependency" and obj.pk not in linked_dependencies
                  and (item.ref in direct or item.ref not in used_by_components)):
                dependencies.setdefault(obj.pk, (obj, item.path))
        for call, keyword, rows in ((services.link_components, "components", components),
                                    (services.link_system_dependencies, "dependencies", dependencies)):
            if rows:
                result.links += len(_bulk(result, [path for _obj, path in rows.values()], call, actor=actor,
                                          system=system, reason=reason,
                                          **{keyword: [obj for obj, _path in rows.values()]}))
    pairs = [(objects[id(items_by_ref[a])], objects[id(items_by_ref[b])]) for a, b in sorted(component_deps)]
    existing = set(ComponentDependency.objects.filter(component__in={c.pk for c, _d in pairs})
                   .values_list("component_id", "dependency_id"))
    new = list({(c.pk, d.pk): (c, d) for c, d in pairs if (c.pk, d.pk) not in existing}.values())
    if new:
        result.links += len(_bulk(result, ["$.dependencies"] * len(new), services.link_component_dependencies,
                                  actor=actor, pairs=new, reason=reason))
