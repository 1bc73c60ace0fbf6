"""Vulnerabilities API: the register of vulnerabilities of AI components (list, record, read, change with the version
read, status), the AI systems each affects (found through the inventory, never stored) and the mitigations with their
owners and due dates. A router of its own, added beside the incidents router in aims/api.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_utils import (
    InputSchema, ListParams, page_of, paginate, search, visible_or_field_error, visible_set_or_field_error,
)
from aims.core.models import OrgUnit, User
from aims.core.permissions import VIEW
from aims.inventory.models import Component, Dependency

from . import catalog, queries, services
from .models import (
    OPEN_VULNERABILITY_STATUSES, Incident, Mitigation, MitigationKind, Vulnerability, VulnerabilityKind,
    VulnerabilityStatus,
)

router = Router(tags=["vulnerabilities"])

KINDS = Literal[tuple(VulnerabilityKind.values)]
STATUSES = Literal[tuple(VulnerabilityStatus.values)]
MITIGATION_KINDS = Literal[tuple(MitigationKind.values)]


class VulnerableComponentRead(Schema):
    component_id: int = Field(description="A component version of the inventory.")
    all_versions: bool = Field(False, description="Every version of the component's line (previous and later).")


class VulnerableComponentIn(InputSchema):
    component_id: int = Field(description="A component version of the inventory.")
    all_versions: bool = Field(False, description="Every version of the component's line (previous and later).")


class VulnerabilityRead(Schema):
    id: int
    reference: str
    title: str
    description: str
    kind: str
    cve_id: str
    cvss_vector: str
    cvss_version: str
    cvss_score: float | None
    severity: str
    status: str
    unit_id: int
    owner_id: int
    reported_by_id: int | None
    components: list[VulnerableComponentRead]
    dependency_ids: list[int]
    customer_impact: str
    incident_id: int | None
    status_reason: str
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_cvss_score(obj) -> float | None:
        return float(obj.cvss_score) if obj.cvss_score is not None else None

    @staticmethod
    def resolve_components(obj) -> list[dict]:
        return sorted(({"component_id": link.component_id, "all_versions": link.all_versions}
                       for link in obj.component_links.all()), key=lambda row: row["component_id"])

    @staticmethod
    def resolve_dependency_ids(obj) -> list[int]:
        return sorted(d.pk for d in obj.dependencies.all())


class VulnerabilityCreate(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    kind: KINDS
    severity: str = Field("", max_length=20, description="A key of GET /incidents/severity-scale; follows from the "
                                                         "CVSS score when a vector is given.")
    cvss_vector: str = Field("", max_length=300, description="CVSS 3.1 or 4.0; required for the kind `classic`.")
    cve_id: str = Field("", max_length=30, description="CVE-YYYY-NNNN.")
    description: str = Field("", max_length=20000)
    customer_impact: str = Field("", max_length=5000)
    unit_id: int | None = Field(None, description="Defaults to the caller's unit.")
    owner_id: int | None = Field(None, description="Defaults to the caller.")
    incident_id: int | None = None
    components: list[VulnerableComponentIn] = Field(default_factory=list, max_length=500)
    dependency_ids: list[int] = Field(default_factory=list, max_length=500)
    reason: str = Field("", max_length=5000)


class VulnerabilityUpdate(InputSchema):
    NOT_NULL = ("title", "kind", "severity", "cvss_vector", "cve_id", "description", "customer_impact", "unit_id",
                "owner_id", "components", "dependency_ids")
    version: int
    title: str | None = Field(None, min_length=1, max_length=200)
    kind: KINDS | None = None
    severity: str | None = Field(None, max_length=20)
    cvss_vector: str | None = Field(None, max_length=300)
    cve_id: str | None = Field(None, max_length=30)
    description: str | None = Field(None, max_length=20000)
    customer_impact: str | None = Field(None, max_length=5000)
    unit_id: int | None = None
    owner_id: int | None = None
    incident_id: int | None = Field(None, description="null unlinks the incident.")
    components: list[VulnerableComponentIn] | None = Field(None, max_length=500)
    dependency_ids: list[int] | None = Field(None, max_length=500)
    reason: str = Field("", max_length=5000)


class VulnerabilityStatusIn(InputSchema):
    status: STATUSES
    reason: str = Field("", max_length=5000, description="Required to accept, to close an unmitigated one, to reopen.")


class VulnerableSystemRead(Schema):
    id: int
    name: str
    reference_code: str
    unit_id: int
    stage: str
    through: list[str] = Field(description="The affected component versions and dependencies it uses.")


class MitigationRead(Schema):
    id: int
    vulnerability_id: int
    kind: str
    title: str
    owner_id: int
    due_date: date
    status: str
    done_on: date | None
    done_note: str
    version: int


class MitigationCreate(InputSchema):
    kind: MITIGATION_KINDS
    title: str = Field(..., min_length=1, max_length=300)
    owner_id: int
    due_date: date | None = Field(None, description="Defaults to the catalogue's days for the severity (the latest "
                                                    "date allowed).")


class MitigationDoneIn(InputSchema):
    note: str = Field(..., min_length=1, max_length=5000)
    done_on: date | None = Field(None, description="Defaults to today.")


VULNERABILITY_SORTS = {"created": ("created_at",), "severity": ("severity", "created_at"),
                       "status": ("status", "created_at"), "kind": ("kind", "created_at"), "title": ("title",),
                       "score": ("cvss_score",)}


class VulnerabilityFilters(ListParams):
    SORTS = VULNERABILITY_SORTS
    status: Literal[tuple(VulnerabilityStatus.values) + ("open",)] | None = Field(
        None, description="`open`: open or being mitigated.")
    severity: str | None = Field(None, max_length=20)
    kind: KINDS | None = None
    unit: int | None = None
    owner: int | None = None
    component: int | None = Field(None, description="Concerning this component version (linked to it, or to "
                                                                "its line with all_versions).")
    incident: int | None = None


def _vulnerabilities(user):
    return Vulnerability.objects.restrict(user, VIEW).prefetch_related("component_links", "dependencies")


def _components(user, rows) -> list[tuple] | None:
    if rows is None:
        return None
    found = {c.pk: c for c in visible_set_or_field_error(Component, user, [r.component_id for r in rows],
                                                         "components")}
    return [(found[r.component_id], r.all_versions) for r in rows]


def _references(user, payload) -> dict:
    data = {}
    if payload.unit_id is not None:
        data["unit"] = visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id")
    if payload.owner_id is not None:
        data["owner"] = visible_or_field_error(User, user, payload.owner_id, "owner_id")
    if payload.incident_id is not None:
        data["incident"] = visible_or_field_error(Incident, user, payload.incident_id, "incident_id")
    return data


@router.get("/vulnerabilities", response=page_of(VulnerabilityRead),
            summary="Vulnerabilities of AI components in the caller's scope")
def vulnerability_list(request, filters: Query[VulnerabilityFilters]):
    found = search(_vulnerabilities(request.user), filters.q, ["title", "reference", "cve_id"])
    if filters.status == "open":
        found = found.filter(status__in=OPEN_VULNERABILITY_STATUSES)
    elif filters.status:
        found = found.filter(status=filters.status)
    for name in ("severity", "kind", "unit", "owner", "incident"):
        if getattr(filters, name) not in (None, ""):
            found = found.filter(**{name: getattr(filters, name)})
    if filters.component is not None:
        found = found.filter(pk__in=queries.vulnerability_ids_affecting(filters.component))
    return paginate(found, filters, sorts=VULNERABILITY_SORTS, default="-created")


@router.post("/vulnerabilities", response={201: VulnerabilityRead}, summary="Record a vulnerability")
def vulnerability_create(request, payload: VulnerabilityCreate):
    data = _references(request.user, payload)
    dependencies = visible_set_or_field_error(Dependency, request.user, payload.dependency_ids, "dependency_ids")
    found = services.create_vulnerability(
        actor=request.user, title=payload.title, kind=payload.kind, severity=payload.severity,
        cvss_vector=payload.cvss_vector, cve_id=payload.cve_id, description=payload.description,
        customer_impact=payload.customer_impact, components=_components(request.user, payload.components),
        dependencies=dependencies, reason=payload.reason, **data)
    return Status(201, visible(_vulnerabilities(request.user), found.pk))


@router.get("/vulnerabilities/{int:vulnerability_id}", response=VulnerabilityRead, summary="One vulnerability")
def vulnerability_detail(request, vulnerability_id: int):
    return visible(_vulnerabilities(request.user), vulnerability_id)


@router.patch("/vulnerabilities/{int:vulnerability_id}", response=VulnerabilityRead,
              summary="Change what is known of a vulnerability (send the version read)")
def vulnerability_update(request, vulnerability_id: int, payload: VulnerabilityUpdate):
    found = visible(_vulnerabilities(request.user), vulnerability_id)
    changes = changes_of(payload, exclude=("version", "reason", "unit_id", "owner_id", "incident_id", "components",
                                           "dependency_ids"))
    changes.update(_references(request.user, payload))
    if "incident_id" in payload.model_fields_set and payload.incident_id is None:
        changes["incident"] = None
    dependencies = (visible_set_or_field_error(Dependency, request.user, payload.dependency_ids, "dependency_ids")
                    if payload.dependency_ids is not None else None)
    services.update_vulnerability(actor=request.user, vulnerability=found, changes=changes,
                                  components=_components(request.user, payload.components),
                                  dependencies=dependencies, expected_version=payload.version,
                                  reason=payload.reason)
    return visible(_vulnerabilities(request.user), vulnerability_id)


@router.post("/vulnerabilities/{int:vulnerability_id}/status", response=VulnerabilityRead,
             summary="Move a vulnerability along its workflow (open, mitigating, mitigated, accepted, closed)")
def vulnerability_status(request, vulnerability_id: int, payload: VulnerabilityStatusIn):
    found = visible(_vulnerabilities(request.user), vulnerability_id)
    services.change_vulnerability_status(actor=request.user, vulnerability=found, status=payload.status,
                                         reason=payload.reason)
    return visible(_vulnerabilities(request.user), vulnerability_id)


@router.get("/vulnerabilities/{int:vulnerability_id}/systems", response=list[VulnerableSystemRead],
            summary="The AI systems the vulnerability affects, found through the inventory (those the caller sees)")
def vulnerability_systems(request, vulnerability_id: int):
    return queries.vulnerable_systems(visible(_vulnerabilities(request.user), vulnerability_id), request.user)


@router.get("/vulnerabilities/{int:vulnerability_id}/mitigations", response=list[MitigationRead],
            summary="A vulnerability's mitigations")
def mitigation_list(request, vulnerability_id: int):
    found = visible(_vulnerabilities(request.user), vulnerability_id)
    return list(found.mitigations.order_by("due_date", "id"))


@router.post("/vulnerabilities/{int:vulnerability_id}/mitigations", response={201: MitigationRead},
             summary="Plan a mitigation with its owner (due by the catalogue's days for the severity)")
def mitigation_add(request, vulnerability_id: int, payload: MitigationCreate):
    found = visible(_vulnerabilities(request.user), vulnerability_id)
    owner = visible_or_field_error(User, request.user, payload.owner_id, "owner_id")
    return Status(201, services.add_mitigation(actor=request.user, vulnerability=found, kind=payload.kind,
                                               title=payload.title, owner=owner, due_date=payload.due_date))


@router.post("/vulnerability-mitigations/{int:mitigation_id}/done", response=MitigationRead,
             summary="Record that a mitigation is done (its owner, or whoever may change the vulnerability)")
def mitigation_done(request, mitigation_id: int, payload: MitigationDoneIn):
    mitigation = visible(Mitigation.objects.filter(vulnerability__in=Vulnerability.objects.restrict(request.user, VIEW))
                         .select_related("vulnerability"), mitigation_id)
    return services.complete_mitigation(actor=request.user, mitigation=mitigation, note=payload.note,
                                        done_on=payload.done_on)


class MitigationDueDays(Schema):
    severity: str
    label: str
    days: int | None


@router.get("/vulnerabilities/mitigation-due-days", response=list[MitigationDueDays],
            summary="How many days a mitigation has, by severity (catalogue data)")
def mitigation_due_days(request):
    return [{"severity": level["key"], "label": level["label"], "days": catalog.mitigation_due_days(level["key"])}
            for level in catalog.severity_scale()]
