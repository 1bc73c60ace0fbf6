"""Shared components, the dependency register, and the links that tie them to systems."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from aims.core.assignment import check_assignee
from aims.core.permissions import ADD, CHANGE, DELETE, VIEW, require
from aims.core.services import _create, _delete, _save_with_changes

from .. import signals
from ..models import AISystem, Component, ComponentDependency, Dependency, SystemComponent, SystemDependency
from ._common import ensure_change_allowed, ensure_not_frozen, reject_unknown

COMPONENT_EDITABLE = (
    "kind", "name", "version_label", "provider", "origin", "licence", "description", "owner_unit", "owner", "task",
    "architecture", "hash_or_url", "source", "provenance", "contains_personal_data", "quality_notes", "evidence_links",
    "cyclonedx",
)
DEPENDENCY_EDITABLE = ("kind", "name", "version_label", "supplier", "end_of_support", "cost_per_year", "sla", "notes",
                       "owner_unit", "owner", "cyclonedx")


def _require_steward_unit(actor, action, changes: dict, current_unit=...) -> None:
    """Moving a shared item to another steward unit needs rights over that unit too."""
    if "owner_unit" in changes and changes["owner_unit"] != current_unit:
        require(actor, action, domain="inventory", unit=changes["owner_unit"])


def _check_steward(*, actor, fields: dict, unit, name: str) -> None:
    """The named owner of a shared item keeps its record up to date: they must be able to change it there."""
    if fields.get("owner") is not None:
        check_assignee(actor=actor, person=fields["owner"], action=CHANGE, domain="inventory", unit=unit,
                       field="owner", what=_("owner of “%(name)s”") % {"name": name})


def _steward_changes(changes: dict, item) -> bool:
    return (("owner" in changes and getattr(changes["owner"], "pk", None) != item.owner_id)
            or ("owner_unit" in changes and getattr(changes["owner_unit"], "pk", None) != item.owner_unit_id))


# --- Components ------------------------------------------------------------------------------------------------------

@transaction.atomic
def create_component(*, actor, kind: str, name: str, owner_unit=None, reason: str = "", **fields) -> Component:
    require(actor, ADD, domain="inventory", unit=owner_unit)
    reject_unknown(fields, COMPONENT_EDITABLE)
    _check_steward(actor=actor, fields=fields, unit=owner_unit, name=name)
    return _create(actor=actor, obj=Component(kind=kind, name=name, owner_unit=owner_unit, **fields), reason=reason)


@transaction.atomic
def update_component(*, actor, component: Component, changes: dict, expected_version: int | None = None,
                     reason: str = "") -> Component:
    require(actor, CHANGE, component)
    reject_unknown(changes, COMPONENT_EDITABLE)
    _require_steward_unit(actor, ADD, changes, component.owner_unit)
    if _steward_changes(changes, component):
        _check_steward(actor=actor, fields={"owner": changes.get("owner", component.owner)},
                       unit=changes.get("owner_unit", component.owner_unit), name=changes.get("name", component.name))
    return _save_with_changes(actor=actor, obj=component, changes=changes, reason=reason,
                              expected_version=expected_version)


@transaction.atomic
def create_component_version(*, actor, component: Component, version_label: str, changes: dict | None = None,
                             reason: str = "") -> Component:
    """A new version of a component: a copy with a new version label, linked to the one it follows.

    Systems keep pointing at the version they use until someone links them to the new one.
    """
    changes = dict(changes or {})
    reject_unknown(changes, COMPONENT_EDITABLE)
    require(actor, VIEW, component)
    version_label = (version_label or "").strip()
    if not version_label or version_label == component.version_label:
        raise ValidationError({"version_label": _("Give the new version a label different from the current one.")})
    fields = {name: getattr(component, name) for name in COMPONENT_EDITABLE}
    fields.update(changes, version_label=version_label)
    require(actor, ADD, domain="inventory", unit=fields["owner_unit"])
    new = _create(actor=actor, obj=Component(previous_version=component, **fields), reason=reason)
    signals.component_version_created.send(sender=Component, component=new, previous=component, actor=actor)
    return new


@transaction.atomic
def delete_component(*, actor, component: Component, reason: str = "") -> None:
    require(actor, DELETE, component)
    used_by = component.system_links.count()
    if used_by:
        raise ValidationError(_("This component is still used by %(n)s systems; unlink it first.") % {"n": used_by})
    documented_in = sorted({card.system.name for card in component.model_cards.select_related("system")})
    if documented_in:  # a model card belongs to this version of the model: it is kept, and so is the version
        raise ValidationError(_("This model version is documented by its model card in %(systems)s; the card is "
                                "kept with the version it describes, so the version cannot be deleted.")
                              % {"systems": ", ".join(documented_in)})
    try:
        _delete(actor=actor, obj=component, reason=reason)
    except ProtectedError as error:  # another record (an incident's roll-back decision...) names this version
        raise ValidationError(_("This component version is named by %(n)s other records (such as an incident's "
                                "decision) and is kept for them.") % {"n": len(error.protected_objects)}) from None


@transaction.atomic
def link_component(*, actor, system: AISystem, component: Component, role: str = "", notes: str = "",
                   reason: str = "") -> SystemComponent:
    require(actor, CHANGE, system)
    require(actor, VIEW, component)
    ensure_not_frozen(system)
    ensure_change_allowed(system)
    if SystemComponent.objects.filter(system=system, component=component).exists():
        raise ValidationError({"component": _("This component is already linked to the system.")})
    return _create(actor=actor, obj=SystemComponent(system=system, component=component, role=role, notes=notes),
                   reason=reason)


@transaction.atomic
def create_component_for_system(*, actor, system: AISystem, kind: str, name: str, role: str = "", reason: str = "",
                                **fields) -> Component:
    """Register a component and link it to `system` ("Register a new component" from the system's page): both or
    neither, so a refused link leaves no stray component behind."""
    require(actor, CHANGE, system)
    component = create_component(actor=actor, kind=kind, name=name, reason=reason, **fields)
    link_component(actor=actor, system=system, component=component, role=role, reason=reason)
    return component


@transaction.atomic
def unlink_component(*, actor, link: SystemComponent, reason: str = "") -> None:
    require(actor, CHANGE, link.system)
    ensure_not_frozen(link.system)
    ensure_change_allowed(link.system)
    _delete(actor=actor, obj=link, reason=reason)


# --- Dependencies ----------------------------------------------------------------------------------------------------

@transaction.atomic
def create_dependency(*, actor, kind: str, name: str, owner_unit=None, reason: str = "", **fields) -> Dependency:
    require(actor, ADD, domain="inventory", unit=owner_unit)
    reject_unknown(fields, DEPENDENCY_EDITABLE)
    _check_steward(actor=actor, fields=fields, unit=owner_unit, name=name)
    return _create(actor=actor, obj=Dependency(kind=kind, name=name, owner_unit=owner_unit, **fields), reason=reason)


@transaction.atomic
def update_dependency(*, actor, dependency: Dependency, changes: dict, expected_version: int | None = None,
                      reason: str = "") -> Dependency:
    require(actor, CHANGE, dependency)
    reject_unknown(changes, DEPENDENCY_EDITABLE)
    _require_steward_unit(actor, ADD, changes, dependency.owner_unit)
    if _steward_changes(changes, dependency):
        _check_steward(actor=actor, fields={"owner": changes.get("owner", dependency.owner)},
                       unit=changes.get("owner_unit", dependency.owner_unit), name=changes.get("name", dependency.name))
    return _save_with_changes(actor=actor, obj=dependency, changes=changes, reason=reason,
                              expected_version=expected_version)


@transaction.atomic
def delete_dependency(*, actor, dependency: Dependency, reason: str = "") -> None:
    require(actor, DELETE, dependency)
    users = dependency.system_links.count() + dependency.component_links.count()
    if users:
        raise ValidationError(_("%(n)s systems or components still rest on this dependency; unlink them first.")
                              % {"n": users})
    _delete(actor=actor, obj=dependency, reason=reason)


@transaction.atomic
def link_system_dependency(*, actor, system: AISystem, dependency: Dependency, notes: str = "",
                           reason: str = "") -> SystemDependency:
    require(actor, CHANGE, system)
    require(actor, VIEW, dependency)
    ensure_not_frozen(system)
    ensure_change_allowed(system)
    if SystemDependency.objects.filter(system=system, dependency=dependency).exists():
        raise ValidationError({"dependency": _("The system already rests on this dependency.")})
    return _create(actor=actor, obj=SystemDependency(system=system, dependency=dependency, notes=notes), reason=reason)


@transaction.atomic
def unlink_system_dependency(*, actor, link: SystemDependency, reason: str = "") -> None:
    require(actor, CHANGE, link.system)
    ensure_not_frozen(link.system)
    ensure_change_allowed(link.system)
    _delete(actor=actor, obj=link, reason=reason)


@transaction.atomic
def link_component_dependency(*, actor, component: Component, dependency: Dependency, notes: str = "",
                              reason: str = "") -> ComponentDependency:
    require(actor, CHANGE, component)
    require(actor, VIEW, dependency)
    if ComponentDependency.objects.filter(component=component, dependency=dependency).exists():
        raise ValidationError({"dependency": _("The component already rests on this dependency.")})
    return _create(actor=actor, obj=ComponentDependency(component=component, dependency=dependency, notes=notes),
                   reason=reason)


@transaction.atomic
def unlink_component_dependency(*, actor, link: ComponentDependency, reason: str = "") -> None:
    require(actor, CHANGE, link.component)
    _delete(actor=actor, obj=link, reason=reason)
