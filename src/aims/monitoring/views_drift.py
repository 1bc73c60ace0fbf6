"""Drift pages: the system's drift tab forms (reference upload, new run, settings), a run's page with its progress
while the worker runs it and, once done, the verdict with a reference-versus-current chart per column."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aims.core.forms import ReasonField, errors_on
from aims.core.views_org import tab_context

from . import charts
from .drift import stats
from .models import DriftColumnResult, DriftReference, DriftRun
from .services import drift as drift_services
from .views_common import can_change_monitoring, visible_system

NOTES = {
    "missing_in_reference": gettext_lazy("missing from the reference sample"),
    "not_testable": gettext_lazy("dates, times or empty: not tested"),
    "free_text": gettext_lazy("free text (more than half its values distinct): not tested"),
    "type_mismatch": gettext_lazy("numbers in one sample, text in the other"),
    "needs_numbers": gettext_lazy("this method needs numbers"),
    "empty": gettext_lazy("no value in one of the samples"),
    "approximate": gettext_lazy("from histograms: an approximation"),
}
METHOD_CHOICES = [("", gettext_lazy("Default (as Evidently)"))] + [
    (key, label) for key, label in (
        ("ks", gettext_lazy("Kolmogorov-Smirnov (p-value)")), ("chisquare", gettext_lazy("Chi-square (p-value)")),
        ("z", gettext_lazy("Z-test for proportions (p-value)")),
        ("wasserstein", gettext_lazy("Wasserstein distance (normed)")),
        ("jensenshannon", gettext_lazy("Jensen-Shannon distance")),
        ("psi", gettext_lazy("Population stability index")))]


class ReferenceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False,
                           help_text=gettext_lazy("e.g. “Training data, March 2026”."))
    file = forms.FileField(label=gettext_lazy("Reference sample (CSV or Parquet)"))


class RunForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Current sample (CSV or Parquet)"))
    reference = forms.ModelChoiceField(label=gettext_lazy("Compare with"), queryset=DriftReference.objects.none(),
                                       required=False, empty_label=gettext_lazy("The current reference"))

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference"].queryset = DriftReference.objects.filter(system=system).order_by("-created_at")


class SettingsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    drift_share = forms.FloatField(label=gettext_lazy("Dataset drift share"), min_value=0.01, max_value=1,
                                   help_text=gettext_lazy("The dataset drifts when at least this share of its tested "
                                                          "columns drift (0.5 = half, as Evidently)."))
    reason = ReasonField()

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = list(columns)
        for index, column in enumerate(self.columns):
            self.fields[f"method_{index}"] = forms.ChoiceField(label=column, choices=METHOD_CHOICES, required=False)
            self.fields[f"threshold_{index}"] = forms.FloatField(label=column, required=False, min_value=0)
            self.fields[f"ignore_{index}"] = forms.BooleanField(label=column, required=False)

    def rows(self):
        return [(column, self[f"method_{i}"], self[f"threshold_{i}"], self[f"ignore_{i}"])
                for i, column in enumerate(self.columns)]

    def changes(self) -> dict:
        overrides, ignored = {}, []
        for index, column in enumerate(self.columns):
            override = {"method": self.cleaned_data.get(f"method_{index}") or None,
                        "threshold": self.cleaned_data.get(f"threshold_{index}")}
            override = {k: v for k, v in override.items() if v not in (None, "")}
            if override:
                overrides[column] = override
            if self.cleaned_data.get(f"ignore_{index}"):
                ignored.append(column)
        return {"drift_share": self.cleaned_data["drift_share"], "column_overrides": overrides,
                "ignored_columns": ignored}


def known_columns(system, current) -> list[str]:
    """Columns seen by the system's latest run, plus any named in the settings."""
    latest = DriftRun.objects.filter(system=system, status=DriftRun.Status.DONE).order_by("-created_at").first()
    names = list(latest.columns.values_list("column", flat=True)) if latest else []
    for name in list(current.column_overrides) + list(current.ignored_columns):
        if name not in names:
            names.append(name)
    return names


def drift_tab_context(request, system) -> dict:
    return {"runs": DriftRun.objects.filter(system=system).select_related("reference", "requested_by")
            .order_by("-created_at")[:50],
            "references": DriftReference.objects.filter(system=system).select_related("uploaded_by")
            .order_by("-created_at")[:20],
            "reference_form": ReferenceForm(), "run_form": RunForm(system=system),
            "drift_settings": drift_services.settings_for(system)}


@login_required
@require_POST
def reference_upload(request, system_pk: int):
    system = visible_system(request, system_pk)
    if not can_change_monitoring(request.user, system):
        raise PermissionDenied
    form = ReferenceForm(request.POST, request.FILES)
    if form.is_valid():
        with errors_on(form):
            reference = drift_services.upload_reference(actor=request.user, system=system,
                                                        name=form.cleaned_data["name"], uploaded=form.cleaned_data["file"])
        if not form.errors:
            messages.success(request, _("The reference sample “%(name)s” is now the system's reference.")
                             % {"name": reference.name})
    if form.errors:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("monitoring:system", args=[system.pk]) + "?tab=drift")


@login_required
@require_POST
def run_request(request, system_pk: int):
    system = visible_system(request, system_pk)
    if not can_change_monitoring(request.user, system):
        raise PermissionDenied
    form = RunForm(request.POST, request.FILES, system=system)
    if form.is_valid():
        with errors_on(form):
            run = drift_services.request_run(actor=request.user, system=system, uploaded=form.cleaned_data["file"],
                                             reference=form.cleaned_data["reference"])
        if not form.errors:
            messages.success(request, _("The drift run is queued; this page follows its progress."))
            return redirect("monitoring:drift_detail", pk=run.pk)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("monitoring:system", args=[system.pk]) + "?tab=drift")


@login_required
def drift_settings(request, system_pk: int):
    system = visible_system(request, system_pk)
    if not can_change_monitoring(request.user, system):
        raise PermissionDenied
    current = drift_services.settings_for(system)
    columns = known_columns(system, current)
    initial = {"version": current.version if current.pk else None, "drift_share": current.drift_share}
    for index, column in enumerate(columns):
        override = current.column_overrides.get(column, {})
        initial.update({f"method_{index}": override.get("method", ""), f"threshold_{index}": override.get("threshold"),
                        f"ignore_{index}": column in current.ignored_columns})
    form = SettingsForm(request.POST or None, columns=columns, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            drift_services.update_drift_settings(actor=request.user, system=system, changes=form.changes(),
                                                 expected_version=form.cleaned_data.get("version"),
                                                 reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The drift settings were saved; they apply to the next runs."))
            return redirect(reverse("monitoring:system", args=[system.pk]) + "?tab=drift")
    return render(request, "monitoring/drift_settings.html", {
        "system": system, "form": form, "defaults": stats.DEFAULT_THRESHOLDS})


def _visible_run(request, pk: int) -> DriftRun:
    return get_object_or_404(DriftRun.objects.restrict(request.user, "view").select_related(
        "system__unit", "reference", "requested_by"), pk=pk)


def column_rows(run: DriftRun) -> list[dict]:
    rows = []
    reference_label, current_label = _("Reference"), _("Current")
    for result in DriftColumnResult.objects.filter(run=run).order_by("position"):
        chart = result.chart or {}
        if chart.get("kind") == "bins":
            edges = chart["edges"]
            labels = [charts.number(edges[i]) for i in range(len(edges) - 1)]
        else:
            labels = [str(label) for label in chart.get("labels", [])]
        rows.append({
            "result": result, "note": NOTES.get(result.note, ""),
            "statistic": "—" if result.statistic is None else (
                f"{result.statistic:.3g}" if result.method in stats.P_VALUE_METHODS else f"{result.statistic:.4f}"),
            "is_p_value": result.method in stats.P_VALUE_METHODS,
            "chart": charts.distribution(labels, chart.get("reference", []), chart.get("current", []),
                                         title=_("Distribution of %(column)s") % {"column": result.column},
                                         reference_label=reference_label, current_label=current_label)
            if chart else ""})
    return rows


@login_required
def drift_detail(request, pk: int):
    run = _visible_run(request, pk)
    context = {"run": run, "system": run.system, "finished": run.status in (DriftRun.Status.DONE,
                                                                           DriftRun.Status.FAILED),
               **tab_context(request, run)}
    if run.status == DriftRun.Status.DONE and context["tab"] == "details":
        context["rows"] = column_rows(run)
    return render(request, "monitoring/drift_detail.html", context)


@login_required
def drift_progress(request, pk: int):
    """The progress bar, polled by the run's page; once the run ends, the page reloads to show the verdict."""
    run = _visible_run(request, pk)
    if run.status in (DriftRun.Status.DONE, DriftRun.Status.FAILED):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "monitoring/_drift_progress.html", {"run": run})
