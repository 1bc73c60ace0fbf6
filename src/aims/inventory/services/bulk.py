"""What an import does in bulk: create many components and dependencies, link them to a system and to each other,
and write the model cards of new models, with the same checks and one ledger event per object as the one-by-one
services, but paying the permission checks, the duplicate checks and the database round trips once per import rather
than once per row (a 20,000-component ML-BOM imports in seconds; see benchmarks/cyclonedx.py).

Each function is all or nothing: a row that would be refused raises `RowErrors` naming every refused row.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.core import context, ledger
from aims.core.permissions import ADD, CHANGE, VIEW, require
from aims.core.services import _unchanged_fields, stamp_new

from ..models import (
    AISystem, Component, ComponentDependency, ComponentKind, Dependency, ModelCard, SystemComponent, SystemDependency,
)
from ._common import ensure_not_frozen, reject_unknown
from .components import COMPONENT_EDITABLE, DEPENDENCY_EDITABLE, _check_steward
from .documentation import MODEL_CARD_EDITABLE

BATCH = 500


class RowErrors(ValidationError):
    """Some rows of a bulk change are refused: `rows` maps each row's index to its ValidationError."""

    def __init__(self, rows: dict[int, ValidationError]):
        self.rows = rows
        super().__init__([message for error in rows.values() for message in error.messages])


def _validate(objects: list, exclude: list[str]) -> None:
    """Each object checked as one-by-one creation checks it (clean_for_create), except uniqueness, which the caller
    settles for the whole batch in one query and the database constraint guards."""
    errors = {}
    for index, obj in enumerate(objects):
        stamp_new(obj)
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise RowErrors(errors)


def _create_all(*, actor, objects: list, reason: str) -> list:
    model = type(objects[0])
    created = model.objects.bulk_create(objects, batch_size=BATCH)
    action = f"{ledger.object_type_of(model)}.create"
    ledger.record_many(actor=actor, changes=((action, obj, None, ledger.snapshot_json(obj)) for obj in created),
                       reason=reason)
    return created


def _new_items(*, actor, model, editable, key_fields: tuple, rows: list[dict], owner_unit, reason: str) -> list:
    if not rows:
        return []
    require(actor, ADD, domain="inventory", unit=owner_unit)
    errors, objects = {}, []
    for index, row in enumerate(rows):
        fields = dict(row)
        try:
            reject_unknown({k: v for k, v in fields.items() if k not in ("kind", "name")}, editable)
            if fields.get("owner") is not None:
                _check_steward(actor=actor, fields=fields, unit=owner_unit, name=fields["name"])
        except (ValidationError, PermissionDenied) as error:
            errors[index] = error if isinstance(error, ValidationError) else ValidationError(str(error))
            continue
        objects.append(model(owner_unit=owner_unit, **fields))
    if errors:
        raise RowErrors(errors)
    _validate(objects, exclude=["owner_unit", "owner", "previous_version"])
    keys = [tuple(getattr(obj, name) for name in key_fields) for obj in objects]
    seen, taken = set(), set()
    names = {key[1] for key in keys}
    for start in range(0, len(names), BATCH):
        chunk = sorted(names)[start:start + BATCH]
        taken.update(model.objects.filter(name__in=chunk).values_list(*key_fields))
    for index, key in enumerate(keys):
        if key in taken or key in seen:
            errors[index] = ValidationError(_("“%(name)s” (version “%(version)s”) is already in the inventory.")
                                            % {"name": key[1], "version": key[2]})
        seen.add(key)
    if errors:
        raise RowErrors(errors)
    return _create_all(actor=actor, objects=objects, reason=reason)


@transaction.atomic
def create_components(*, actor, rows: list[dict], owner_unit=None, reason: str = "") -> list[Component]:
    """create_component for many rows ({"kind", "name", and fields of COMPONENT_EDITABLE}); the new components, in
    the order of the rows."""
    return _new_items(actor=actor, model=Component, editable=COMPONENT_EDITABLE, rows=rows, owner_unit=owner_unit,
                      key_fields=("kind", "name", "version_label", "provider"), reason=reason)


@transaction.atomic
def create_dependencies(*, actor, rows: list[dict], owner_unit=None, reason: str = "") -> list[Dependency]:
    """create_dependency for many rows ({"kind", "name", and fields of DEPENDENCY_EDITABLE})."""
    return _new_items(actor=actor, model=Dependency, editable=DEPENDENCY_EDITABLE, rows=rows, owner_unit=owner_unit,
                      key_fields=("kind", "name", "version_label", "supplier"), reason=reason)


def _changed_items(*, actor, model, editable, updates: list[tuple], reason: str) -> list:
    """update_component / update_dependency for many (object, changes): each row locked and re-read, validated as the
    one-by-one update validates it, saved with its version bumped, and one ledger event of its difference each; the
    permission checks, the reads, the writes and the ledger paid once per batch, not once per row. A change of steward
    (owner, owner unit) asks for checks of its own: it goes through the one-by-one service."""
    if not updates:
        return []
    allowed_fields = tuple(name for name in editable if name not in ("owner", "owner_unit"))
    ids = sorted({obj.pk for obj, _changes in updates})
    allowed, stored = set(), {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        allowed.update(model.objects.restrict(actor, CHANGE).filter(pk__in=chunk).values_list("pk", flat=True))
        stored.update((row["id"], row) for row in model.objects.select_for_update().filter(pk__in=chunk).values())
    errors, changed, events, columns = {}, [], [], {"version", "updated_at"}
    constrained = {name for constraint in model._meta.constraints for name in getattr(constraint, "fields", ())}
    for index, (obj, changes) in enumerate(updates):
        try:
            reject_unknown(changes, allowed_fields)
            if obj.pk not in allowed:
                raise PermissionDenied(_("You are not allowed to do this."))
            if obj.pk not in stored:
                raise ValidationError(_("“%(name)s” no longer exists.") % {"name": obj})
            for field in model._meta.concrete_fields:  # as lock_and_reload() leaves it
                value = stored[obj.pk][field.attname]
                if field.is_relation and field.is_cached(obj) and getattr(obj, field.attname) != value:
                    field.delete_cached_value(obj)
                setattr(obj, field.attname, value)
            before = ledger.snapshot(obj)
            for name, value in changes.items():
                setattr(obj, name, value)
            obj.full_clean(exclude=_unchanged_fields(obj, changes), validate_unique=False, validate_constraints=False)
            if constrained & set(changes):
                obj.validate_constraints()
        except (ValidationError, PermissionDenied) as error:
            errors[index] = error if isinstance(error, ValidationError) else ValidationError(str(error))
            continue
        changed_before, changed_after = ledger.diff(before, ledger.snapshot(obj))
        if not changed_before and not changed_after:
            continue
        obj.version += 1
        obj.updated_at = context.now()
        columns.update(model._meta.get_field(name).name for name in changes)
        changed.append(obj)
        events.append((f"{ledger.object_type_of(model)}.update", obj, changed_before, changed_after))
    if errors:
        raise RowErrors(errors)
    if changed:
        model.objects.bulk_update(changed, sorted(columns), batch_size=BATCH)
        ledger.record_many(actor=actor, changes=events, reason=reason)
    return changed


@transaction.atomic
def update_components(*, actor, updates: list[tuple[Component, dict]], reason: str = "") -> list[Component]:
    """update_component for many (component, changes); the components that changed."""
    return _changed_items(actor=actor, model=Component, editable=COMPONENT_EDITABLE, updates=updates, reason=reason)


@transaction.atomic
def update_dependencies(*, actor, updates: list[tuple[Dependency, dict]], reason: str = "") -> list[Dependency]:
    """update_dependency for many (dependency, changes); the dependencies that changed."""
    return _changed_items(actor=actor, model=Dependency, editable=DEPENDENCY_EDITABLE, updates=updates, reason=reason)


def _require_all(actor, action, model, ids: set[int]) -> None:
    """`require(actor, action, obj)` for every object of `ids`, in one query per batch."""
    allowed = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), BATCH):
        allowed.update(model.objects.restrict(actor, action).filter(pk__in=ordered[start:start + BATCH])
                       .values_list("pk", flat=True))
    if allowed != ids:
        raise PermissionDenied(_("You are not allowed to do this."))


def _new_links(*, actor, model, pairs: list[tuple], fields: tuple[str, str], reason: str) -> list:
    """Link rows for (a, b) pairs of objects not linked yet (a pair already linked is refused, as the one-by-one
    services refuse it); the links hold the objects themselves, so their ledger labels cost no query."""
    if not pairs:
        return []
    first, second = fields
    existing = set()
    firsts = sorted({a.pk for a, _b in pairs})
    for start in range(0, len(firsts), BATCH):
        existing.update(model.objects.filter(**{f"{first}_id__in": firsts[start:start + BATCH]})
                        .values_list(f"{first}_id", f"{second}_id"))
    errors, seen = {}, set()
    for index, (a, b) in enumerate(pairs):
        if (a.pk, b.pk) in existing or (a.pk, b.pk) in seen:
            errors[index] = ValidationError(_("“%(a)s” and “%(b)s” are already linked.") % {"a": a, "b": b})
        seen.add((a.pk, b.pk))
    if errors:
        raise RowErrors(errors)
    # A link holds nothing but the two objects, checked above: no field of its own to validate.
    objects = [model(**{first: a, second: b}) for a, b in pairs]
    for obj in objects:
        stamp_new(obj)
    return _create_all(actor=actor, objects=objects, reason=reason)


def _link_to_system(*, actor, system: AISystem, model, objects: list, field: str, reason: str) -> list:
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    _require_all(actor, VIEW, type(objects[0]) if objects else Component, {obj.pk for obj in objects})
    return _new_links(actor=actor, model=model, pairs=[(system, obj) for obj in objects], fields=("system", field),
                      reason=reason)


@transaction.atomic
def link_components(*, actor, system: AISystem, components: list[Component], reason: str = "") -> list:
    """link_component for many components of one system."""
    return _link_to_system(actor=actor, system=system, model=SystemComponent, objects=components,
                           field="component", reason=reason)


@transaction.atomic
def link_system_dependencies(*, actor, system: AISystem, dependencies: list[Dependency], reason: str = "") -> list:
    """link_system_dependency for many dependencies of one system."""
    return _link_to_system(actor=actor, system=system, model=SystemDependency, objects=dependencies,
                           field="dependency", reason=reason)


@transaction.atomic
def link_component_dependencies(*, actor, pairs: list[tuple[Component, Dependency]], reason: str = "") -> list:
    """link_component_dependency for many (component, dependency) pairs."""
    _require_all(actor, CHANGE, Component, {c.pk for c, _d in pairs})
    _require_all(actor, VIEW, Dependency, {d.pk for _c, d in pairs})
    return _new_links(actor=actor, model=ComponentDependency, pairs=pairs,
                      fields=("component", "dependency"), reason=reason)


@transaction.atomic
def create_model_cards(*, actor, system: AISystem, cards: list[tuple[Component, dict]], reason: str = "") -> list:
    """save_model_card for the first card of many models the system uses (a model with a card already keeps it:
    update it with save_model_card)."""
    if not cards:
        return []
    require(actor, CHANGE, system)
    ensure_not_frozen(system)
    for _component, changes in cards:
        reject_unknown(changes, MODEL_CARD_EDITABLE)
    ids = {component.pk for component, _changes in cards}
    used = set(SystemComponent.objects.filter(system=system, component_id__in=ids, component__kind=ComponentKind.MODEL)
               .values_list("component_id", flat=True))
    carded = set(ModelCard.objects.filter(system=system, component_id__in=ids).values_list("component_id", flat=True))
    errors = {}
    for index, (component, _changes) in enumerate(cards):
        if component.pk not in used:
            errors[index] = ValidationError({"component": _("A model card documents a model that this system uses.")})
        elif component.pk in carded:
            errors[index] = ValidationError({"component": _("This model already has a card.")})
    if errors:
        raise RowErrors(errors)
    objects = [ModelCard(system=system, component=component, **changes) for component, changes in cards]
    _validate(objects, exclude=["system", "component"])
    return _create_all(actor=actor, objects=objects, reason=reason)
