"""Risk API: the register (same filters and sorts as the page), treatment actions, acceptance, reviews, and the
trigger endpoint pipelines call. Methods, heatmaps and impact assessments are in api_methods.py (added below).

Every read goes through `restrict()`, every write through a service; api_errors.py turns their exceptions into the
structured JSON errors (422 field errors, 403, 404, 409 on a stale version).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_utils import (
    InputSchema, ListParams, attach_linked_ids, page_of, paginate, visible_or_field_error, visible_set_or_field_error,
)
from aims.core.models import OrgUnit, User
from aims.core.permissions import VIEW, Role, can_everywhere, has_role
from aims.inventory.models import AISystem, Component, Dependency

from . import register, services, triggers
from .choices import RiskCategory
from .heatmap import kept_total
from .models import Risk, RiskAcceptance, RiskReview, Threat, TreatmentAction

router = Router(tags=["risks"])

CATEGORIES = Literal[tuple(RiskCategory.values)]
STATUSES = Literal[tuple(Risk.Status.values) + (register.OPEN,)]
TREATMENTS = Literal[tuple(Risk.Treatment.values)]
ACTION_STATUSES = Literal[tuple(TreatmentAction.Status.values)]
OUTCOMES = Literal[tuple(RiskReview.Outcome.values)]
TRIGGER_SOURCES = Literal[triggers.SOURCES]
# Roles that may call the trigger API directly (other modules call aims.risks.triggers in-process).
TRIGGER_ROLES = (Role.AIMS_MANAGER, Role.RISK_MANAGER, Role.ADMINISTRATOR)
TEXT = Field("", max_length=20000)


class RiskRead(Schema):
    id: int
    title: str
    category: str
    unit_id: int | None
    owner_id: int
    method_id: int
    risk_source: str
    event: str
    consequence: str
    ebios_risk_source: str
    ebios_target_objective: str
    ebios_operational_scenario: str
    existing_measures: str
    system_ids: list[int] = Field(description="Linked AI systems visible to the caller.")
    component_ids: list[int]
    dependency_ids: list[int]
    threat_ids: list[int]
    inherent_likelihood: int | None
    inherent_impact: int | None
    inherent_score: int | None
    inherent_level: str
    residual_likelihood: int | None
    residual_impact: int | None
    residual_score: int | None
    residual_level: str
    above_appetite: bool
    target_level: str
    treatment: str
    treatment_rationale: str
    status: str
    next_review_date: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class _RiskFields(InputSchema):
    risk_source: str | None = Field(None, max_length=20000)
    event: str | None = Field(None, max_length=20000)
    consequence: str | None = Field(None, max_length=20000)
    ebios_risk_source: str | None = Field(None, max_length=20000)
    ebios_target_objective: str | None = Field(None, max_length=20000)
    ebios_operational_scenario: str | None = Field(None, max_length=20000)
    existing_measures: str | None = Field(None, max_length=20000)
    target_level: str | None = Field(None, max_length=40)
    system_ids: list[int] | None = None
    component_ids: list[int] | None = None
    dependency_ids: list[int] | None = None
    threat_ids: list[int] | None = None
    reason: str = Field("", max_length=5000)


class RiskCreate(_RiskFields):
    title: str = Field(..., min_length=1, max_length=300)
    category: CATEGORIES
    owner_id: int | None = Field(None, description="Defaults to the caller.")
    unit_id: int | None = Field(None, description="Defaults to the unit of the first linked system.")
    inherent_likelihood: int | None = Field(None, description="A step of the active method's likelihood scale.")
    inherent_impact: int | None = None


class RiskUpdate(_RiskFields):
    # Null clears the unit, the review date and the scores; texts are emptied with "", not null.
    NOT_NULL = ("title", "category", "owner_id", "treatment", "treatment_rationale", "target_level", "risk_source",
                "event", "consequence", "ebios_risk_source", "ebios_target_objective", "ebios_operational_scenario",
                "existing_measures")
    version: int
    title: str | None = Field(None, min_length=1, max_length=300)
    category: CATEGORIES | None = None
    owner_id: int | None = None
    unit_id: int | None = None
    next_review_date: date | None = None
    treatment_rationale: str | None = Field(None, max_length=20000)
    inherent_likelihood: int | None = None
    inherent_impact: int | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    treatment: TREATMENTS | None = Field(None, description="Records the treatment decision (reduce, accept...).")


class RiskFilters(ListParams):
    SORTS = register.RISK_SORTS
    system: str | None = Field(None, max_length=60, description="A system id or reference code.")
    category: CATEGORIES | None = None
    owner: int | None = None
    unit: int | None = None
    inherent_level: str | None = Field(None, max_length=40)
    residual_level: str | None = Field(None, max_length=40)
    status: STATUSES | None = Field(None, description="A status, or 'open' for every status but closed.")
    above_appetite: bool | None = None
    review_overdue: bool = False
    cell: str | None = Field(None, max_length=30, description="A heatmap cell: inherent-L-I or residual-L-I.")
    method: int | None = None


def _with_links(risks: list, user) -> list:
    """The risks, each with the ids of its links that `user` may see (system_ids, component_ids...): 4 queries."""
    attach_linked_ids(risks, "systems", "system_ids", AISystem.objects.restrict(user, VIEW))
    attach_linked_ids(risks, "components", "component_ids", Component.objects.restrict(user, VIEW))
    attach_linked_ids(risks, "dependencies", "dependency_ids", Dependency.objects.restrict(user, VIEW))
    attach_linked_ids(risks, "threats", "threat_ids")
    return risks


def _risks(user):
    return Risk.objects.restrict(user, VIEW)


def _read(user, pk: int) -> Risk:
    return _with_links([visible(_risks(user), pk)], user)[0]


def _links(user, payload) -> dict:
    links = {}
    for field, name, model in (("system_ids", "systems", AISystem), ("component_ids", "components", Component),
                               ("dependency_ids", "dependencies", Dependency)):
        ids = getattr(payload, field)
        if ids is not None:
            links[name] = visible_set_or_field_error(model, user, ids, field)
    if payload.threat_ids is not None:
        wanted = set(payload.threat_ids)
        threats = list(Threat.objects.filter(pk__in=wanted))
        missing = wanted - {t.pk for t in threats}
        if missing:
            raise ValidationError({"threat_ids": _("Unknown threat ids: %(ids)s.") % {
                "ids": ", ".join(map(str, sorted(missing)))}})
        links["threats"] = threats
    return links


@router.get("/risks", response=page_of(RiskRead), summary="The risk register")
def risk_list(request, filters: Query[RiskFilters]):
    params = filters.model_dump(exclude={"limit", "offset", "sort"})
    params = {k: ("" if v is None and k not in ("above_appetite",) else v) for k, v in params.items()}
    risks = register.apply_filters(_risks(request.user), **params)
    # The whole register, for a reader who sees all of it: its total is kept (aims.risks.heatmap).
    whole = not register.chosen_filters(params) and can_everywhere(request.user, VIEW, "risks")
    page = paginate(risks, filters, sorts=register.RISK_SORTS, default=register.DEFAULT_SORT,
                    total=kept_total() if whole else None)
    _with_links(page["items"], request.user)
    return page


@router.post("/risks", response={201: RiskRead}, summary="Record a risk (scored with the active method)")
def risk_create(request, payload: RiskCreate):
    user = request.user
    owner = visible_or_field_error(User, user, payload.owner_id, "owner_id") or user
    unit = visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id")
    fields = payload.model_dump(exclude={"owner_id", "unit_id", "system_ids", "component_ids", "dependency_ids",
                                         "threat_ids"}, exclude_none=True)
    risk = services.create_risk(actor=user, owner=owner, unit=unit, **_links(user, payload), **fields)
    return Status(201, _read(user, risk.pk))


@router.get("/risks/{int:risk_id}", response=RiskRead, summary="One risk")
def risk_detail(request, risk_id: int):
    return _read(request.user, risk_id)


SCORE_FIELDS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")


@router.patch("/risks/{int:risk_id}", response=RiskRead,
              summary="Change a risk: description, links, scores (re-assessed) and treatment decision")
def risk_update(request, risk_id: int, payload: RiskUpdate):
    user = request.user
    risk = visible(_risks(user), risk_id)
    sent = changes_of(payload)
    changes = {k: v for k, v in sent.items() if k in services.risks.DESCRIPTIVE_FIELDS}
    if "owner_id" in sent:
        changes["owner"] = visible_or_field_error(User, user, sent["owner_id"], "owner_id")
        if changes["owner"] is None:
            raise ValidationError({"owner_id": _("Every risk needs an owner.")})
    if "unit_id" in sent:
        changes["unit"] = visible_or_field_error(OrgUnit, user, sent["unit_id"], "unit_id")
    with transaction.atomic():
        risk = services.update_risk(actor=user, risk=risk, changes=changes, expected_version=payload.version,
                                    reason=payload.reason)
        links = _links(user, payload)
        if links:
            services.set_risk_links(actor=user, risk=risk, reason=payload.reason, **links)
        if any(k in sent for k in SCORE_FIELDS):
            scores = {k: sent.get(k, getattr(risk, k)) for k in SCORE_FIELDS}
            risk = services.assess_risk(actor=user, risk=risk, reason=payload.reason, **scores)
        if "treatment" in sent:
            services.decide_treatment(actor=user, risk=risk, decision=sent["treatment"],
                                      rationale=sent.get("treatment_rationale", risk.treatment_rationale),
                                      reason=payload.reason)
    return _read(user, risk_id)


# --- Treatment actions ------------------------------------------------------------------------------------------------

class ActionRead(Schema):
    id: int
    risk_id: int
    title: str
    description: str
    owner_id: int
    due_date: date | None
    status: str
    completed_at: datetime | None
    version: int


class ActionCreate(InputSchema):
    title: str = Field(..., min_length=1, max_length=300)
    owner_id: int | None = Field(None, description="Defaults to the risk owner.")
    due_date: date | None = None
    description: str = TEXT
    reason: str = Field("", max_length=5000)


class ActionUpdate(InputSchema):
    NOT_NULL = ("title", "description", "status")  # owner_id: null keeps the owner
    version: int
    title: str | None = Field(None, min_length=1, max_length=300)
    owner_id: int | None = None
    due_date: date | None = None
    description: str | None = Field(None, max_length=20000)
    status: ACTION_STATUSES | None = None
    reason: str = Field("", max_length=5000)


@router.get("/risks/{int:risk_id}/actions", response=list[ActionRead], summary="Treatment actions of a risk")
def action_list(request, risk_id: int):
    risk = visible(_risks(request.user), risk_id)
    return list(risk.actions.order_by("due_date", "pk"))


@router.post("/risks/{int:risk_id}/actions", response={201: ActionRead}, summary="Add a treatment action")
def action_create(request, risk_id: int, payload: ActionCreate):
    user = request.user
    risk = visible(_risks(user), risk_id)
    owner = visible_or_field_error(User, user, payload.owner_id, "owner_id") or risk.owner
    action = services.add_treatment_action(actor=user, risk=risk, title=payload.title, owner=owner,
                                           due_date=payload.due_date, description=payload.description,
                                           reason=payload.reason)
    return Status(201, action)


@router.patch("/risks/{int:risk_id}/actions/{int:action_id}", response=ActionRead,
              summary="Change a treatment action or its status")
def action_update(request, risk_id: int, action_id: int, payload: ActionUpdate):
    user = request.user
    risk = visible(_risks(user), risk_id)
    action = visible(TreatmentAction.objects.restrict(user, VIEW).filter(risk=risk), action_id)
    sent = changes_of(payload)
    changes = {k: v for k, v in sent.items() if k in ("title", "description", "due_date")}
    if "owner_id" in sent:
        changes["owner"] = visible_or_field_error(User, user, sent["owner_id"], "owner_id") or action.owner
    with transaction.atomic():
        action = services.update_treatment_action(actor=user, action=action, changes=changes,
                                                  expected_version=payload.version, reason=payload.reason)
        if "status" in sent:
            action = services.set_treatment_action_status(actor=user, action=action, status=sent["status"],
                                                          reason=payload.reason)
    return action


# --- Acceptance ------------------------------------------------------------------------------------------------------

class AcceptanceRead(Schema):
    id: int
    risk_id: int
    accepted_by_id: int
    accepted_at: datetime
    rationale: str
    expires_on: date
    level: str
    method_id: int
    above_appetite: bool
    authority: str
    status: str


class AcceptanceCreate(InputSchema):
    rationale: str = Field(..., min_length=1, max_length=20000)
    expires_on: date
    reason: str = Field("", max_length=5000)


@router.post("/risks/{int:risk_id}/accept", response={201: AcceptanceRead},
             summary="Accept a risk (403 without the authority its level requires)")
def risk_accept(request, risk_id: int, payload: AcceptanceCreate):
    risk = visible(_risks(request.user), risk_id)
    acceptance = services.accept_risk(actor=request.user, risk=risk, rationale=payload.rationale,
                                      expires_on=payload.expires_on, reason=payload.reason)
    return Status(201, acceptance)


@router.get("/risks/{int:risk_id}/acceptances", response=list[AcceptanceRead], summary="Acceptances of a risk")
def acceptance_list(request, risk_id: int):
    risk = visible(_risks(request.user), risk_id)
    return list(RiskAcceptance.objects.filter(risk=risk).order_by("-accepted_at", "-pk"))


# --- Reviews ---------------------------------------------------------------------------------------------------------

class ReviewRead(Schema):
    id: int
    risk_id: int
    source: str
    facts: list[dict] = Field(description="Why, as facts: {source, message, params} the product wrote, or {source, "
                                          "text} a person typed")
    reason: str = Field(description="What people typed, as typed")
    reason_text: str = Field(description="The reasons in words, in the request's language")
    requested_by_id: int | None
    requested_by_label: str
    due_date: date
    status: str
    completed_by_id: int | None
    completed_at: datetime | None
    outcome: str
    notes: str
    level_before: str
    level_after: str
    method_id: int | None
    version: int
    created_at: datetime


class ReviewRequest(InputSchema):
    reason: str = Field(..., min_length=1, max_length=5000)


class ReviewComplete(InputSchema):
    version: int
    outcome: OUTCOMES
    notes: str = Field(..., min_length=1, max_length=20000)
    inherent_likelihood: int | None = None
    inherent_impact: int | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None


@router.get("/risks/{int:risk_id}/reviews", response=list[ReviewRead], summary="Reviews of a risk, newest first")
def review_list(request, risk_id: int):
    risk = visible(_risks(request.user), risk_id)
    return list(RiskReview.objects.filter(risk=risk).order_by("-created_at", "-pk"))


@router.post("/risks/{int:risk_id}/reviews", response={201: ReviewRead}, summary="Ask for a review of a risk")
def review_request(request, risk_id: int, payload: ReviewRequest):
    risk = visible(_risks(request.user), risk_id)
    return Status(201, services.request_risk_review(actor=request.user, risk=risk, reason=payload.reason))


@router.post("/risks/{int:risk_id}/reviews/{int:review_id}/complete", response=ReviewRead,
             summary="Complete a pending review: who, when and the outcome are recorded")
def review_complete(request, risk_id: int, review_id: int, payload: ReviewComplete):
    risk = visible(_risks(request.user), risk_id)
    review = visible(RiskReview.objects.restrict(request.user, VIEW).filter(risk=risk), review_id)
    return services.complete_review(actor=request.user, review=review, outcome=payload.outcome, notes=payload.notes,
                                    expected_version=payload.version,
                                    **payload.model_dump(include=set(SCORE_FIELDS)))


# --- Trigger API for pipelines ----------------------------------------------------------------------------------------

class TriggerReview(InputSchema):
    source: TRIGGER_SOURCES
    reason: str = Field(..., min_length=1, max_length=5000)
    system_ids: list[int] = Field(default_factory=list)
    component_ids: list[int] = Field(default_factory=list)
    dependency_ids: list[int] = Field(default_factory=list)


class TriggerResult(Schema):
    count: int
    reviews: list[ReviewRead]


@router.post("/risks/triggers/review", response=TriggerResult,
             summary="An event (incident, major change, go-live, supplier change, drift) asks for reviews")
def trigger_review(request, payload: TriggerReview):
    """Opens (or joins) a pending review on every open risk linked to the given objects. Restricted to AIMS
    managers, risk managers and administrators: pipelines use a token of such a person."""
    user = request.user
    if not has_role(user, *TRIGGER_ROLES):
        raise PermissionDenied(_("Only AIMS managers, risk managers and administrators may trigger reviews."))
    if not (payload.system_ids or payload.component_ids or payload.dependency_ids):
        raise ValidationError({"system_ids": _("Name at least one system, component or dependency.")})
    reviews = triggers.request_review(
        actor=user, reason=payload.reason, source=payload.source,
        systems=visible_set_or_field_error(AISystem, user, payload.system_ids, "system_ids"),
        components=visible_set_or_field_error(Component, user, payload.component_ids, "component_ids"),
        dependencies=visible_set_or_field_error(Dependency, user, payload.dependency_ids, "dependency_ids"))
    return {"count": len(reviews), "reviews": reviews}


from .api_methods import router as methods_router  # noqa: E402

router.add_router("", methods_router)
