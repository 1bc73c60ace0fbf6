"""Inventory API, continued: shared components, the dependency register (impact both ways), links to systems, and
shadow-AI declarations. A router of its own, added beside api.py's in aims/api.py."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, search, visible_or_field_error
from aims.core.models import OrgUnit, User
from aims.core.permissions import VIEW, Role, has_role

from . import queries, services
from .api import REASON, Link, system_for
from .models import (
    Component, ComponentKind, Dependency, DependencyKind, Origin, ShadowAIDeclaration, SystemComponent,
    SystemDependency,
)
from .views_components import END_OF_SUPPORT_SOON_DAYS

router = Router(tags=["inventory"])

STEWARD_REFERENCES = {"owner_unit_id": (OrgUnit, "owner_unit"), "owner_id": (User, "owner")}


def _resolve(user, changes: dict, references: dict) -> dict:
    for key, (model, field) in references.items():
        if key in changes:
            changes[field] = visible_or_field_error(model, user, changes.pop(key), key)
    return changes


def _blank_none(changes: dict, text_fields) -> dict:
    for name in text_fields:
        if name in changes and changes[name] is None:
            changes[name] = ""
    return changes


# --- Components -------------------------------------------------------------------------------------------------------

class ComponentRead(Schema):
    id: int
    kind: str
    name: str
    version_label: str
    previous_version_id: int | None
    provider: str
    origin: str
    licence: str
    description: str
    owner_unit_id: int | None
    owner_id: int | None
    task: str
    architecture: str
    hash_or_url: str
    source: str
    provenance: str
    contains_personal_data: bool
    quality_notes: str
    evidence_links: list[dict]
    version: int
    updated_at: datetime


COMPONENT_TEXT = ("version_label", "provider", "licence", "description", "task", "architecture", "hash_or_url",
                  "source", "provenance", "quality_notes")


class _ComponentFields(InputSchema):
    version_label: str | None = Field(None, max_length=100)
    provider: str | None = Field(None, max_length=200)
    origin: Literal[tuple(Origin.values)] | None = None
    licence: str | None = Field(None, max_length=200)
    description: str | None = None
    owner_unit_id: int | None = None
    owner_id: int | None = None
    task: str | None = Field(None, max_length=200)
    architecture: str | None = Field(None, max_length=200)
    hash_or_url: str | None = Field(None, max_length=500)
    source: str | None = Field(None, max_length=300)
    provenance: str | None = None
    contains_personal_data: bool | None = None
    quality_notes: str | None = None
    evidence_links: list[Link] | None = Field(None, max_length=100)
    reason: str = REASON


class ComponentCreate(_ComponentFields):
    kind: Literal[tuple(ComponentKind.values)]
    name: str = Field(..., max_length=200)


class ComponentUpdate(_ComponentFields):
    NOT_NULL = ("kind", "name", "origin", "contains_personal_data", "evidence_links")
    version: int
    kind: Literal[tuple(ComponentKind.values)] | None = None
    name: str | None = Field(None, max_length=200)


COMPONENT_SORTS = {"name": ("name", "version_label"), "kind": ("kind", "name"), "updated": ("updated_at",)}


class ComponentFilters(ListParams):
    SORTS = COMPONENT_SORTS
    kind: Literal[tuple(ComponentKind.values)] | None = None
    origin: Literal[tuple(Origin.values)] | None = None
    system: int | None = Field(None, description="Components used by this system.")


@router.get("/components", response=page_of(ComponentRead), summary="Shared components (models, datasets...)")
def component_list(request, filters: Query[ComponentFilters]):
    components = search(Component.objects.restrict(request.user, VIEW), filters.q,
                        ["name", "provider", "version_label", "description"])
    if filters.kind:
        components = components.filter(kind=filters.kind)
    if filters.origin:
        components = components.filter(origin=filters.origin)
    if filters.system is not None:
        components = components.filter(system_links__system=system_for(request, filters.system)).distinct()
    return paginate(components, filters, sorts=COMPONENT_SORTS, default="name")


@router.post("/components", response={201: ComponentRead}, summary="Register a component")
def component_create(request, payload: ComponentCreate):
    fields = _blank_none(_resolve(request.user, changes_of(payload, exclude=("reason",)), STEWARD_REFERENCES),
                         COMPONENT_TEXT)
    fields = {k: v for k, v in fields.items() if v is not None or k in ("owner_unit", "owner")}
    kind, name = fields.pop("kind"), fields.pop("name")
    return Status(201, services.create_component(actor=request.user, kind=kind, name=name, reason=payload.reason,
                                                 **fields))


@router.get("/components/{int:component_id}", response=ComponentRead, summary="One component")
def component_detail(request, component_id: int):
    return visible(Component.objects.restrict(request.user, VIEW), component_id)


@router.patch("/components/{int:component_id}", response=ComponentRead, summary="Change a component (send its version)")
def component_update(request, component_id: int, payload: ComponentUpdate):
    component = visible(Component.objects.restrict(request.user, VIEW), component_id)
    changes = _blank_none(_resolve(request.user, changes_of(payload), STEWARD_REFERENCES), COMPONENT_TEXT)
    return services.update_component(actor=request.user, component=component, changes=changes,
                                     expected_version=payload.version, reason=payload.reason)


# --- Dependencies -----------------------------------------------------------------------------------------------------

class DependencyRead(Schema):
    id: int
    kind: str
    name: str
    version_label: str
    supplier: str
    end_of_support: date | None
    support_status: str = Field(description='"overdue" (support ended), "soon" (within 60 days) or "".')
    cost_per_year: Decimal | None
    sla: str
    notes: str
    owner_unit_id: int | None
    owner_id: int | None
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_support_status(obj) -> str:
        from .views_components import support_status

        return support_status(obj.end_of_support, timezone.localdate())


DEPENDENCY_TEXT = ("version_label", "supplier", "sla", "notes")


class _DependencyFields(InputSchema):
    version_label: str | None = Field(None, max_length=100)
    supplier: str | None = Field(None, max_length=200)
    end_of_support: date | None = None
    cost_per_year: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    sla: str | None = None
    notes: str | None = None
    owner_unit_id: int | None = None
    owner_id: int | None = None
    reason: str = REASON


class DependencyCreate(_DependencyFields):
    kind: Literal[tuple(DependencyKind.values)]
    name: str = Field(..., max_length=200)


class DependencyUpdate(_DependencyFields):
    NOT_NULL = ("kind", "name")
    version: int
    kind: Literal[tuple(DependencyKind.values)] | None = None
    name: str | None = Field(None, max_length=200)


DEPENDENCY_SORTS = {"name": ("name", "version_label"), "end_of_support": ("end_of_support", "name"),
                    "updated": ("updated_at",)}


class DependencyFilters(ListParams):
    SORTS = DEPENDENCY_SORTS
    kind: Literal[tuple(DependencyKind.values)] | None = None
    support: Literal["soon", "overdue"] | None = Field(None, description="End of support within 60 days, or past.")


class SystemRef(Schema):
    id: int
    reference_code: str
    name: str
    stage: str


class ComponentRef(Schema):
    id: int
    kind: str
    name: str
    version_label: str


class DependencyRef(Schema):
    id: int
    kind: str
    name: str
    version_label: str
    end_of_support: date | None


class Dependents(Schema):
    systems: list[SystemRef]
    components: list[ComponentRef]


class Foundations(Schema):
    components: list[ComponentRef]
    dependencies: list[DependencyRef]


@router.get("/dependencies", response=page_of(DependencyRead), summary="The dependency register")
def dependency_list(request, filters: Query[DependencyFilters]):
    dependencies = search(Dependency.objects.restrict(request.user, VIEW), filters.q,
                          ["name", "supplier", "version_label"])
    if filters.kind:
        dependencies = dependencies.filter(kind=filters.kind)
    today = timezone.localdate()
    if filters.support == "overdue":
        dependencies = dependencies.filter(end_of_support__lt=today)
    elif filters.support == "soon":
        dependencies = dependencies.filter(end_of_support__gte=today,
                                           end_of_support__lte=today + dt.timedelta(days=END_OF_SUPPORT_SOON_DAYS))
    return paginate(dependencies, filters, sorts=DEPENDENCY_SORTS, default="name")


@router.post("/dependencies", response={201: DependencyRead}, summary="Register a dependency")
def dependency_create(request, payload: DependencyCreate):
    fields = _blank_none(_resolve(request.user, changes_of(payload, exclude=("reason",)), STEWARD_REFERENCES),
                         DEPENDENCY_TEXT)
    kind, name = fields.pop("kind"), fields.pop("name")
    return Status(201, services.create_dependency(actor=request.user, kind=kind, name=name, reason=payload.reason,
                                                  **fields))


@router.get("/dependencies/{int:dependency_id}", response=DependencyRead, summary="One dependency")
def dependency_detail(request, dependency_id: int):
    return visible(Dependency.objects.restrict(request.user, VIEW), dependency_id)


@router.patch("/dependencies/{int:dependency_id}", response=DependencyRead, summary="Change a dependency")
def dependency_update(request, dependency_id: int, payload: DependencyUpdate):
    dependency = visible(Dependency.objects.restrict(request.user, VIEW), dependency_id)
    changes = _blank_none(_resolve(request.user, changes_of(payload), STEWARD_REFERENCES), DEPENDENCY_TEXT)
    return services.update_dependency(actor=request.user, dependency=dependency, changes=changes,
                                      expected_version=payload.version, reason=payload.reason)


@router.get("/dependencies/{int:dependency_id}/dependents", response=Dependents,
            summary="What depends on it: components, and systems directly or through a component (in your scope)")
def dependency_dependents(request, dependency_id: int):
    dependency = visible(Dependency.objects.restrict(request.user, VIEW), dependency_id)
    found = queries.dependents_of(request.user, dependency)
    return {"systems": list(found["systems"].order_by("name")), "components": list(found["components"].order_by("name"))}


@router.get("/systems/{int:system_id}/foundations", response=Foundations,
            summary="What a system rests on: its components and every dependency, direct or through a component")
def system_foundations(request, system_id: int):
    system = system_for(request, system_id)
    found = queries.foundations_of(request.user, system)
    return {"components": list(found["components"].order_by("name")),
            "dependencies": list(found["dependencies"].order_by("name"))}


# --- Links between systems, components and dependencies ----------------------------------------------------------------

class ComponentLink(InputSchema):
    component_id: int
    role: str = Field("", max_length=200)
    notes: str = Field("", max_length=5000)
    reason: str = REASON


class DependencyLink(InputSchema):
    dependency_id: int
    notes: str = Field("", max_length=5000)
    reason: str = REASON


@router.post("/systems/{int:system_id}/components", response={201: Foundations}, summary="Link a component")
def system_link_component(request, system_id: int, payload: ComponentLink):
    system = system_for(request, system_id)
    component = visible_or_field_error(Component, request.user, payload.component_id, "component_id")
    services.link_component(actor=request.user, system=system, component=component, role=payload.role,
                            notes=payload.notes, reason=payload.reason)
    return Status(201, system_foundations(request, system_id))


@router.delete("/systems/{int:system_id}/components/{int:component_id}", response={204: None},
               summary="Unlink a component")
def system_unlink_component(request, system_id: int, component_id: int, reason: str = ""):
    system = system_for(request, system_id)
    link = SystemComponent.objects.filter(system=system, component_id=component_id).first()
    if link is None:
        raise Http404
    services.unlink_component(actor=request.user, link=link, reason=reason[:5000])
    return Status(204, None)


@router.post("/systems/{int:system_id}/dependencies", response={201: Foundations}, summary="Link a dependency")
def system_link_dependency(request, system_id: int, payload: DependencyLink):
    system = system_for(request, system_id)
    dependency = visible_or_field_error(Dependency, request.user, payload.dependency_id, "dependency_id")
    services.link_system_dependency(actor=request.user, system=system, dependency=dependency, notes=payload.notes,
                                    reason=payload.reason)
    return Status(201, system_foundations(request, system_id))


@router.delete("/systems/{int:system_id}/dependencies/{int:dependency_id}", response={204: None},
               summary="Unlink a dependency")
def system_unlink_dependency(request, system_id: int, dependency_id: int, reason: str = ""):
    system = system_for(request, system_id)
    link = SystemDependency.objects.filter(system=system, dependency_id=dependency_id).first()
    if link is None:
        raise Http404
    services.unlink_system_dependency(actor=request.user, link=link, reason=reason[:5000])
    return Status(204, None)


# --- Shadow AI ----------------------------------------------------------------------------------------------------------

class ShadowRead(Schema):
    id: int
    tool_name: str
    purpose: str
    data_involved: str
    declared_by_id: int
    declared_at: datetime
    unit_id: int | None
    status: str
    triaged_by_id: int | None
    triaged_at: datetime | None
    rejection_reason: str
    system_id: int | None
    version: int


class ShadowCreate(InputSchema):
    tool_name: str = Field(..., max_length=200)
    purpose: str = Field(..., max_length=5000)
    data_involved: str = Field("", max_length=5000)


SHADOW_SORTS = {"declared": ("declared_at",), "tool": ("tool_name",)}


class ShadowFilters(ListParams):
    SORTS = SHADOW_SORTS
    status: Literal[tuple(ShadowAIDeclaration.Status.values)] | None = None
    mine: bool = Field(False, description="Only my own declarations.")


class ShadowConvert(InputSchema):
    owner_id: int
    unit_id: int | None = Field(None, description="Default: the declaration's unit.")
    name: str = Field("", max_length=200, description="Default: the tool's name.")
    reason: str = REASON


class ShadowReject(InputSchema):
    reason: str = Field(..., max_length=5000)


@router.post("/shadow-ai", response={201: ShadowRead}, summary="Declare an AI tool you use (anyone signed in)")
def shadow_declare(request, payload: ShadowCreate):
    return Status(201, services.declare_shadow_ai(actor=request.user, tool_name=payload.tool_name,
                                                  purpose=payload.purpose, data_involved=payload.data_involved))


@router.get("/shadow-ai", response=page_of(ShadowRead),
            summary="Declarations: the triage queue for AIMS managers, your own for everyone else")
def shadow_list(request, filters: Query[ShadowFilters]):
    user = request.user
    declarations = search(ShadowAIDeclaration.objects.restrict(user, VIEW), filters.q, ["tool_name", "purpose"])
    if filters.mine or not has_role(user, Role.AIMS_MANAGER, Role.ADMINISTRATOR):
        declarations = declarations.filter(declared_by=user)
    if filters.status:
        declarations = declarations.filter(status=filters.status)
    return paginate(declarations, filters, sorts=SHADOW_SORTS, default="-declared")


@router.get("/shadow-ai/{int:declaration_id}", response=ShadowRead, summary="One declaration")
def shadow_detail(request, declaration_id: int):
    return visible(ShadowAIDeclaration.objects.restrict(request.user, VIEW), declaration_id)


@router.post("/shadow-ai/{int:declaration_id}/convert", response={201: ShadowRead},
             summary="Triage into the inventory as an AI system (AIMS managers)")
def shadow_convert(request, declaration_id: int, payload: ShadowConvert):
    declaration = visible(ShadowAIDeclaration.objects.restrict(request.user, VIEW), declaration_id)
    owner = visible_or_field_error(User, request.user, payload.owner_id, "owner_id")
    unit = visible_or_field_error(OrgUnit, request.user, payload.unit_id, "unit_id")
    services.convert_shadow_declaration(actor=request.user, declaration=declaration, owner=owner, unit=unit,
                                        name=payload.name, reason=payload.reason)
    return Status(201, ShadowAIDeclaration.objects.get(pk=declaration_id))


@router.post("/shadow-ai/{int:declaration_id}/reject", response=ShadowRead,
             summary="Reject with a reason the declarant receives (AIMS managers)")
def shadow_reject(request, declaration_id: int, payload: ShadowReject):
    declaration = visible(ShadowAIDeclaration.objects.restrict(request.user, VIEW), declaration_id)
    return services.reject_shadow_declaration(actor=request.user, declaration=declaration, reason=payload.reason)
