"""Alerts: the list in the reader's scope, an alert's page (what it did, its suggested change to confirm or dismiss),
acknowledging and resolving."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.models import User
from aims.core.views_org import tab_context
from aims.risks.models import Risk, RiskReview

from . import services
from .forms import AcknowledgeForm, ConfirmSuggestionForm, DismissSuggestionForm, ResolveForm
from .models import Alert, ChangeSuggestion
from .services.alerts import describe
from .views_common import can_change_monitoring

ALERTS_PER_PAGE = 50


def visible_alert(request, pk: int) -> Alert:
    return get_object_or_404(Alert.objects.restrict(request.user, "view").select_related(
        "system__unit", "system__owner", "kpi", "drift_run", "resolved_by"), pk=pk)


@login_required
def alert_list(request):
    alerts = (Alert.objects.restrict(request.user, "view").select_related("system", "kpi__system")
              .order_by("-opened_at", "-pk"))
    state = request.GET.get("state", "unresolved")
    if state == "unresolved":
        alerts = alerts.exclude(state=Alert.State.RESOLVED)
    elif state in Alert.State.values:
        alerts = alerts.filter(state=state)
    severity = request.GET.get("severity", "")
    if severity in Alert.Severity.values:
        alerts = alerts.filter(severity=severity)
    kind = request.GET.get("kind", "")
    if kind in Alert.Kind.values:
        alerts = alerts.filter(kind=kind)
    page = Paginator(alerts, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"alert": a, "description": describe(a)} for a in page.object_list]
    return render(request, "monitoring/alert_list.html", {
        "page": page, "rows": rows, "state": state, "severity": severity, "kind": kind,
        "states": Alert.State.choices, "severities": Alert.Severity.choices, "kinds": Alert.Kind.choices,
        "subnav": "alerts"})


def _action_rows(alert: Alert) -> list[dict]:
    """The alert's actions with what they point at (people, reviews, suggestion), for the timeline."""
    people_ids = {pk for a in alert.actions for pk in a.get("people", [])}
    people = {p.pk: p for p in User.objects.filter(pk__in=people_ids)}
    review_ids = {pk for a in alert.actions for pk in a.get("reviews", [])}
    reviews = {r.pk: r for r in RiskReview.objects.filter(pk__in=review_ids).select_related("risk")}
    rows = []
    for action in alert.actions:
        rows.append({**action, "when": parse_datetime(action.get("at", "") or ""), "people_objects": [people[pk] for pk in action.get("people", []) if pk in people],
                     "review_objects": [reviews[pk] for pk in action.get("reviews", []) if pk in reviews]})
    return rows


def alert_context(request, alert: Alert, **bound) -> dict:
    can_change = can_change_monitoring(request.user, alert.system)
    suggestions = list(alert.suggestions.select_related("decided_by", "change_decision").order_by("-created_at"))
    return {
        "alert": alert, "system": alert.system, "description": describe(alert), "can_change": can_change,
        "actions": _action_rows(alert), "suggestions": suggestions,
        "risks": Risk.objects.restrict(request.user, "view").filter(systems=alert.system).exclude(
            status=Risk.Status.CLOSED).order_by("title")[:20],
        "acknowledge_form": bound.get("acknowledge_form") or AcknowledgeForm(initial={"version": alert.version}),
        "resolve_form": bound.get("resolve_form") or ResolveForm(initial={"version": alert.version}),
        "confirm_form": bound.get("confirm_form") or ConfirmSuggestionForm(initial={"description": describe(alert)}),
        "dismiss_form": bound.get("dismiss_form") or DismissSuggestionForm(),
        **tab_context(request, alert),
    }


@login_required
def alert_detail(request, pk: int):
    alert = visible_alert(request, pk)
    return render(request, "monitoring/alert_detail.html", alert_context(request, alert))


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    alert = visible_alert(request, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.acknowledge_alert(actor=request.user, alert=alert, comment=form.cleaned_data["comment"],
                                       expected_version=form.cleaned_data["version"])
        if not form.errors:
            messages.success(request, _("The alert was acknowledged."))
            return redirect("monitoring:alert_detail", pk=alert.pk)
    return render(request, "monitoring/alert_detail.html", alert_context(request, alert, acknowledge_form=form),
                  status=400)


@login_required
@require_POST
def alert_resolve(request, pk: int):
    alert = visible_alert(request, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.resolve_alert(actor=request.user, alert=alert, resolution=form.cleaned_data["resolution"],
                                   expected_version=form.cleaned_data["version"])
        if not form.errors:
            messages.success(request, _("The alert was resolved."))
            return redirect("monitoring:alert_detail", pk=alert.pk)
    return render(request, "monitoring/alert_detail.html", alert_context(request, alert, resolve_form=form),
                  status=400)


def _visible_suggestion(request, pk: int) -> ChangeSuggestion:
    return get_object_or_404(ChangeSuggestion.objects.restrict(request.user, "view").select_related(
        "alert__system__unit", "system__unit"), pk=pk)


@login_required
@require_POST
def suggestion_confirm(request, pk: int):
    suggestion = _visible_suggestion(request, pk)
    form = ConfirmSuggestionForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            suggestion = services.confirm_suggestion(actor=request.user, suggestion=suggestion,
                                                     description=form.cleaned_data["description"])
        if not form.errors:
            messages.success(request, _("The change was requested; its approvers have been asked."))
            return redirect("monitoring:alert_detail", pk=suggestion.alert_id)
    return render(request, "monitoring/alert_detail.html",
                  alert_context(request, visible_alert(request, suggestion.alert_id), confirm_form=form), status=400)


@login_required
@require_POST
def suggestion_dismiss(request, pk: int):
    suggestion = _visible_suggestion(request, pk)
    form = DismissSuggestionForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            suggestion = services.dismiss_suggestion(actor=request.user, suggestion=suggestion,
                                                     reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The suggestion was dismissed."))
            return redirect("monitoring:alert_detail", pk=suggestion.alert_id)
    return render(request, "monitoring/alert_detail.html",
                  alert_context(request, visible_alert(request, suggestion.alert_id), dismiss_form=form), status=400)
