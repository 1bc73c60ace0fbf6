"""Gap analysis pages: each framework's assessments with the trend of its score (server-rendered SVG), starting one,
assessing requirement by requirement with scores per clause, snapshots and closing."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.permissions import can_in_unit

from . import services
from .charts import Point, trend_svg
from .forms import AssessmentStartForm, RowForm
from .models import Framework, GapAssessment, GapSnapshot, RequirementAssessment
from .services.assessments import scores
from .templatetags.compliance_tags import reader_language
from .views_frameworks import require_compliance_reader


def may_assess(user) -> bool:
    return can_in_unit(user, "change", "compliance", None)


def trend_for(framework: Framework, language: str) -> dict:
    snapshots = list(GapSnapshot.objects.filter(framework=framework).order_by("taken_at", "pk"))
    name = framework.name(language)
    title = _("Score of %(framework)s over time") % {"framework": name}
    if snapshots:
        description = _("%(n)d measurements from %(first)s %% to %(last)s %%.") % {
            "n": len(snapshots), "first": f"{snapshots[0].score:.0f}", "last": f"{snapshots[-1].score:.0f}"}
    else:
        description = _("No measurement yet.")
    return {"framework": framework, "snapshots": snapshots, "title": title,
            "svg": trend_svg([Point(s.taken_at, s.score) for s in snapshots], title=title, description=description)}


@login_required
def assessment_list(request, form=None):
    user = request.user
    require_compliance_reader(user)
    language = reader_language()
    frameworks = list(Framework.objects.restrict(user, "view"))
    assessments = list(GapAssessment.objects.restrict(user, "view").select_related("framework", "started_by"))
    return render(request, "compliance/assessment_list.html", {
        "subnav": "assessments", "trends": [trend_for(f, language) for f in frameworks
                                             if any(a.framework_id == f.pk for a in assessments)],
        "assessments": assessments, "can_assess": may_assess(user),
        "start_form": form or AssessmentStartForm(user=user),
    }, status=400 if form is not None else 200)


@login_required
@require_POST
def assessment_start(request):
    user = request.user
    form = AssessmentStartForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            assessment = services.start_assessment(actor=user, framework=data["framework"], title=data["title"],
                                                   carry_over=data["carry_over"])
        if not form.errors:
            messages.success(request, _("The assessment was started."))
            return redirect(assessment.get_absolute_url())
    return assessment_list(request, form=form)


def _detail_context(request, assessment: GapAssessment, bound: RowForm | None = None) -> dict:
    from aims.evidence.links import linked_ids

    language = reader_language()
    rows = list(assessment.rows.select_related("assessed_by").order_by("position"))
    evidence = linked_ids("compliance.requirementassessment", [r.pk for r in rows])
    groups: OrderedDict = OrderedDict()
    result = scores(assessment)
    for row in rows:
        row.evidence_count = len(evidence.get(str(row.pk), []))
        key = row.group_code or "—"
        groups.setdefault(key, {"code": key, "title": (row.group_title_fr if language == "fr" else "")
                                or row.group_title_en, "rows": [], "score": result["by_group"][key]["score"]})
        groups[key]["rows"].append(row)
    return {
        "subnav": "assessments", "assessment": assessment, "groups": list(groups.values()), "result": result,
        "can_assess": may_assess(request.user) and assessment.status == GapAssessment.Status.OPEN,
        "statuses": RequirementAssessment.Status.choices, "bound": bound,
        "trend": trend_for(assessment.framework, language),
    }


@login_required
def assessment_detail(request, pk: int):
    require_compliance_reader(request.user)
    assessment = get_object_or_404(GapAssessment.objects.restrict(request.user, "view").select_related(
        "framework", "started_by", "closed_by"), pk=pk)
    return render(request, "compliance/assessment_detail.html", _detail_context(request, assessment))


@login_required
@require_POST
def assessment_row(request, pk: int):
    user = request.user
    assessment = get_object_or_404(GapAssessment.objects.restrict(user, "view"), pk=pk)
    form = RowForm(request.POST)
    if form.is_valid():
        row = get_object_or_404(RequirementAssessment, pk=form.cleaned_data["row"], assessment=assessment)
        with errors_on(form):
            services.assess_requirement(actor=user, row=row, status=form.cleaned_data["status"],
                                        notes=form.cleaned_data["notes"],
                                        expected_version=form.cleaned_data["version"])
        if not form.errors:
            messages.success(request, _("%(code)s was assessed.") % {"code": row.code})
            return redirect(f"{assessment.get_absolute_url()}#row-{row.pk}")
    return render(request, "compliance/assessment_detail.html", _detail_context(request, assessment, bound=form),
                  status=400)


@login_required
@require_POST
def assessment_action(request, pk: int, action: str):
    user = request.user
    assessment = get_object_or_404(GapAssessment.objects.restrict(user, "view"), pk=pk)
    if not may_assess(user):
        raise PermissionDenied
    try:
        if action == "snapshot":
            services.take_snapshot(actor=user, assessment=assessment)
            messages.success(request, _("The scores were recorded."))
        else:
            services.close_assessment(actor=user, assessment=assessment, reason=request.POST.get("reason", ""))
            messages.success(request, _("The assessment was closed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(assessment.get_absolute_url())
