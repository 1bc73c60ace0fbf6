"""Monitoring API: the KPI catalogue, KPIs and their governed thresholds, measurements (pushed in batches of
thousands, with a personal token or a system's push token), push tokens, alerts and suggested changes.

Drift is in api_drift.py, closure grids and dashboards in api_review.py (added below).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import HttpBearer

from aims.core.api import changes_of, visible
from aims.core.api_auth import API_AUTH
from aims.core.api_utils import (
    InputSchema, ListParams, RowSchema, page_of, paginate, search, visible_or_field_error,
)
from aims.core.models import User
from aims.core.permissions import VIEW, can_in_unit
from aims.inventory.models import AISystem

from . import catalog, services
from .models import (
    Alert, ChangeKind, ChangeSuggestion, Direction, Family, Frequency, Kpi, KpiDaily, Measurement, MeasurementBatch,
    PushToken, Status as KpiStatus, ThresholdChange, Trigger,
)
from .services import ingest
from .services.tokens import find_token

router = Router(tags=["monitoring"])

FAMILIES = Literal[tuple(Family.values)]
DIRECTIONS = Literal[tuple(Direction.values)]
FREQUENCIES = Literal[tuple(Frequency.values)]
TRIGGERS = Literal[tuple(Trigger.values)]
CHANGE_KINDS = Literal[tuple(ChangeKind.values)]


class PushTokenAuth(HttpBearer):
    """A system's push token (`aimsp_...`); any other bearer token is left to the personal-token check that follows."""

    def authenticate(self, request, token: str):
        token = (token or "").strip()
        row = find_token(token)
        if row is None:
            return None
        from ninja.errors import AuthenticationError

        if not row.is_usable:
            raise AuthenticationError(message=_("This push token was revoked or has expired."))
        if not row.created_by.is_active:
            raise AuthenticationError(message=_("This push token belongs to a deactivated account."))
        services.tokens.record_use(row)
        request.user = row.created_by
        request.push_token = row
        return row.created_by


PUSH_AUTH = [PushTokenAuth(), *API_AUTH]


def _system(user, system_id: int) -> AISystem:
    """The system, if the caller may see its monitoring (404 otherwise, as for a system out of scope)."""
    system = visible(AISystem.objects.restrict(user, VIEW).select_related("unit"), system_id)
    if not can_in_unit(user, VIEW, "monitoring", system.unit):
        raise Http404
    return system


# --- Catalogue -------------------------------------------------------------------------------------------------------

class CatalogueKpi(Schema):
    key: str
    label: str
    unit: str
    direction: str
    frequency: str
    suggested: dict
    help: str


class CatalogueFamily(Schema):
    key: str
    label: str
    kpis: list[CatalogueKpi]


@router.get("/monitoring/kpi-catalogue", response=list[CatalogueFamily],
            summary="The catalogue of KPIs in three families (labels in the caller's language)")
def kpi_catalogue(request):
    return catalog.families()


# --- KPIs ------------------------------------------------------------------------------------------------------------

class KpiRead(Schema):
    id: int
    system_id: int
    key: str
    catalogue_key: str
    family: str
    name: str = Field(description="The KPI's own name (custom KPIs); see label.")
    label: str = Field(description="What to show: the catalogue label in the caller's language, or the name.")
    description: str
    unit: str
    direction: str
    target: float | None
    warning: float | None
    critical: float | None
    threshold_version: int
    frequency: str
    owner_id: int
    data_source: str
    is_active: bool
    last_value: float | None
    last_measured_at: datetime | None
    status: str
    stale_since: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_label(obj) -> str:
        return obj.label()


class KpiCreate(InputSchema):
    system_id: int
    catalogue_key: str = Field("", max_length=60, description="A key of the catalogue; empty for a custom KPI.")
    key: str = Field("", max_length=60, description="Defaults to the catalogue key, or a slug of the name.")
    name: str = Field("", max_length=200, description="Required for a custom KPI.")
    family: FAMILIES | Literal[""] = Field("", description="Required for a custom KPI.")
    description: str = Field("", max_length=20000)
    unit: str | None = Field(None, max_length=30)
    direction: DIRECTIONS | None = None
    frequency: FREQUENCIES | None = None
    target: float | None = None
    warning: float | None = None
    critical: float | None = None
    owner_id: int | None = Field(None, description="Defaults to the caller.")
    data_source: str = Field("", max_length=300)
    rationale: str = Field("", max_length=5000, description="Why these first thresholds.")
    reason: str = Field("", max_length=5000)


class KpiUpdate(InputSchema):
    NOT_NULL = ("name", "description", "unit", "frequency", "owner_id", "data_source", "is_active")
    version: int
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20000)
    unit: str | None = Field(None, max_length=30)
    frequency: FREQUENCIES | None = None
    owner_id: int | None = None
    data_source: str | None = Field(None, max_length=300)
    is_active: bool | None = None
    reason: str = Field("", max_length=5000)


class ThresholdsIn(InputSchema):
    version: int = Field(description="The KPI's version, as read.")
    rationale: str = Field(..., min_length=1, max_length=5000)
    direction: DIRECTIONS | None = None
    target: float | None = None
    warning: float | None = None
    critical: float | None = None


class ThresholdRead(Schema):
    version: int
    target: float | None
    warning: float | None
    critical: float | None
    direction: str
    rationale: str
    changed_by_id: int | None
    changed_at: datetime


KPI_SORTS = {"key": ("key",), "system": ("system__name", "key"), "status": ("status", "key"),
             "updated": ("updated_at",), "measured": ("last_measured_at",)}


class KpiFilters(ListParams):
    SORTS = KPI_SORTS
    system: int | None = None
    family: FAMILIES | None = None
    status: Literal[tuple(KpiStatus.values)] | None = None
    stale: bool | None = None
    owner: int | None = None
    active: bool | None = None


def _kpis(user):
    return Kpi.objects.restrict(user, VIEW).select_related("system")


@router.get("/monitoring/kpis", response=page_of(KpiRead), summary="KPIs in the caller's scope")
def kpi_list(request, filters: Query[KpiFilters]):
    kpis = _kpis(request.user)
    for field, lookup in (("system", "system_id"), ("family", "family"), ("status", "status"), ("owner", "owner_id"),
                          ("active", "is_active")):
        value = getattr(filters, field)
        if value is not None:
            kpis = kpis.filter(**{lookup: value})
    if filters.stale is not None:
        kpis = kpis.filter(stale_since__isnull=not filters.stale)
    kpis = search(kpis, filters.q, ["key", "name", "system__name", "system__reference_code"])
    return paginate(kpis, filters, sorts=KPI_SORTS, default="system")


@router.post("/monitoring/kpis", response={201: KpiRead}, summary="Define a KPI of a system")
def kpi_create(request, payload: KpiCreate):
    user = request.user
    system = visible_or_field_error(AISystem, user, payload.system_id, "system_id")
    owner = visible_or_field_error(User, user, payload.owner_id, "owner_id") or user
    fields = payload.model_dump(exclude={"system_id", "owner_id"})
    kpi = services.create_kpi(actor=user, system=system, owner=owner, **fields)
    return Status(201, _kpis(user).get(pk=kpi.pk))


@router.get("/monitoring/kpis/{int:kpi_id}", response=KpiRead, summary="One KPI")
def kpi_detail(request, kpi_id: int):
    return visible(_kpis(request.user), kpi_id)


@router.patch("/monitoring/kpis/{int:kpi_id}", response=KpiRead,
              summary="Change a KPI's description, owner, frequency or source (not its thresholds)")
def kpi_update(request, kpi_id: int, payload: KpiUpdate):
    user = request.user
    kpi = visible(_kpis(user), kpi_id)
    changes = changes_of(payload, exclude=("version", "reason", "owner_id"))
    if "owner_id" in payload.model_fields_set:
        changes["owner"] = visible_or_field_error(User, user, payload.owner_id, "owner_id")
    services.update_kpi(actor=user, kpi=kpi, changes=changes, expected_version=payload.version,
                        reason=payload.reason)
    return visible(_kpis(user), kpi_id)


@router.post("/monitoring/kpis/{int:kpi_id}/thresholds", response=KpiRead,
             summary="Change a KPI's thresholds (governed: a rationale, a new version, a ledger event)")
def kpi_thresholds(request, kpi_id: int, payload: ThresholdsIn):
    user = request.user
    kpi = visible(_kpis(user), kpi_id)
    services.change_thresholds(actor=user, kpi=kpi, rationale=payload.rationale, target=payload.target,
                               warning=payload.warning, critical=payload.critical, direction=payload.direction,
                               expected_version=payload.version)
    return visible(_kpis(user), kpi_id)


@router.get("/monitoring/kpis/{int:kpi_id}/thresholds", response=list[ThresholdRead],
            summary="Every version of a KPI's thresholds, newest first, with its rationale")
def kpi_threshold_history(request, kpi_id: int):
    kpi = visible(_kpis(request.user), kpi_id)
    return list(ThresholdChange.objects.filter(kpi=kpi).order_by("-version"))


# --- Measurements ----------------------------------------------------------------------------------------------------

class MeasurementIn(RowSchema):
    kpi_id: int | None = Field(None, description="The KPI's id; or give system and kpi.")
    system: str | None = Field(None, max_length=40, description="The system's reference code (defaults to the push "
                                                                 "token's system).")
    kpi: str | None = Field(None, max_length=60, description="The KPI's key.")
    at: datetime = Field(description="When the value was measured (ISO 8601; without an offset, UTC).")
    value: float


class MeasurementPush(InputSchema):
    measurements: list[MeasurementIn] = Field(..., min_length=1, max_length=ingest.MAX_PER_PUSH)
    reason: str = Field("", max_length=5000)


class PushRead(Schema):
    received: int
    created: int
    replaced: int
    unchanged: int
    batches: list[int]


class MeasurementRead(Schema):
    measured_at: datetime
    value: float


class DailyRead(Schema):
    day: date
    count: int
    mean: float
    minimum: float
    maximum: float
    status: str


class MeasurementFilters(Schema):
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(1000, ge=1, le=10000)
    offset: int = Field(0, ge=0)


@router.post("/monitoring/measurements", response={201: PushRead}, auth=PUSH_AUTH,
             summary="Push up to 10,000 values at once (all or nothing); a moment pushed again replaces its value")
def measurement_push(request, payload: MeasurementPush):
    token = getattr(request, "push_token", None)
    rows = [item.model_dump() for item in payload.measurements]
    result = services.push_measurements(actor=request.user, rows=rows, token=token, reason=payload.reason,
                                        source=MeasurementBatch.Source.API)
    return Status(201, {"received": result.received, "created": result.created, "replaced": result.replaced,
                        "unchanged": result.unchanged, "batches": [b.pk for b in result.batches]})


@router.get("/monitoring/kpis/{int:kpi_id}/measurements", response=page_of(MeasurementRead),
            summary="A KPI's values, oldest first")
def measurement_list(request, kpi_id: int, filters: Query[MeasurementFilters]):
    kpi = visible(_kpis(request.user), kpi_id)
    rows = Measurement.objects.filter(kpi=kpi)
    if filters.since:
        rows = rows.filter(measured_at__gte=filters.since)
    if filters.until:
        rows = rows.filter(measured_at__lte=filters.until)
    total = rows.count()
    items = list(rows.order_by("measured_at").values("measured_at", "value")[filters.offset:filters.offset
                                                                              + filters.limit])
    return {"count": total, "items": items}


@router.get("/monitoring/kpis/{int:kpi_id}/daily", response=list[DailyRead],
            summary="A KPI's daily aggregates (UTC days), oldest first")
def daily_list(request, kpi_id: int, since: date | None = None, until: date | None = None):
    kpi = visible(_kpis(request.user), kpi_id)
    rows = KpiDaily.objects.filter(kpi=kpi)
    if since:
        rows = rows.filter(day__gte=since)
    if until:
        rows = rows.filter(day__lte=until)
    return list(rows.order_by("day")[:3660])


# --- Push tokens -----------------------------------------------------------------------------------------------------

class PushTokenRead(Schema):
    id: int
    system_id: int
    name: str
    prefix: str
    created_by_id: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class PushTokenCreate(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    days: int = Field(90, ge=1, le=366)


class PushTokenCreated(PushTokenRead):
    secret: str = Field(description="Shown once: store it in the pipeline's secrets.")


@router.get("/monitoring/systems/{int:system_id}/push-tokens", response=list[PushTokenRead],
            summary="A system's push tokens")
def push_token_list(request, system_id: int):
    system = _system(request.user, system_id)
    return list(PushToken.objects.filter(system=system).order_by("-created_at"))


@router.post("/monitoring/systems/{int:system_id}/push-tokens", response={201: PushTokenCreated},
             summary="Create a push token for a pipeline (its secret is in this answer only)")
def push_token_create(request, system_id: int, payload: PushTokenCreate):
    system = _system(request.user, system_id)
    token, secret = services.create_push_token(actor=request.user, system=system, name=payload.name,
                                               days=payload.days)
    token.secret = secret
    return Status(201, token)


@router.post("/monitoring/push-tokens/{int:token_id}/revoke", response=PushTokenRead, summary="Revoke a push token")
def push_token_revoke(request, token_id: int):
    token = visible(PushToken.objects.restrict(request.user, VIEW).select_related("system__unit"), token_id)
    return services.revoke_push_token(actor=request.user, token=token)


# --- Alerts and suggested changes --------------------------------------------------------------------------------------

class SuggestionRead(Schema):
    id: int
    alert_id: int
    system_id: int
    kind: str
    state: str
    decided_by_id: int | None
    decided_at: datetime | None
    reason: str
    change_decision_id: int | None
    version: int


class AlertRead(Schema):
    id: int
    system_id: int
    kpi_id: int | None
    drift_run_id: int | None
    kind: str
    severity: str
    state: str
    description: str
    details: dict
    occurrences: int
    opened_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    resolved_by_id: int | None
    resolution: str
    actions: list[dict]
    version: int

    @staticmethod
    def resolve_description(obj) -> str:
        from .services.alerts import describe

        return describe(obj)


ALERT_SORTS = {"opened": ("opened_at",), "severity": ("severity", "opened_at"), "system": ("system__name",)}


class AlertFilters(ListParams):
    SORTS = ALERT_SORTS
    system: int | None = None
    kind: Literal[tuple(Alert.Kind.values)] | None = None
    severity: Literal[tuple(Alert.Severity.values)] | None = None
    state: Literal[tuple(Alert.State.values) + ("unresolved",)] | None = None


class AlertAction(InputSchema):
    version: int | None = None
    comment: str = Field("", max_length=5000)


class AlertResolve(InputSchema):
    version: int | None = None
    resolution: str = Field(..., min_length=1, max_length=5000)


class SuggestionDecision(InputSchema):
    text: str = Field(..., min_length=1, max_length=20000,
                      description="To confirm: the change's description; to dismiss: the reason.")


class PolicyRead(Schema):
    system_id: int
    review_risks: str
    open_incident: str
    suggest_change: str
    warning_change: str
    critical_change: str
    incidents_available: bool
    configured: bool
    version: int


class PolicyUpdate(InputSchema):
    version: int | None = Field(None, description="The policy's version as read (absent for a first configuration).")
    review_risks: TRIGGERS | None = None
    open_incident: TRIGGERS | None = None
    suggest_change: TRIGGERS | None = None
    warning_change: CHANGE_KINDS | None = None
    critical_change: CHANGE_KINDS | None = None
    reason: str = Field("", max_length=5000)


def _alerts(user):
    return Alert.objects.restrict(user, VIEW).select_related("system", "kpi__system", "drift_run")


@router.get("/monitoring/alerts", response=page_of(AlertRead), summary="Alerts in the caller's scope")
def alert_list(request, filters: Query[AlertFilters]):
    alerts = _alerts(request.user)
    if filters.system is not None:
        alerts = alerts.filter(system_id=filters.system)
    if filters.kind:
        alerts = alerts.filter(kind=filters.kind)
    if filters.severity:
        alerts = alerts.filter(severity=filters.severity)
    if filters.state == "unresolved":
        alerts = alerts.exclude(state=Alert.State.RESOLVED)
    elif filters.state:
        alerts = alerts.filter(state=filters.state)
    return paginate(alerts, filters, sorts=ALERT_SORTS, default="-opened")


@router.get("/monitoring/alerts/{int:alert_id}", response=AlertRead, summary="One alert, with what it did")
def alert_detail(request, alert_id: int):
    return visible(_alerts(request.user), alert_id)


@router.post("/monitoring/alerts/{int:alert_id}/acknowledge", response=AlertRead, summary="Acknowledge an alert")
def alert_acknowledge(request, alert_id: int, payload: AlertAction):
    alert = visible(_alerts(request.user), alert_id)
    services.acknowledge_alert(actor=request.user, alert=alert, comment=payload.comment,
                               expected_version=payload.version)
    return visible(_alerts(request.user), alert_id)


@router.post("/monitoring/alerts/{int:alert_id}/resolve", response=AlertRead, summary="Resolve an alert")
def alert_resolve(request, alert_id: int, payload: AlertResolve):
    alert = visible(_alerts(request.user), alert_id)
    services.resolve_alert(actor=request.user, alert=alert, resolution=payload.resolution,
                           expected_version=payload.version)
    return visible(_alerts(request.user), alert_id)


class CreatedFilters(ListParams):
    """The lists sorted by creation only (change suggestions, closure grids)."""
    SORTS = {"created": ("created_at",)}


@router.get("/monitoring/change-suggestions", response=page_of(SuggestionRead),
            summary="Change decisions suggested by alerts")
def suggestion_list(request, filters: Query[CreatedFilters], state: str | None = None):
    suggestions = ChangeSuggestion.objects.restrict(request.user, VIEW)
    if state:
        suggestions = suggestions.filter(state=state)
    return paginate(suggestions, filters, sorts=CreatedFilters.SORTS, default="-created")


def _suggestion(user, suggestion_id):
    return visible(ChangeSuggestion.objects.restrict(user, VIEW).select_related("system__unit", "alert"),
                   suggestion_id)


@router.post("/monitoring/change-suggestions/{int:suggestion_id}/confirm", response=SuggestionRead,
             summary="Confirm a suggested change: it is requested as a change decision of the system")
def suggestion_confirm(request, suggestion_id: int, payload: SuggestionDecision):
    suggestion = _suggestion(request.user, suggestion_id)
    return services.confirm_suggestion(actor=request.user, suggestion=suggestion, description=payload.text)


@router.post("/monitoring/change-suggestions/{int:suggestion_id}/dismiss", response=SuggestionRead,
             summary="Dismiss a suggested change, with the reason")
def suggestion_dismiss(request, suggestion_id: int, payload: SuggestionDecision):
    suggestion = _suggestion(request.user, suggestion_id)
    return services.dismiss_suggestion(actor=request.user, suggestion=suggestion, reason=payload.text)


def _policy_read(policy) -> dict:
    from . import hooks

    return {"system_id": policy.system_id, **{f: getattr(policy, f) for f in services.alerts.POLICY_FIELDS},
            "incidents_available": hooks.incidents_available(), "configured": policy.pk is not None,
            "version": policy.version}


@router.get("/monitoring/systems/{int:system_id}/alert-policy", response=PolicyRead,
            summary="What alerts on this system do (the catalogue's defaults until configured)")
def policy_detail(request, system_id: int):
    return _policy_read(services.policy_for(_system(request.user, system_id)))


@router.put("/monitoring/systems/{int:system_id}/alert-policy", response=PolicyRead,
            summary="Configure what alerts on this system do")
def policy_update(request, system_id: int, payload: PolicyUpdate):
    system = _system(request.user, system_id)
    changes = payload.model_dump(exclude={"version", "reason"}, exclude_none=True)
    if not changes:
        raise ValidationError(_("Send at least one setting to change."))
    policy = services.update_policy(actor=request.user, system=system, changes=changes,
                                    expected_version=payload.version, reason=payload.reason)
    return _policy_read(policy)
