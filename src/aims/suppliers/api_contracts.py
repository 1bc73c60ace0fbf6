"""Supplier contracts API: contracts with their clause checklist (and what the onboarding gate reads of it), audits
with findings and actions, the exit and continuity plan, and supplier change events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Router, Schema, Status as HttpStatus

from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema, visible_or_field_error
from aims.core.models import User
from aims.core.permissions import VIEW

from . import services_contracts as contracts
from .models import Supplier
from .models_contracts import (
    AuditAction, AuditFinding, ChangeKind, ClauseStatus, Contract, ExitPlan, Renewal, Severity, SupplierAudit,
)

router = Router(tags=["suppliers"])

RENEWALS = Literal[tuple(Renewal.values)]
CLAUSE_STATUSES = Literal[tuple(ClauseStatus.values)]


def _suppliers(user):
    return Supplier.objects.restrict(user, VIEW)


# --- Contracts -------------------------------------------------------------------------------------------------------

class ClauseEntry(Schema):
    status: CLAUSE_STATUSES
    reference: str = Field("", max_length=200, description="Where the contract says it (article, annex).")


class ContractRead(Schema):
    id: int
    supplier_id: int
    title: str
    reference: str
    start_date: date
    end_date: date | None
    renewal: str
    notice_days: int | None
    notice_deadline: date | None = Field(description="The end date minus the notice period (computed).")
    clauses: dict[str, dict] = Field(description="Per catalogue clause key: its status and reference.")
    version: int


class _ContractFields(InputSchema):
    reference: str | None = Field(None, max_length=100)
    end_date: date | None = None
    renewal: RENEWALS | None = None
    notice_days: int | None = Field(None, ge=0, le=3650)
    clauses: dict[str, ClauseEntry] | None = Field(None, description="Per catalogue clause key (suppliers catalogue).")


class ContractCreate(_ContractFields):
    title: str = Field(..., min_length=1, max_length=200)
    start_date: date


class ContractUpdate(_ContractFields):
    NOT_NULL = ("title", "start_date", "reference", "renewal", "clauses")
    version: int
    title: str | None = Field(None, min_length=1, max_length=200)
    start_date: date | None = None


@router.get("/suppliers/{int:supplier_id}/contracts", response=list[ContractRead],
            summary="A supplier's contracts, latest first")
def contract_list(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    return list(supplier.contracts.order_by("-start_date", "-pk"))


@router.post("/suppliers/{int:supplier_id}/contracts", response={201: ContractRead},
             summary="Record a contract with its clause checklist")
def contract_create(request, supplier_id: int, payload: ContractCreate):
    supplier = visible(_suppliers(request.user), supplier_id)
    fields = changes_of(payload, exclude=())
    return HttpStatus(201, contracts.create_contract(actor=request.user, supplier=supplier, **fields))


@router.get("/supplier-contracts/{int:contract_id}", response=ContractRead, summary="One contract")
def contract_detail(request, contract_id: int):
    return visible(Contract.objects.restrict(request.user, VIEW), contract_id)


@router.patch("/supplier-contracts/{int:contract_id}", response=ContractRead,
              summary="Change a contract's facts or its clause checklist")
def contract_update(request, contract_id: int, payload: ContractUpdate):
    contract = visible(Contract.objects.restrict(request.user, VIEW).select_related("supplier"), contract_id)
    return contracts.update_contract(actor=request.user, contract=contract, changes=changes_of(payload),
                                     expected_version=payload.version)


class ClauseCoverageRead(Schema):
    key: str
    label: str
    required: bool
    status: str = Field(description="present, partial, absent, or empty when no contract in force mentions it.")
    contract_id: int | None
    reference: str


@router.get("/suppliers/{int:supplier_id}/clauses", response=list[ClauseCoverageRead],
            summary="Each catalogue clause as the supplier's contracts in force hold it")
def clause_coverage(request, supplier_id: int):
    from .views_contracts import clause_rows

    supplier = visible(_suppliers(request.user), supplier_id)
    return [{"key": row["key"], "label": row["label"], "required": row["required"], "status": row["status"],
             "contract_id": row["contract"].pk if row["contract"] else None, "reference": row["reference"]}
            for row in clause_rows(supplier)]


# --- Audits, findings, actions ---------------------------------------------------------------------------------------

SEVERITIES = Literal[tuple(Severity.values)]
CHANGE_KINDS = Literal[tuple(ChangeKind.values)]


class AuditActionRead(Schema):
    id: int
    finding_id: int
    title: str
    owner_id: int
    due_date: date | None
    done_at: datetime | None
    version: int


class FindingRead(Schema):
    id: int
    audit_id: int
    title: str
    severity: str
    description: str
    actions: list[AuditActionRead]

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.all())


class AuditRead(Schema):
    id: int
    supplier_id: int
    title: str
    audit_date: date
    auditor: str
    scope: str
    conclusion: str
    version: int


class AuditDetail(AuditRead):
    findings: list[FindingRead]

    @staticmethod
    def resolve_findings(obj):
        return list(obj.findings.prefetch_related("actions").order_by("pk"))


class AuditCreate(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    audit_date: date
    auditor: str = Field("", max_length=200)
    scope: str = Field("", max_length=20000)
    conclusion: str = Field("", max_length=20000)


class FindingCreate(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    severity: SEVERITIES = "medium"
    description: str = Field("", max_length=20000)


class AuditActionCreate(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    owner_id: int
    due_date: date | None = None


def _audits(user):
    return SupplierAudit.objects.restrict(user, VIEW)


@router.get("/suppliers/{int:supplier_id}/audits", response=list[AuditRead], summary="A supplier's audits")
def audit_list(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    return list(supplier.audits.order_by("-audit_date", "-pk"))


@router.post("/suppliers/{int:supplier_id}/audits", response={201: AuditDetail}, summary="Record an audit")
def audit_create(request, supplier_id: int, payload: AuditCreate):
    supplier = visible(_suppliers(request.user), supplier_id)
    return HttpStatus(201, contracts.record_audit(actor=request.user, supplier=supplier, **payload.model_dump()))


@router.get("/supplier-audits/{int:audit_id}", response=AuditDetail,
            summary="One audit with its findings and their actions")
def audit_detail(request, audit_id: int):
    return visible(_audits(request.user), audit_id)


@router.post("/supplier-audits/{int:audit_id}/findings", response={201: FindingRead}, summary="Record a finding")
def finding_create(request, audit_id: int, payload: FindingCreate):
    audit = visible(_audits(request.user).select_related("supplier"), audit_id)
    return HttpStatus(201, contracts.add_finding(actor=request.user, audit=audit, **payload.model_dump()))


@router.post("/supplier-audit-findings/{int:finding_id}/actions", response={201: AuditActionRead},
             summary="Add an action on a finding (its owner gets a task)")
def audit_action_create(request, finding_id: int, payload: AuditActionCreate):
    user = request.user
    finding = visible(AuditFinding.objects.restrict(user, VIEW).select_related("audit__supplier__unit"), finding_id)
    owner = visible_or_field_error(User, user, payload.owner_id, "owner_id")
    return HttpStatus(201, contracts.add_audit_action(actor=user, finding=finding, title=payload.title, owner=owner,
                                                      due_date=payload.due_date))


@router.post("/supplier-audit-actions/{int:audit_action_id}/done", response=AuditActionRead,
             summary="Mark an audit action as done (its owner, or whoever may change the supplier)")
def audit_action_done(request, audit_action_id: int):
    action = visible(AuditAction.objects.restrict(request.user, VIEW).select_related("finding__audit__supplier"),
                     audit_action_id)
    return contracts.complete_audit_action(actor=request.user, action=action)


# --- Exit and continuity plan ----------------------------------------------------------------------------------------

class ExitPlanRead(Schema):
    id: int
    supplier_id: int
    strategy: str
    alternatives: str
    continuity: str
    last_tested_on: date | None
    test_result: str
    test_due: date | None = Field(description="When the plan must be tested again (empty: never tested, due now).")
    test_overdue: bool
    version: int

    @staticmethod
    def resolve_test_due(obj):
        return contracts.exit_test_due(obj)

    @staticmethod
    def resolve_test_overdue(obj):
        return contracts.exit_test_overdue(obj)


class ExitPlanWrite(InputSchema):
    NOT_NULL = ("strategy", "alternatives", "continuity", "test_result")
    version: int | None = Field(None, description="The version read, once the plan exists.")
    strategy: str | None = Field(None, min_length=1, max_length=20000)
    alternatives: str | None = Field(None, max_length=20000)
    continuity: str | None = Field(None, max_length=20000)
    last_tested_on: date | None = None
    test_result: str | None = Field(None, max_length=20000)


@router.get("/suppliers/{int:supplier_id}/exit-plan", response=ExitPlanRead,
            summary="The supplier's exit and continuity plan (404 while there is none)")
def exit_plan_detail(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    plan = ExitPlan.objects.filter(supplier=supplier).first()
    if plan is None:
        raise Http404
    return plan


@router.put("/suppliers/{int:supplier_id}/exit-plan", response=ExitPlanRead,
            summary="Write or change the exit and continuity plan (with its last test date)")
def exit_plan_save(request, supplier_id: int, payload: ExitPlanWrite):
    supplier = visible(_suppliers(request.user), supplier_id)
    return contracts.save_exit_plan(actor=request.user, supplier=supplier, changes=changes_of(payload),
                                    expected_version=payload.version)


# --- Supplier change events ------------------------------------------------------------------------------------------

class SupplierChangeRead(Schema):
    id: int
    supplier_id: int
    kind: str
    occurred_on: date
    description: str
    reviews_requested: int = Field(description="Risk reviews requested on the systems depending on the supplier.")


class SupplierChangeCreate(InputSchema):
    kind: CHANGE_KINDS
    occurred_on: date
    description: str = Field(..., min_length=1, max_length=20000)


@router.get("/suppliers/{int:supplier_id}/changes", response=list[SupplierChangeRead],
            summary="Changes recorded at the supplier, latest first")
def change_list(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    return list(supplier.change_events.order_by("-occurred_on", "-pk"))


@router.post("/suppliers/{int:supplier_id}/changes", response={201: SupplierChangeRead},
             summary="Record a change at the supplier: reviews of the linked risks are requested")
def change_create(request, supplier_id: int, payload: SupplierChangeCreate):
    supplier = visible(_suppliers(request.user), supplier_id)
    return HttpStatus(201, contracts.record_supplier_change(actor=request.user, supplier=supplier,
                                                            **payload.model_dump()))
