"""Supplier contracts API: contracts with their clause checklist (and what the onboarding gate reads of it), audits
with findings and actions, the exit and continuity plan, and supplier change events."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Router, Schema, Status as HttpStatus

from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema
from aims.core.permissions import VIEW

from . import services_contracts as contracts
from .models import Supplier
from .models_contracts import ClauseStatus, Contract, Renewal

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
