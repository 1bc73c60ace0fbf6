"""Control API: controls with their links and computed readiness, their tests and results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_utils import (
    InputSchema, ListParams, page_of, paginate, search, visible_or_field_error, visible_set_or_field_error,
)
from aims.core.models import OrgUnit, User
from aims.inventory.models import AISystem, Component, Dependency
from aims.risks.models import Risk

from . import services
from .models import Control, ControlTest, ControlTestResult, Frequency, Requirement
from .services.readiness import describe

router = Router(tags=["compliance"])

TYPES = Literal[tuple(Control.Type.values)]
AUTOMATIONS = Literal[tuple(Control.Automation.values)]
STATUSES = Literal[tuple(Control.Status.values)]
FREQUENCIES = Literal[tuple(Frequency.values)]
RESULTS = Literal[tuple(ControlTestResult.Result.values)]


class Reason(Schema):
    code: str
    text: str = Field(description="The reason in the caller's language.")


class ControlRead(Schema):
    id: int
    reference: str
    title: str
    description: str
    owner_id: int
    backup_id: int | None
    unit_id: int | None
    control_type: str
    automation: str
    how_it_operates: str
    frequency: str
    status: str
    is_ready: bool = Field(description="Computed: tests passed in time, policies approved and current, evidence fresh.")
    readiness_reasons: list[Reason]
    readiness_checked_at: datetime | None
    requirement_ids: list[int]
    risk_ids: list[int]
    system_ids: list[int]
    component_ids: list[int]
    dependency_ids: list[int]
    version: int

    @staticmethod
    def resolve_readiness_reasons(obj) -> list[dict]:
        return [{"code": r.get("code", ""), "text": describe(r)} for r in obj.readiness_reasons]

    @staticmethod
    def resolve_requirement_ids(obj) -> list[int]:
        return [r.pk for r in obj.requirements.all()]

    @staticmethod
    def resolve_risk_ids(obj) -> list[int]:
        return [r.pk for r in obj.visible_risks]

    @staticmethod
    def resolve_system_ids(obj) -> list[int]:
        return [s.pk for s in obj.visible_systems]

    @staticmethod
    def resolve_component_ids(obj) -> list[int]:
        return [c.pk for c in obj.components.all()]

    @staticmethod
    def resolve_dependency_ids(obj) -> list[int]:
        return [d.pk for d in obj.dependencies.all()]


class _ControlLinks(InputSchema):
    requirement_ids: list[int] | None = None
    risk_ids: list[int] | None = None
    system_ids: list[int] | None = None
    component_ids: list[int] | None = None
    dependency_ids: list[int] | None = None
    reason: str = Field("", max_length=5000)


class ControlCreate(_ControlLinks):
    title: str = Field(..., min_length=1, max_length=300)
    reference: str = Field("", max_length=40)
    owner_id: int | None = Field(None, description="Defaults to the caller.")
    backup_id: int | None = None
    unit_id: int | None = Field(None, description="Empty: an organisation-wide control.")
    description: str = Field("", max_length=20000)
    control_type: TYPES = "preventive"
    automation: AUTOMATIONS = "manual"
    how_it_operates: str = Field("", max_length=20000)
    frequency: FREQUENCIES = "every_quarter"
    status: STATUSES = "planned"


class ControlUpdate(_ControlLinks):
    version: int
    title: str | None = Field(None, min_length=1, max_length=300)
    reference: str | None = Field(None, min_length=1, max_length=40)
    owner_id: int | None = None
    backup_id: int | None = None
    unit_id: int | None = None
    description: str | None = Field(None, max_length=20000)
    control_type: TYPES | None = None
    automation: AUTOMATIONS | None = None
    how_it_operates: str | None = Field(None, max_length=20000)
    frequency: FREQUENCIES | None = None
    status: STATUSES | None = None

    NOT_NULL = ("title", "reference", "owner_id", "description", "control_type", "automation", "how_it_operates",
                "frequency", "status")  # backup_id and unit_id: null clears them (an organisation-wide control)


CONTROL_SORTS = {"reference": ("reference",), "title": ("title",), "status": ("status", "reference"),
                 "ready": ("is_ready", "reference")}


class ControlFilters(ListParams):
    status: STATUSES | None = None
    ready: bool | None = None
    owner: int | None = None
    framework: str | None = Field(None, max_length=40, description="Controls linked to requirements of this framework.")
    requirement: int | None = Field(None, description="Controls linked to this requirement.")

    SORTS = CONTROL_SORTS


def _with_links(controls, user):
    return controls.prefetch_related(
        Prefetch("requirements", queryset=Requirement.objects.only("pk")),
        Prefetch("risks", queryset=Risk.objects.restrict(user, "view").only("pk"), to_attr="visible_risks"),
        Prefetch("systems", queryset=AISystem.objects.restrict(user, "view").only("pk"), to_attr="visible_systems"),
        Prefetch("components", queryset=Component.objects.only("pk")),
        Prefetch("dependencies", queryset=Dependency.objects.only("pk")))


def _controls(user):
    return Control.objects.restrict(user, "view")


def _read(user, pk):
    return visible(_with_links(_controls(user), user), pk)


def _links(user, payload) -> dict:
    links = {}
    if payload.requirement_ids is not None:
        wanted = set(payload.requirement_ids)
        found = list(Requirement.objects.filter(pk__in=wanted, is_active=True))
        if wanted - {r.pk for r in found}:
            raise ValidationError({"requirement_ids": _("Unknown or retired requirement ids.")})
        links["requirements"] = found
    for field, name, model in (("risk_ids", "risks", Risk), ("system_ids", "systems", AISystem),
                               ("component_ids", "components", Component),
                               ("dependency_ids", "dependencies", Dependency)):
        ids = getattr(payload, field)
        if ids is not None:
            links[name] = visible_set_or_field_error(model, user, ids, field)
    return links


@router.get("/controls", response=page_of(ControlRead), summary="Controls with their computed readiness")
def control_list(request, filters: Query[ControlFilters]):
    controls = search(_controls(request.user), filters.q, ["reference", "title"])
    if filters.status:
        controls = controls.filter(status=filters.status)
    if filters.ready is not None:
        controls = controls.filter(is_ready=filters.ready)
    if filters.owner:
        controls = controls.filter(owner_id=filters.owner)
    if filters.framework:
        controls = controls.filter(requirements__framework__key=filters.framework).distinct()
    if filters.requirement:
        controls = controls.filter(requirements=filters.requirement)
    return paginate(_with_links(controls, request.user), filters, sorts=CONTROL_SORTS, default="reference")


@router.post("/controls", response={201: ControlRead}, summary="Define a control")
def control_create(request, payload: ControlCreate):
    user = request.user
    owner = visible_or_field_error(User, user, payload.owner_id, "owner_id") or user
    backup = visible_or_field_error(User, user, payload.backup_id, "backup_id")
    unit = visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id")
    fields = payload.model_dump(include={"description", "control_type", "automation", "how_it_operates",
                                        "frequency", "status"})
    with transaction.atomic():
        control = services.create_control(actor=user, title=payload.title, owner=owner, backup=backup, unit=unit,
                                          reference=payload.reference, reason=payload.reason,
                                          links=_links(user, payload), **fields)
    return Status(201, _read(user, control.pk))


@router.get("/controls/{int:control_id}", response=ControlRead, summary="One control")
def control_detail(request, control_id: int):
    return _read(request.user, control_id)


@router.patch("/controls/{int:control_id}", response=ControlRead, summary="Change a control or its links")
def control_update(request, control_id: int, payload: ControlUpdate):
    user = request.user
    control = visible(_controls(user), control_id)
    sent = changes_of(payload, exclude=("version", "reason", "requirement_ids", "risk_ids", "system_ids",
                                        "component_ids", "dependency_ids"))
    changes = {k: v for k, v in sent.items() if not k.endswith("_id")}
    for field in ("owner", "backup", "unit"):
        if f"{field}_id" in sent:
            model = OrgUnit if field == "unit" else User
            changes[field] = visible_or_field_error(model, user, sent[f"{field}_id"], f"{field}_id")
    with transaction.atomic():
        control = services.update_control(actor=user, control=control, changes=changes,
                                          expected_version=payload.version, reason=payload.reason)
        links = _links(user, payload)
        if links:
            services.set_control_links(actor=user, control=control, reason=payload.reason, **links)
    return _read(user, control_id)


class TestRead(Schema):
    id: int
    control_id: int
    name: str
    pass_criteria: str
    frequency: str
    tester_id: int | None
    next_due: date
    is_active: bool
    version: int


class TestCreate(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    pass_criteria: str = Field(..., min_length=1, max_length=20000)
    frequency: FREQUENCIES | None = None
    tester_id: int | None = None
    first_due: date | None = None


class ResultRead(Schema):
    id: int
    test_id: int
    result: str
    performed_on: date
    tester_id: int
    notes: str
    recorded_at: datetime


class ResultCreate(InputSchema):
    result: RESULTS
    performed_on: date | None = Field(None, description="Defaults to today.")
    notes: str = Field("", max_length=20000)


@router.get("/controls/{int:control_id}/tests", response=list[TestRead], summary="Tests of a control")
def test_list(request, control_id: int):
    return list(visible(_controls(request.user), control_id).tests.order_by("name", "pk"))


@router.post("/controls/{int:control_id}/tests", response={201: TestRead}, summary="Add a recurring test")
def test_create(request, control_id: int, payload: TestCreate):
    user = request.user
    control = visible(_controls(user), control_id)
    tester = visible_or_field_error(User, user, payload.tester_id, "tester_id")
    return Status(201, services.add_test(actor=user, control=control, name=payload.name,
                                         pass_criteria=payload.pass_criteria, frequency=payload.frequency,
                                         tester=tester, first_due=payload.first_due))


@router.get("/controls/{int:control_id}/tests/{int:test_id}/results", response=list[ResultRead],
            summary="Results of a test, newest first")
def result_list(request, control_id: int, test_id: int):
    control = visible(_controls(request.user), control_id)
    test = visible(ControlTest.objects.filter(control=control), test_id)
    return list(test.results.order_by("-performed_on", "-pk"))


@router.post("/controls/{int:control_id}/tests/{int:test_id}/results", response={201: ResultRead},
             summary="Record a result (a failure gives the control owner a task)")
def result_create(request, control_id: int, test_id: int, payload: ResultCreate):
    control = visible(_controls(request.user), control_id)
    test = visible(ControlTest.objects.filter(control=control), test_id)
    return Status(201, services.record_test_result(actor=request.user, test=test, result=payload.result,
                                                   performed_on=payload.performed_on, notes=payload.notes))
