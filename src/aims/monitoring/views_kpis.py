"""A system's monitoring page (KPIs, alerts, drift, closure grids, settings) and the KPI pages: create, detail with
its year chart and threshold history, edit, governed threshold change, typed-in values, push tokens."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.views_org import _posted, tab_context

from . import charts, hooks, services
from .forms import KpiCreateForm, KpiEditForm, MeasurementForm, PolicyForm, PushTokenForm, ThresholdForm
from .views_common import can_change_monitoring, visible_kpi, visible_system
from .models import (
    Alert, ClosureReview, Kpi, KpiDaily, Measurement, MeasurementBatch, PushToken,
    ThresholdChange,
)

SYSTEM_TABS = (
    ("kpis", gettext_lazy("KPIs")),
    ("alerts", gettext_lazy("Alerts")),
    ("drift", gettext_lazy("Drift")),
    ("closure", gettext_lazy("Closure grid")),
    ("settings", gettext_lazy("Alert policy and tokens")),
)
THRESHOLD_LABELS = {"target": gettext_lazy("target"), "warning": gettext_lazy("warning"),
                    "critical": gettext_lazy("critical")}


def kpi_rows(kpis, *, days: int = 30) -> list[dict]:
    """Each KPI with its sparkline over the last `days` days (one query for all of them)."""
    kpis = list(kpis)
    since = timezone.now().date() - timedelta(days=days)
    series: dict[int, list[float]] = {kpi.pk: [] for kpi in kpis}
    for kpi_id, mean in (KpiDaily.objects.filter(kpi__in=[k.pk for k in kpis], day__gte=since)
                         .order_by("kpi_id", "day").values_list("kpi_id", "mean")):
        series[kpi_id].append(mean)
    rows = []
    for kpi in kpis:
        lines = charts.threshold_lines(kpi, THRESHOLD_LABELS)
        rows.append({"kpi": kpi, "label": kpi.label(), "spark": charts.sparkline(
            series[kpi.pk], status=kpi.status, lines=lines, label=_("%(kpi)s over %(days)s days")
            % {"kpi": kpi.label(), "days": days}), "value": charts.number(kpi.last_value)})
    return rows


@login_required
def system_page(request, system_pk: int):
    system = visible_system(request, system_pk)
    user = request.user
    tab = request.GET.get("tab", "kpis")
    if tab not in dict(SYSTEM_TABS):
        tab = "kpis"
    context = {"system": system, "tab": tab, "tab_items": SYSTEM_TABS,
               "can_change": can_change_monitoring(user, system)}
    if tab == "kpis":
        kpis = Kpi.objects.filter(system=system).select_related("owner").order_by("family", "key")
        context["rows"] = kpi_rows(kpis)
    elif tab == "alerts":
        context["alerts"] = (Alert.objects.filter(system=system).select_related("kpi", "system")
                             .order_by("state", "-opened_at")[:100])
    elif tab == "drift":
        from .views_drift import drift_tab_context

        context.update(drift_tab_context(request, system))
    elif tab == "closure":
        context["reviews"] = ClosureReview.objects.filter(system=system).select_related(
            "prepared_by", "signed_by").order_by("-created_at")
    else:
        policy = services.policy_for(system)
        context.update({
            "policy": policy, "incidents_available": hooks.incidents_available(),
            "policy_form": PolicyForm(instance=policy, initial={"version": policy.version if policy.pk else None}),
            "tokens": PushToken.objects.filter(system=system).select_related("created_by").order_by("-created_at"),
            "token_form": PushTokenForm(), "now": timezone.now(),
        })
    return render(request, "monitoring/system.html", context)


@login_required
def kpi_create(request, system_pk: int):
    system = visible_system(request, system_pk)
    if not can_change_monitoring(request.user, system):
        raise PermissionDenied
    initial = {"owner": system.owner_id if system.owner_id else request.user.pk, "direction": "higher"}
    form = KpiCreateForm(_posted(request), system=system, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            kpi = services.create_kpi(
                actor=request.user, system=system, owner=data["owner"], catalogue_key=data["catalogue_key"],
                key=data["key"], name=data["name"], family=data["family"], unit=data["unit"] or None,
                direction=data["direction"], frequency=data["frequency"], target=data["target"],
                warning=data["warning"], critical=data["critical"], description=data["description"],
                data_source=data["data_source"], rationale=data["rationale"])
        if not form.errors:
            messages.success(request, _("The KPI “%(kpi)s” was defined.") % {"kpi": kpi.label()})
            return redirect("monitoring:kpi_detail", pk=kpi.pk)
    return render(request, "monitoring/kpi_form.html", {
        "form": form, "system": system, "creating": True, "catalogue": catalog_json()})


def catalog_json() -> list[dict]:
    """What the form's script needs to pre-fill unit, direction, frequency and suggested thresholds."""
    from . import catalog

    return [kpi for family in catalog.families() for kpi in family["kpis"]]


def kpi_context(request, kpi: Kpi, **bound) -> dict:
    user = request.user
    since = timezone.now().date() - timedelta(days=365)
    daily = list(KpiDaily.objects.filter(kpi=kpi, day__gte=since).order_by("day").values_list("day", "mean",
                                                                                               "status"))
    lines = charts.threshold_lines(kpi, THRESHOLD_LABELS)
    chart = charts.time_series([(d, v) for d, v, _s in daily], statuses=[s for _d, _v, s in daily], lines=lines,
                               title=_("%(kpi)s, daily mean over the last year") % {"kpi": kpi.label()},
                               unit=kpi.unit)
    can_change = can_change_monitoring(user, kpi.system)
    page = Paginator(Measurement.objects.filter(kpi=kpi).order_by("-measured_at").values(
        "measured_at", "value", "batch__source"), 20).get_page(request.GET.get("page"))
    sources = dict(MeasurementBatch.Source.choices)
    page.object_list = [{**row, "source": sources.get(row["batch__source"], "—")} for row in page.object_list]
    return {
        "kpi": kpi, "system": kpi.system, "label": kpi.label(), "chart": chart, "can_change": can_change,
        "thresholds": ThresholdChange.objects.filter(kpi=kpi).select_related("changed_by").order_by("-version"),
        "measurements": page, "value": charts.number(kpi.last_value),
        "alerts": Alert.objects.filter(kpi=kpi).exclude(state=Alert.State.RESOLVED).order_by("-opened_at"),
        "batches": MeasurementBatch.objects.filter(system=kpi.system).select_related("pushed_by", "token")[:5],
        "daily_table": daily[-14:],
        "measurement_form": bound.get("measurement_form") or MeasurementForm(
            initial={"at": timezone.localtime().replace(second=0, microsecond=0)}),
        "threshold_form": bound.get("threshold_form") or ThresholdForm(initial={
            "version": kpi.version, "direction": kpi.direction, "target": kpi.target, "warning": kpi.warning,
            "critical": kpi.critical}),
        **tab_context(request, kpi),
    }


@login_required
def kpi_detail(request, pk: int):
    kpi = visible_kpi(request, pk)
    return render(request, "monitoring/kpi_detail.html", kpi_context(request, kpi))


@login_required
def kpi_edit(request, pk: int):
    kpi = visible_kpi(request, pk)
    if not can_change_monitoring(request.user, kpi.system):
        raise PermissionDenied
    form = KpiEditForm(_posted(request), instance=kpi, initial={"version": kpi.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.update_kpi(actor=request.user, kpi=Kpi.objects.get(pk=kpi.pk), changes=form.changes(),
                                expected_version=form.cleaned_data["version"], reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The KPI was saved."))
            return redirect("monitoring:kpi_detail", pk=kpi.pk)
    return render(request, "monitoring/kpi_form.html", {"form": form, "system": kpi.system, "kpi": kpi})


@login_required
@require_POST
def kpi_thresholds(request, pk: int):
    kpi = visible_kpi(request, pk)
    form = ThresholdForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.change_thresholds(actor=request.user, kpi=kpi, rationale=data["rationale"],
                                       direction=data["direction"], target=data["target"], warning=data["warning"],
                                       critical=data["critical"], expected_version=data["version"])
        if not form.errors:
            messages.success(request, _("The thresholds were changed (version %(version)s).")
                             % {"version": Kpi.objects.get(pk=kpi.pk).threshold_version})
            return redirect("monitoring:kpi_detail", pk=kpi.pk)
    return render(request, "monitoring/kpi_detail.html", kpi_context(request, kpi, threshold_form=form), status=400)


@login_required
@require_POST
def kpi_measure(request, pk: int):
    kpi = visible_kpi(request, pk)
    form = MeasurementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.push_measurements(actor=request.user, rows=[{"kpi_id": kpi.pk, "at": data["at"],
                                                                  "value": data["value"]}],
                                       source=MeasurementBatch.Source.MANUAL, reason=data["reason"])
        if not form.errors:
            messages.success(request, _("The value was recorded."))
            return redirect("monitoring:kpi_detail", pk=kpi.pk)
    if "measurements" in form.errors:
        form.errors["value"] = form.errors.pop("measurements")
    return render(request, "monitoring/kpi_detail.html", kpi_context(request, kpi, measurement_form=form),
                  status=400)


@login_required
@require_POST
def token_create(request, system_pk: int):
    system = visible_system(request, system_pk)
    if not can_change_monitoring(request.user, system):
        raise PermissionDenied
    form = PushTokenForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            token, secret = services.create_push_token(actor=request.user, system=system,
                                                       name=form.cleaned_data["name"], days=form.cleaned_data["days"])
        if not form.errors:
            response = render(request, "monitoring/token_created.html", {"token": token, "secret": secret,
                                                                         "system": system})
            response["Cache-Control"] = "no-store"
            return response
    messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{system_page_url(system)}?tab=settings")


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(PushToken.objects.restrict(request.user, "view").select_related("system__unit"), pk=pk)
    services.revoke_push_token(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect(f"{system_page_url(token.system)}?tab=settings")


def system_page_url(system) -> str:
    from django.urls import reverse

    return reverse("monitoring:system", args=[system.pk])


@login_required
@require_POST
def policy_edit(request, system_pk: int):
    system = visible_system(request, system_pk)
    if not can_change_monitoring(request.user, system):
        raise PermissionDenied
    policy = services.policy_for(system)
    form = PolicyForm(request.POST, instance=policy)
    if form.is_valid():
        changes = {f: form.cleaned_data[f] for f in services.alerts.POLICY_FIELDS}
        with errors_on(form):
            services.update_policy(actor=request.user, system=system, changes=changes,
                                   expected_version=form.cleaned_data.get("version"),
                                   reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The alert policy was saved."))
            return redirect(f"{system_page_url(system)}?tab=settings")
    messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{system_page_url(system)}?tab=settings")

