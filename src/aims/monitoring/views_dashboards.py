"""The dashboards: operational (the landing page of the module), tactical and strategic. Each prints cleanly."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from aims.core.permissions import can_anywhere

from . import charts, dashboards
from .views_kpis import THRESHOLD_LABELS


def _require_monitoring(user) -> None:
    if not can_anywhere(user, "view", "monitoring"):
        raise PermissionDenied


@login_required
def operational(request):
    user = request.user
    _require_monitoring(user)
    mine = request.GET.get("mine") == "1"
    data = dashboards.operational(user, mine=mine, page_number=request.GET.get("page"))
    for row in data["rows"]:
        row["kpi_rows"] = [{
            "kpi": kpi, "label": kpi.label(), "value": charts.number(kpi.last_value),
            "spark": charts.sparkline(data["series"].get(kpi.pk, []), status=kpi.status,
                                      lines=charts.threshold_lines(kpi, THRESHOLD_LABELS),
                                      label=_("%(kpi)s over %(days)s days") % {"kpi": kpi.label(),
                                                                                "days": dashboards.SPARK_DAYS})}
            for kpi in row["kpis"]]
    return render(request, "monitoring/dashboard_operational.html", {**data, "mine": mine, "level": "operational", "subnav": "operational"})


def _trend_chart(points, *, title: str, unit: str = "%", lines=()):
    return charts.time_series(points, title=title, unit=unit, lines=list(lines), width=640, height=200)


@login_required
def tactical(request):
    user = request.user
    _require_monitoring(user)
    data = dashboards.tactical(user)
    data["trend_chart"] = _trend_chart(
        [(row["day"], row["ok_share"]) for row in data["trend"]],
        title=_("Share of reporting KPIs within their thresholds, week by week"))
    data["kpi_total"] = sum(data["status"].values())
    return render(request, "monitoring/dashboard_tactical.html", {**data, "level": "tactical", "subnav": "tactical"})


@login_required
def strategic(request):
    from . import catalog

    user = request.user
    _require_monitoring(user)
    data = dashboards.strategic(user)
    axes = {axis["key"]: axis for axis in catalog.closure_axes()}
    adoption_line = [charts.Line(axes["adoption"]["threshold"], "target", _("closure threshold"))] \
        if "threshold" in axes.get("adoption", {}) else []
    satisfaction_line = [charts.Line(axes["satisfaction"]["threshold"], "target", _("closure threshold"))] \
        if "threshold" in axes.get("satisfaction", {}) else []
    data["charts"] = {
        "roi": _trend_chart([(r["day"], r["mean"]) for r in data["roi_trend"]],
                            title=_("Mean return on investment of the systems reporting it"),
                            lines=[charts.Line(0, "warning", _("break-even"))]),
        "usage": _trend_chart([(r["day"], r["mean"]) for r in data["usage_trend"]],
                              title=_("Mean usage rate of the systems reporting it"), lines=adoption_line),
        "satisfaction": _trend_chart([(r["day"], r["mean"]) for r in data["satisfaction_trend"]],
                                     title=_("Mean satisfaction of the systems reporting it"),
                                     lines=satisfaction_line),
    }
    labels = {key: catalog.kpi_label(key) for key in dashboards.VALUE_KEYS + dashboards.ADOPTION_KEYS}
    units = {key: (catalog.kpi_entry(key) or {}).get("unit", "") for key in labels}
    data["figures"] = [{"key": key, "label": labels[key], "unit": units[key], **data["latest"][key],
                        "mean_text": charts.number(data["latest"][key]["mean"])}
                       for key in dashboards.VALUE_KEYS + dashboards.ADOPTION_KEYS if key in data["latest"]]
    from aims.inventory.models import Stage

    data["stage_rows"] = [(label, data["stages"].get(value, 0)) for value, label in Stage.choices]
    return render(request, "monitoring/dashboard_strategic.html", {**data, "level": "strategic", "subnav": "strategic"})
