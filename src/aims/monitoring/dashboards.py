"""The three dashboards, as data for their pages and the API. Each reads a fixed number of queries whatever the size of
the portfolio (tests pin them), from the KPIs' latest values, the daily aggregates and the unit rollups, never from
the millions of measurements.

- operational (system owners, daily): today's KPIs of their systems, stale data, drift, open alerts;
- tactical (AIMS manager): portfolio health, systems out of threshold, overdue reviews and actions, the trend;
- strategic (board): value and ROI, adoption, risk posture, compliance progress, incidents, the portfolio.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from aims.core.permissions import VIEW
from aims.inventory.models import AISystem

from .models import Alert, DriftRun, Kpi, KpiDaily, Status, WeeklyRollup

SYSTEMS_PER_PAGE = 10
SPARK_DAYS = 30
TREND_WEEKS = 52


def _today():
    return timezone.now().date()


def status_counts(kpis) -> dict:
    counts = dict(kpis.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Status.values}


def operational(user, *, mine: bool = False, page_number=1):
    """Systems with KPIs in the reader's scope (or only theirs), one page at a time, each with its KPIs and their
    30-day sparklines, its open alerts and its latest drift verdict; plus today's totals."""
    from django.core.paginator import Paginator

    kpis = Kpi.objects.restrict(user, VIEW).filter(is_active=True)
    systems = AISystem.objects.restrict(user, VIEW).filter(Exists(Kpi.objects.filter(system=OuterRef("pk"))))
    if mine:
        systems = systems.filter(Q(owner=user) | Q(backup_owner=user) | Q(kpis__owner=user)).distinct()
        kpis = kpis.filter(Q(system__owner=user) | Q(system__backup_owner=user) | Q(owner=user))
    page = Paginator(systems.select_related("unit").order_by("name", "pk"), SYSTEMS_PER_PAGE).get_page(page_number)
    system_ids = [s.pk for s in page.object_list]
    page_kpis = list(Kpi.objects.filter(system_id__in=system_ids, is_active=True).select_related("owner", "system")
                     .order_by("family", "key"))
    since = _today() - timedelta(days=SPARK_DAYS)
    series: dict[int, list[float]] = defaultdict(list)
    for kpi_id, mean in (KpiDaily.objects.filter(kpi__in=[k.pk for k in page_kpis], day__gte=since)
                         .order_by("kpi_id", "day").values_list("kpi_id", "mean")):
        series[kpi_id].append(mean)
    open_alerts = defaultdict(list)
    for alert in (Alert.objects.filter(system_id__in=system_ids).exclude(state=Alert.State.RESOLVED)
                  .select_related("kpi", "system").order_by("-opened_at")):
        open_alerts[alert.system_id].append(alert)
    latest_runs = {}
    for run in DriftRun.objects.filter(system_id__in=system_ids).order_by("system_id", "-created_at"):
        latest_runs.setdefault(run.system_id, run)
    by_system = defaultdict(list)
    for kpi in page_kpis:
        by_system[kpi.system_id].append(kpi)
    rows = [{"system": system, "kpis": by_system[system.pk], "alerts": open_alerts[system.pk],
             "run": latest_runs.get(system.pk)} for system in page.object_list]
    stale = kpis.filter(stale_since__isnull=False).count()
    totals = {"status": status_counts(kpis), "stale": stale,
              "alerts": dict(Alert.objects.restrict(user, VIEW).exclude(state=Alert.State.RESOLVED)
                             .values_list("severity").annotate(n=Count("id")).order_by())}
    return {"page": page, "rows": rows, "series": series, "totals": totals}


def _weeks(weeks: int = TREND_WEEKS) -> list:
    today = _today()
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]


def _rollups(user):
    """Weekly rollup rows the reader may see: units in their scope (everyone granted org-wide sees all)."""
    return WeeklyRollup.objects.restrict(user, VIEW)


def health_trend(user, *, weeks: int = TREND_WEEKS) -> list[dict]:
    """Per week, the share of KPI-days within thresholds and in breach (every frequency counts)."""
    rows = (_rollups(user).filter(week__gte=_weeks(weeks)[0]).values("week")
            .annotate(kpis=Sum("kpis"), ok=Sum("ok"), warning=Sum("warning"), critical=Sum("critical")).order_by())
    return [{"day": row["week"], "kpis": row["kpis"], "ok_share": 100 * row["ok"] / row["kpis"],
             "breach_share": 100 * (row["warning"] + row["critical"]) / row["kpis"]}
            for row in sorted(rows, key=lambda r: r["week"]) if row["kpis"]]


def key_trend(user, catalogue_key: str, *, weeks: int = TREND_WEEKS) -> list[dict]:
    """Per week, the mean of one catalogue KPI over the systems and days reporting it (e.g. the usage rate)."""
    rows = (_rollups(user).filter(week__gte=_weeks(weeks)[0], catalogue_key=catalogue_key).values("week")
            .annotate(kpis=Sum("kpis"), total=Sum("value_sum")).order_by())
    return [{"day": row["week"], "systems": row["kpis"], "mean": row["total"] / row["kpis"]}
            for row in sorted(rows, key=lambda r: r["week"]) if row["kpis"]]


def latest_by_key(user, catalogue_keys) -> dict[str, dict]:
    """For each catalogue KPI: how many systems report it, their mean latest value, and how many are in breach."""
    rows = (Kpi.objects.restrict(user, VIEW).filter(is_active=True, catalogue_key__in=list(catalogue_keys),
                                                     last_value__isnull=False)
            .values("catalogue_key").annotate(
                systems=Count("id"), total=Sum("last_value"),
                breach=Count("id", filter=Q(status__in=[Status.WARNING, Status.CRITICAL]))).order_by())
    return {row["catalogue_key"]: {"systems": row["systems"], "mean": row["total"] / row["systems"],
                                   "breach": row["breach"]} for row in rows}


def tactical(user) -> dict:
    """Portfolio health for the AIMS manager: where KPIs stand, which systems are out of threshold, what is overdue."""
    from aims.risks.models import RiskReview, TreatmentAction

    from .models import ChangeSuggestion

    today = _today()
    kpis = Kpi.objects.restrict(user, VIEW).filter(is_active=True)
    out_of_threshold = list(
        AISystem.objects.restrict(user, VIEW).filter(kpis__is_active=True,
                                                     kpis__status__in=[Status.WARNING, Status.CRITICAL])
        .annotate(critical=Count("kpis", filter=Q(kpis__status=Status.CRITICAL)),
                  warning=Count("kpis", filter=Q(kpis__status=Status.WARNING)))
        .select_related("owner").order_by("-critical", "-warning", "name")[:20])
    reviews = (RiskReview.objects.restrict(user, VIEW).filter(status=RiskReview.Status.PENDING, due_date__lt=today)
               .select_related("risk__owner").order_by("due_date"))
    actions = (TreatmentAction.objects.restrict(user, VIEW)
               .filter(status__in=TreatmentAction.OPEN_STATUSES, due_date__lt=today)
               .select_related("risk", "owner").order_by("due_date"))
    return {
        "status": status_counts(kpis),
        "stale": list(kpis.filter(stale_since__isnull=False).select_related("system", "owner")
                      .order_by("stale_since")[:20]),
        "stale_count": kpis.filter(stale_since__isnull=False).count(),
        "alerts": dict(Alert.objects.restrict(user, VIEW).exclude(state=Alert.State.RESOLVED)
                       .values_list("severity").annotate(n=Count("id")).order_by()),
        "out_of_threshold": out_of_threshold,
        "overdue_reviews": list(reviews[:10]), "overdue_reviews_count": reviews.count(),
        "overdue_actions": list(actions[:10]), "overdue_actions_count": actions.count(),
        "suggestions": list(ChangeSuggestion.objects.restrict(user, VIEW)
                            .filter(state=ChangeSuggestion.State.PENDING).select_related("system", "alert")
                            .order_by("-created_at")[:10]),
        "trend": health_trend(user),
    }


VALUE_KEYS = ("roi", "automation_rate", "nps")
ADOPTION_KEYS = ("usage_rate", "frequency", "satisfaction", "time_to_value")


def strategic(user) -> dict:
    """For the board: value and ROI, adoption, risk posture, compliance progress, incidents and the portfolio."""
    from aims.inventory.models import AiActTier, Stage
    from aims.risks.models import Risk

    from . import hooks
    from .models import ClosureReview

    systems = AISystem.objects.restrict(user, VIEW)
    portfolio = systems.aggregate(
        total=Count("id"), live=Count("id", filter=Q(stage__in=[Stage.DEPLOYMENT, Stage.OPERATION, Stage.REVISION])),
        retired=Count("id", filter=Q(stage=Stage.RETIRED)),
        classified=Count("id", filter=~Q(ai_act_tier=AiActTier.UNCLASSIFIED)),
        high_risk=Count("id", filter=Q(ai_act_tier=AiActTier.HIGH_RISK)),
        reclassify=Count("id", filter=Q(needs_reclassification=True)))
    stages = dict(systems.values_list("stage").annotate(n=Count("id")).order_by())
    risks = Risk.objects.restrict(user, VIEW).exclude(status=Risk.Status.CLOSED).aggregate(
        open=Count("id"), above_appetite=Count("id", filter=Q(above_appetite=True)),
        accepted=Count("id", filter=Q(status=Risk.Status.ACCEPTED)),
        treated=Count("id", filter=Q(status=Risk.Status.TREATED)))
    closures = dict(ClosureReview.objects.restrict(user, VIEW).values_list("state").annotate(n=Count("id"))
                    .order_by())
    alerts = Alert.objects.restrict(user, VIEW)
    incidents = {"available": hooks.incidents_available(),
                 "critical_alerts_90_days": alerts.filter(severity=Alert.Severity.CRITICAL,
                                                          opened_at__gte=timezone.now() - timedelta(days=90)).count(),
                 "open_critical_alerts": alerts.filter(severity=Alert.Severity.CRITICAL).exclude(
                     state=Alert.State.RESOLVED).count()}
    return {
        "portfolio": portfolio, "stages": stages, "risks": risks, "closures": closures, "incidents": incidents,
        "latest": latest_by_key(user, VALUE_KEYS + ADOPTION_KEYS),
        "roi_trend": key_trend(user, "roi"), "usage_trend": key_trend(user, "usage_rate"),
        "satisfaction_trend": key_trend(user, "satisfaction"),
    }
