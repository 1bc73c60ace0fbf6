"""Inventory API: AI systems, their EU AI Act classification, lifecycle moves through the gates, change decisions and
model cards. The classification is in api_classification.py; components, dependencies and shadow-AI declarations in
api_components.py (routers of their own, added beside this one in aims/api.py).

Every read goes through `restrict()`; every write calls the service the pages call; errors become structured JSON in
aims/core/api_errors.py. A refused gate answers 422 with code "gate_refused" and every check in `checks`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_errors import error_body
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, visible_or_field_error
from aims.core.models import OrgUnit, User
from aims.core.paging import rows_between
from aims.core.permissions import VIEW

from . import portfolio, services
from .models import (
    AiActRole, AiActTier, AISystem, Autonomy, ChangeDecision, ComponentKind, Criticality, DeploymentMode, Exposure,
    GateOverride, ModelCard, Stage, SystemComponent,
)

router = Router(tags=["inventory"])

REASON = Field("", max_length=5000)
STAGES = Literal[tuple(Stage.values)]
TIERS = Literal[tuple(v for v in AiActTier.values if v)]
ROLES = Literal[tuple(v for v in AiActRole.values if v)]
CRITICALITIES = Literal[tuple(Criticality.values)]
EXPOSURES = Literal[tuple(Exposure.values)]
AUTONOMIES = Literal[tuple(Autonomy.values)]
DEPLOYMENT_MODES = Literal[tuple(DeploymentMode.values)]


class Link(InputSchema):
    label: str = Field("", max_length=200)
    url: str = Field(..., max_length=2000)


# --- Systems ------------------------------------------------------------------------------------------------------------

class SystemRead(Schema):
    id: int
    reference_code: str
    name: str
    purpose: str
    intended_use: str
    unit_id: int
    owner_id: int | None
    backup_owner_id: int | None
    business_referent_id: int | None
    technical_lead_id: int | None
    incident_contact_id: int | None
    escalation_path: str
    stage: str
    criticality: str
    personal_data: bool
    special_category_data: bool
    confidential_data: bool
    external_exposure: str
    autonomy: str
    human_oversight: str
    deployment_mode: str
    users_and_affected: str
    value: str
    priority: int
    next_review_date: date | None
    links: list[dict]
    ai_act_tier: str
    ai_act_role: str
    ai_act_gpai: bool
    needs_reclassification: bool
    is_frozen: bool
    retired_at: datetime | None
    orphan: bool = Field(description="No owner, or an owner who was deactivated.")
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_orphan(obj) -> bool:
        return portfolio.is_orphan(obj)


class _SystemFields(InputSchema):
    purpose: str | None = None
    intended_use: str | None = None
    backup_owner_id: int | None = None
    business_referent_id: int | None = None
    technical_lead_id: int | None = None
    incident_contact_id: int | None = None
    escalation_path: str | None = None
    criticality: CRITICALITIES | None = None
    personal_data: bool | None = None
    special_category_data: bool | None = None
    confidential_data: bool | None = None
    external_exposure: EXPOSURES | None = None
    autonomy: AUTONOMIES | None = None
    human_oversight: str | None = None
    deployment_mode: DEPLOYMENT_MODES | Literal[""] | None = None
    users_and_affected: str | None = None
    value: str | None = None
    priority: int | None = Field(None, ge=1, le=5)
    next_review_date: date | None = None
    links: list[Link] | None = Field(None, max_length=100)
    reason: str = REASON


class SystemCreate(_SystemFields):
    name: str = Field(..., max_length=200)
    reference_code: str = Field("", max_length=40, description="Empty: the next AIS-number.")
    unit_id: int
    owner_id: int


class SystemUpdate(_SystemFields):
    # Null clears the optional people and the review date, empties the free texts; these cannot be cleared:
    NOT_NULL = ("name", "reference_code", "unit_id", "owner_id", "criticality", "personal_data",
                "special_category_data", "confidential_data", "external_exposure", "autonomy", "priority", "links")
    version: int
    name: str | None = Field(None, max_length=200)
    reference_code: str | None = Field(None, max_length=40)
    unit_id: int | None = None
    owner_id: int | None = None


class SystemFilters(ListParams):
    SORTS = portfolio.SORTS
    tier: Literal[tuple(v for v in AiActTier.values if v) + (portfolio.UNCLASSIFIED,)] | None = None
    stage: STAGES | None = None
    unit: int | None = Field(None, description="Systems of this unit or any unit below it.")
    owner: int | None = None
    criticality: CRITICALITIES | None = None
    overdue: bool = Field(False, description="Only systems whose next review date has passed.")
    reclassify: bool = Field(False, description="Only systems that need re-classification.")
    orphans: bool = Field(False, description="Only systems without an active owner.")


SYSTEM_REFERENCES = {"unit_id": (OrgUnit, "unit"), "owner_id": (User, "owner"), "backup_owner_id": (User, "backup_owner"),
                     "business_referent_id": (User, "business_referent"), "technical_lead_id": (User, "technical_lead"),
                     "incident_contact_id": (User, "incident_contact")}


def resolve_references(user, changes: dict, references: dict) -> dict:
    for key, (model, field) in references.items():
        if key in changes:
            changes[field] = visible_or_field_error(model, user, changes.pop(key), key)
    return changes


def _system_changes(user, payload, *, exclude=("version", "reason")) -> dict:
    changes = changes_of(payload, exclude=exclude)
    changes = resolve_references(user, changes, SYSTEM_REFERENCES)
    for field in ("purpose", "intended_use", "escalation_path", "human_oversight", "users_and_affected", "value",
                  "deployment_mode"):
        if field in changes and changes[field] is None:
            changes[field] = ""
    return changes


def filter_from(filters: SystemFilters) -> portfolio.PortfolioFilter:
    return portfolio.PortfolioFilter(
        q=(filters.q or "").strip(), tier=filters.tier or "", stage=filters.stage or "", unit=filters.unit,
        owner=filters.owner, criticality=filters.criticality or "", overdue=filters.overdue,
        reclassify=filters.reclassify, orphans=filters.orphans)


def _check_sort(sort: str | None) -> None:
    key = (sort or portfolio.DEFAULT_SORT).lstrip("-")
    if key not in portfolio.SORTS:
        raise ValidationError({"sort": _("Unknown sort key “%(key)s”; use one of: %(allowed)s (prefix with - for "
                                         "descending).") % {"key": key, "allowed": ", ".join(sorted(portfolio.SORTS))}})


def system_for(request, system_id: int) -> AISystem:
    return visible(portfolio.visible_systems(request.user), system_id)


@router.get("/systems", response=page_of(SystemRead), summary="AI systems (the portfolio)")
def system_list(request, filters: Query[SystemFilters]):
    """The portfolio filters of the page; sort by name, reference, stage, tier, criticality, unit, owner, review or
    updated. Two queries whatever the page size (count, page)."""
    _check_sort(filters.sort)
    systems = portfolio.apply(portfolio.visible_systems(request.user), request.user, filter_from(filters))
    ordering, _key, _desc = portfolio.ordering(filters.sort)
    return {"count": systems.count(), "items": list(rows_between(systems.order_by(*ordering), filters.offset,
                                                                  filters.offset + filters.limit))}


@router.post("/systems", response={201: SystemRead}, summary="Register an AI system (owner required)")
def system_create(request, payload: SystemCreate):
    # Left out or null: the model's default (no backup owner, medium criticality...).
    fields = {k: v for k, v in _system_changes(request.user, payload, exclude=("reason",)).items() if v is not None}
    name, unit, owner = fields.pop("name"), fields.pop("unit"), fields.pop("owner")
    system = services.create_system(actor=request.user, name=name, unit=unit, owner=owner, reason=payload.reason,
                                    **fields)
    return Status(201, system_for(request, system.pk))


@router.get("/systems/{int:system_id}", response=SystemRead, summary="One AI system")
def system_detail(request, system_id: int):
    return system_for(request, system_id)


@router.patch("/systems/{int:system_id}", response=SystemRead,
              summary="Change an AI system (send its version; a stale one gets 409)")
def system_update(request, system_id: int, payload: SystemUpdate):
    system = system_for(request, system_id)
    changes = _system_changes(request.user, payload)
    services.update_system(actor=request.user, system=system, changes=changes, expected_version=payload.version,
                           reason=payload.reason)
    return system_for(request, system_id)


# --- Lifecycle ----------------------------------------------------------------------------------------------------------

class GateCheckRead(Schema):
    stage: str
    key: str
    label: str
    passed: bool
    message: str
    fix_url: str


class GateStatus(Schema):
    system_id: int
    stage: str
    target: str
    passed: bool
    checks: list[GateCheckRead]


class StageMove(InputSchema):
    stage: STAGES
    version: int | None = Field(None, description="The system's version as read; a stale one gets 409.")
    justification: str = Field("", max_length=10000, description=(
        "AIMS managers only: pass although checks failed. Recorded as a gate override."))
    reason: str = REASON


class GateOverrideRead(Schema):
    id: int
    from_stage: str
    to_stage: str
    failed_checks: list[dict]
    justification: str
    overridden_by_id: int
    overridden_at: datetime


class GoLiveApproval(InputSchema):
    comment: str = Field("", max_length=5000)


@router.get("/systems/{int:system_id}/stage", response=GateStatus,
            summary="The gate a move to `target` would pass through, check by check (nothing moves)")
def stage_gate(request, system_id: int, target: STAGES):
    system = system_for(request, system_id)
    checks = [r.as_dict() for r in services.gate_status(system, target)]
    return {"system_id": system.pk, "stage": system.stage, "target": target, "checks": checks,
            "passed": all(c["passed"] for c in checks)}


@router.post("/systems/{int:system_id}/stage", response={200: SystemRead, 422: dict},
             summary="Move to a lifecycle stage through its gate (422 gate_refused lists every check)")
def stage_move(request, system_id: int, payload: StageMove):
    system = system_for(request, system_id)
    try:
        services.move_to_stage(actor=request.user, system=system, stage=payload.stage,
                               justification=payload.justification, expected_version=payload.version,
                               reason=payload.reason)
    except services.GateRefused as refused:
        return Status(422, error_body(
            "gate_refused", _("The gate refused the move to “%(stage)s”.") % {"stage": Stage(payload.stage).label},
            {"stage": [f"{r.label}: {r.message}" for r in refused.failures]},
            checks=[r.as_dict() for r in refused.results]))
    return system_for(request, system_id)


@router.get("/systems/{int:system_id}/gate-overrides", response=list[GateOverrideRead],
            summary="Gates an AIMS manager let the system through, with the justification")
def gate_overrides(request, system_id: int):
    system = system_for(request, system_id)
    return list(GateOverride.objects.filter(system=system).order_by("-overridden_at", "-id"))


@router.post("/systems/{int:system_id}/go-live-approval", response={201: dict},
             summary="The owner approves the go-live (only the system's owner may)")
def go_live_approval(request, system_id: int, payload: GoLiveApproval):
    system = system_for(request, system_id)
    approval = services.approve_go_live(actor=request.user, system=system, comment=payload.comment)
    return Status(201, {"id": approval.pk, "system_id": system.pk, "approved_by_id": approval.approved_by_id,
                        "approved_at": approval.approved_at, "system_version": approval.system_version})


# --- Change decisions -----------------------------------------------------------------------------------------------------

class ApprovalRead(Schema):
    slot: str
    approver_id: int
    verdict: str
    comment: str
    decided_at: datetime


class ChangeDecisionRead(Schema):
    id: int
    system_id: int
    kind: str
    description: str
    status: str
    requested_by_id: int
    requested_at: datetime
    required_approvers: list[dict]
    config_version: str
    approvals: list[ApprovalRead]
    decided_at: datetime | None
    effective_at: datetime | None
    version: int

    @staticmethod
    def resolve_approvals(obj) -> list:
        return list(obj.approvals.all())


class ChangeDecisionCreate(InputSchema):
    kind: Literal[tuple(ChangeDecision.Kind.values)]
    description: str = Field(..., max_length=10000)
    reason: str = REASON


class Verdict(InputSchema):
    comment: str = Field("", max_length=5000)
    slot: str | None = Field(None, max_length=60, description="The capacity, when you may approve in several.")


class MakeEffective(InputSchema):
    reason: str = REASON


def decision_for(request, decision_id: int) -> ChangeDecision:
    """Visible through the inventory scope, or to its expected approvers (committee members need no role)."""
    user = request.user
    decision = ChangeDecision.objects.select_related("system").prefetch_related("approvals").filter(
        pk=decision_id).first()
    if decision is None:
        raise Http404
    if (ChangeDecision.objects.restrict(user, VIEW).filter(pk=decision_id).exists()
            or decision.approvals.filter(approver=user).exists() or services.eligible_slots(decision, user)):
        return decision
    raise Http404


class ChangeDecisionFilters(ListParams):
    SORTS = {"requested": ("requested_at",)}


@router.get("/systems/{int:system_id}/change-decisions", response=page_of(ChangeDecisionRead),
            summary="Change decisions of a system, newest first")
def change_list(request, system_id: int, filters: Query[ChangeDecisionFilters]):
    system = system_for(request, system_id)
    return paginate(system.change_decisions.prefetch_related("approvals"), filters, sorts=ChangeDecisionFilters.SORTS,
                    default="-requested")


@router.post("/systems/{int:system_id}/change-decisions", response={201: ChangeDecisionRead},
             summary="Request a change (minor update, major update, retirement); its approvers are notified")
def change_create(request, system_id: int, payload: ChangeDecisionCreate):
    system = system_for(request, system_id)
    decision = services.request_change(actor=request.user, system=system, kind=payload.kind,
                                       description=payload.description, reason=payload.reason)
    return Status(201, decision)


@router.get("/change-decisions/{int:decision_id}", response=ChangeDecisionRead, summary="One change decision")
def change_detail(request, decision_id: int):
    return decision_for(request, decision_id)


@router.post("/change-decisions/{int:decision_id}/approve", response=ChangeDecisionRead, summary="Approve")
def change_approve(request, decision_id: int, payload: Verdict):
    decision = decision_for(request, decision_id)
    services.approve_change(actor=request.user, decision=decision, comment=payload.comment, slot=payload.slot)
    return ChangeDecision.objects.prefetch_related("approvals").get(pk=decision_id)


@router.post("/change-decisions/{int:decision_id}/reject", response=ChangeDecisionRead,
             summary="Reject (a comment is required); one rejection rejects the decision")
def change_reject(request, decision_id: int, payload: Verdict):
    decision = decision_for(request, decision_id)
    services.reject_change(actor=request.user, decision=decision, comment=payload.comment, slot=payload.slot)
    return ChangeDecision.objects.prefetch_related("approvals").get(pk=decision_id)


@router.post("/change-decisions/{int:decision_id}/effective", response=ChangeDecisionRead,
             summary="Put an approved decision into effect (a retirement freezes the system)")
def change_effective(request, decision_id: int, payload: MakeEffective):
    decision = decision_for(request, decision_id)
    services.make_change_effective(actor=request.user, decision=decision, reason=payload.reason)
    return ChangeDecision.objects.prefetch_related("approvals").get(pk=decision_id)


# --- Model card -----------------------------------------------------------------------------------------------------------

class ModelCardRead(Schema):
    id: int
    system_id: int
    component_id: int | None = Field(description="The model this card documents; null for the whole system.")
    approach: str
    task: str
    architecture_family: str
    model_architecture: str
    datasets: list[dict]
    inputs: list[dict]
    outputs: list[dict]
    performance_metrics: list[dict]
    users: str
    use_cases: str
    technical_limitations: str
    performance_tradeoffs: str
    ethical_considerations: list[dict]
    fairness_assessments: list[dict]
    environmental_considerations: str
    version: int
    updated_at: datetime


class ModelCardWrite(InputSchema):
    version: int | None = Field(None, description="Required once the card exists; a stale one gets 409.")
    approach: Literal["", "supervised", "unsupervised", "reinforcement-learning", "semi-supervised",
                      "self-supervised"] | None = None
    task: str | None = Field(None, max_length=200)
    architecture_family: str | None = Field(None, max_length=200)
    model_architecture: str | None = Field(None, max_length=200)
    datasets: list[dict] | None = Field(None, max_length=500)
    inputs: list[dict] | None = Field(None, max_length=100)
    outputs: list[dict] | None = Field(None, max_length=100)
    performance_metrics: list[dict] | None = Field(None, max_length=500)
    users: str | None = None
    use_cases: str | None = None
    technical_limitations: str | None = None
    performance_tradeoffs: str | None = None
    ethical_considerations: list[dict] | None = Field(None, max_length=500)
    fairness_assessments: list[dict] | None = Field(None, max_length=500)
    environmental_considerations: str | None = None
    reason: str = REASON


def _card_model(system, component_id: int | None):
    if component_id is None:
        return None
    link = SystemComponent.objects.filter(system=system, component_id=component_id,
                                          component__kind=ComponentKind.MODEL).select_related("component").first()
    if link is None:
        raise ValidationError({"component_id": _("Not a model that this system uses.")})
    return link.component


@router.get("/systems/{int:system_id}/model-card", response=ModelCardRead,
            summary="A model card of the system: of the model `component_id`, or of the system as a whole")
def model_card_get(request, system_id: int, component_id: int | None = None):
    system = system_for(request, system_id)
    card = ModelCard.objects.filter(system=system, component=_card_model(system, component_id)).first()
    if card is None:
        raise Http404
    return card


@router.put("/systems/{int:system_id}/model-card", response=ModelCardRead,
            summary="Write the model card (fields aligned with CycloneDX modelCard); fields left out are kept")
def model_card_put(request, system_id: int, payload: ModelCardWrite, component_id: int | None = None):
    system = system_for(request, system_id)
    model = _card_model(system, component_id)
    exists = ModelCard.objects.filter(system=system, component=model).exists()
    if exists and payload.version is None:
        raise ValidationError({"version": _("Send the version of the model card you read.")})
    changes = {k: ("" if v is None else v) for k, v in changes_of(payload).items()}
    return services.save_model_card(actor=request.user, system=system, changes=changes, component=model,
                                    expected_version=payload.version if exists else None, reason=payload.reason)
