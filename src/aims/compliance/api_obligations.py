"""Per-system EU AI Act obligations API: a system's register, the register across systems, one obligation (status,
owner, notes) and exceptions (asked for, then approved or refused by another person)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, visible_or_field_error
from aims.core.models import User
from aims.inventory.models import AISystem

from . import services
from .models import SystemObligation

router = Router(tags=["compliance"])
STATUSES = Literal[tuple(SystemObligation.Status.values)]


class ObligationRead(Schema):
    id: int
    system_id: int
    key: str = Field(description="The obligation's key in the AI Act catalogue (same as the framework's ref).")
    article: str
    title_en: str
    title_fr: str
    applies_from: date | None
    status: str
    owner_id: int | None
    notes: str
    exception_requested: str = Field(description="An exception asked for (waiting while exception_at is null).")
    exception_requested_by_id: int | None
    exception_requested_at: datetime | None
    exception_justification: str = Field(description="The approved exception, which the go-live gate accepts.")
    exception_by_id: int | None = Field(description="Who approved it.")
    exception_at: datetime | None
    is_active: bool
    catalogue_version: str
    version: int


class ObligationUpdate(InputSchema):
    version: int
    status: STATUSES | None = None
    owner_id: int | None = None
    notes: str | None = Field(None, max_length=20000)
    reason: str = Field("", max_length=5000)

    NOT_NULL = ("status", "owner_id", "notes")


class ExceptionCreate(InputSchema):
    justification: str = Field(..., min_length=1, max_length=20000)


class ExceptionDecision(InputSchema):
    comment: str = Field("", max_length=20000, description="Required to refuse or withdraw: why.")


class ObligationFilters(ListParams):
    system: int | None = None
    status: STATUSES | None = None
    in_force: bool = Field(False, description="Only obligations whose date of application has come.")
    include_retired: bool = False

    SORTS = {"applies": ("applies_from", "key"), "system": ("system_id", "key")}


def _obligations(user):
    return SystemObligation.objects.restrict(user, "view")


@router.get("/obligations", response=page_of(ObligationRead), summary="AI Act obligations of the AI systems")
def obligation_list(request, filters: Query[ObligationFilters]):
    from aims.core import context

    obligations = _obligations(request.user)
    if not filters.include_retired:
        obligations = obligations.filter(is_active=True)
    if filters.system:
        obligations = obligations.filter(system_id=filters.system)
    if filters.status:
        obligations = obligations.filter(status=filters.status)
    if filters.in_force:
        obligations = obligations.filter(applies_from__lte=context.today())
    return paginate(obligations, filters, sorts=ObligationFilters.SORTS, default="applies")


@router.get("/systems/{int:system_id}/obligations", response=list[ObligationRead],
            summary="One AI system's obligations (those that apply now first)")
def system_obligations(request, system_id: int):
    system = visible(AISystem.objects.restrict(request.user, "view"), system_id)
    return list(_obligations(request.user).filter(system=system).order_by("-is_active", "applies_from", "key"))


@router.get("/obligations/{int:obligation_id}", response=ObligationRead, summary="One obligation")
def obligation_detail(request, obligation_id: int):
    return visible(_obligations(request.user), obligation_id)


@router.patch("/obligations/{int:obligation_id}", response=ObligationRead, summary="Status, owner or notes")
def obligation_update(request, obligation_id: int, payload: ObligationUpdate):
    user = request.user
    obligation = visible(_obligations(user), obligation_id)
    changes = changes_of(payload, exclude=("version", "reason", "owner_id"))
    if "owner_id" in payload.model_fields_set:
        changes["owner"] = visible_or_field_error(User, user, payload.owner_id, "owner_id")
    return services.update_obligation(actor=user, obligation=obligation, changes=changes,
                                      expected_version=payload.version, reason=payload.reason)


@router.post("/obligations/{int:obligation_id}/exception", response=ObligationRead,
             summary="Ask for a justified exception (it waits in the approvers' inbox)")
def obligation_exception(request, obligation_id: int, payload: ExceptionCreate):
    obligation = visible(_obligations(request.user), obligation_id)
    return services.request_exception(actor=request.user, obligation=obligation, justification=payload.justification)


@router.post("/obligations/{int:obligation_id}/exception/approve", response=ObligationRead,
             summary="Approve the exception asked for (an approver other than who asked)")
def obligation_exception_approve(request, obligation_id: int, payload: ExceptionDecision):
    obligation = visible(_obligations(request.user), obligation_id)
    return services.approve_exception(actor=request.user, obligation=obligation, comment=payload.comment)


@router.post("/obligations/{int:obligation_id}/exception/refuse", response=ObligationRead,
             summary="Refuse the exception asked for, saying why")
def obligation_exception_refuse(request, obligation_id: int, payload: ExceptionDecision):
    obligation = visible(_obligations(request.user), obligation_id)
    return services.refuse_exception(actor=request.user, obligation=obligation, comment=payload.comment)


@router.post("/obligations/{int:obligation_id}/exception/withdraw", response=ObligationRead,
             summary="Withdraw an exception (compliance rights) or one's own waiting request, saying why")
def obligation_exception_withdraw(request, obligation_id: int, payload: ExceptionDecision):
    obligation = visible(_obligations(request.user), obligation_id)
    return services.withdraw_exception(actor=request.user, obligation=obligation, reason=payload.comment)
