"""Control pages: the list (filters, readiness), creating and editing a control with its links, its page (overview
with readiness and why, tests and results, evidence, history, journal)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aims.core.api_utils import ordering_for
from aims.core.forms import errors_on
from aims.core.models import User
from aims.core.permissions import can_anywhere
from aims.core.views_ledger import HISTORY_PER_PAGE, describe_events, journal_context
from aims.inventory.models import AISystem
from aims.risks.models import Risk

from . import queries, services
from .forms import ControlForm, ResultForm, TestForm
from .models import Control, ControlTest, ControlTestResult, Framework
from .services.readiness import describe
from .views_frameworks import require_compliance_reader

PER_PAGE = 50
SORTS = {"reference": ("reference",), "title": ("title",), "status": ("status", "reference"),
         "ready": ("is_ready", "reference")}


def visible_controls(user):
    return Control.objects.restrict(user, "view")


def filtered_controls(request):
    controls = visible_controls(request.user)
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "status", "ready", "owner", "framework",
                                                                 "tests_due")}
    for term in filters["q"].split()[:5]:
        controls = controls.filter(Q(reference__icontains=term) | Q(title__icontains=term))
    if filters["status"] in Control.Status.values:
        controls = controls.filter(status=filters["status"])
    if filters["ready"] in ("yes", "no"):
        controls = controls.filter(is_ready=filters["ready"] == "yes")
    if filters["owner"].isdigit():
        controls = controls.filter(owner_id=int(filters["owner"]))
    if filters["tests_due"] == "1":
        from aims.core import context

        controls = controls.filter(tests__is_active=True, tests__next_due__lte=context.today()).exclude(
            status=Control.Status.RETIRED).distinct()
    if filters["framework"]:
        controls = controls.filter(requirements__framework__key=filters["framework"]).distinct()
    raw = request.GET.get("sort", "") or "reference"
    try:
        ordering = ordering_for(raw, SORTS, "reference")
    except ValidationError:
        raw, ordering = "reference", ordering_for("reference", SORTS, "reference")
    return controls.order_by(*ordering), filters, raw


@login_required
def control_list(request):
    user = request.user
    require_compliance_reader(user)
    controls, filters, sort = filtered_controls(request)
    counts = visible_controls(user).aggregate(total=Count("pk"), ready=Count("pk", filter=Q(is_ready=True)))
    page = Paginator(controls.select_related("owner").annotate(requirement_count=Count("requirements")),
                     PER_PAGE).get_page(request.GET.get("page"))
    for control in page.object_list:
        control.first_reason = describe(control.readiness_reasons[0]) if control.readiness_reasons else ""
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    owners = User.objects.filter(pk__in=visible_controls(user).values("owner_id")).order_by("last_name")
    return render(request, "compliance/control_list.html", {
        "subnav": "controls", "page": page, "controls": page.object_list, "filters": filters,
        "filtered": any(filters.values()), "counts": counts, "statuses": Control.Status.choices,
        "frameworks": Framework.objects.restrict(user, "view"), "owners": owners[:300],
        "sort": sort.lstrip("-"), "descending": sort.startswith("-"), "query": query.urlencode(),
        "sort_query": sort_query.urlencode(), "can_add": can_anywhere(user, "add", "compliance"),
        "columns": [("reference", _("Reference")), ("title", _("Control")), ("status", _("Status")),
                    ("ready", _("Readiness"))],
    })


@login_required
def control_create(request):
    user = request.user
    if not can_anywhere(user, "add", "compliance"):
        raise PermissionDenied
    form = ControlForm(request.POST or None, user=user, creating=True,
                       initial={"owner": user.pk, "requirements": request.GET.getlist("requirement")})
    if request.method == "POST" and form.is_valid():
        with errors_on(form), transaction.atomic():
            changes = form.changes()
            control = services.create_control(actor=user, title=changes.pop("title"), owner=changes.pop("owner"),
                                              reference=changes.pop("reference"), unit=changes.pop("unit"),
                                              reason=form.cleaned_data["reason"], links=form.links(), **changes)
        if not form.errors:
            messages.success(request, _("Control %(reference)s was created.") % {"reference": control.reference})
            return redirect(control.get_absolute_url())
    return render(request, "compliance/control_form.html", {"subnav": "controls", "form": form},
                  status=400 if form.errors else 200)


def visible_control(request, pk: int) -> Control:
    return get_object_or_404(visible_controls(request.user).select_related("owner", "backup", "unit"), pk=pk)


@login_required
def control_edit(request, pk: int):
    user = request.user
    control = get_object_or_404(Control.objects.restrict(user, "change"), pk=pk)
    form = ControlForm(request.POST or None, instance=control, user=user, initial={"version": control.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form), transaction.atomic():
            control = services.update_control(actor=user, control=control, changes=form.changes(),
                                              expected_version=form.cleaned_data["version"],
                                              reason=form.cleaned_data["reason"])
            services.set_control_links(actor=user, control=control, reason=form.cleaned_data["reason"],
                                       **form.links())
        if not form.errors:
            messages.success(request, _("The control was saved."))
            return redirect(control.get_absolute_url())
    return render(request, "compliance/control_form.html", {"subnav": "controls", "form": form, "control": control},
                  status=400 if form.errors else 200)


TABS = (("overview", gettext_lazy("Overview")), ("tests", gettext_lazy("Tests")), ("evidence", gettext_lazy("Evidence")),
        ("history", gettext_lazy("History")), ("journal", gettext_lazy("Journal")))


def control_context(request, control: Control, tab: str, **bound) -> dict:
    user = request.user
    can_change = Control.objects.restrict(user, "change").filter(pk=control.pk).exists()
    may_test = can_change or user.pk in (control.owner_id, control.backup_id) or control.tests.filter(
        tester=user).exists()
    context = {
        "subnav": "controls", "control": control, "tab": tab if tab in dict(TABS) else "overview",
        "tab_items": [(key, str(label)) for key, label in TABS], "can_change": can_change, "may_test": may_test,
        "reasons": [describe(r) for r in control.readiness_reasons],
    }
    tab = context["tab"]
    if tab == "overview":
        requirements = list(control.requirements.select_related("framework").order_by(
            "framework__position", "position"))
        mapped = queries.mapped_requirements([r.pk for r in requirements])
        by_framework = defaultdict(list)
        for requirement in requirements:
            by_framework[requirement.framework].append((requirement, "direct"))
        for requirement in requirements:
            for other in mapped.get(requirement.pk, []):
                if all(other.pk != r.pk for r, _kind in by_framework[other.framework]):
                    by_framework[other.framework].append((other, requirement))
        context.update({
            "requirements_by_framework": dict(sorted(by_framework.items(), key=lambda kv: kv[0].position)),
            "risks": control.risks.filter(pk__in=Risk.objects.restrict(user, "view").values("pk")),
            "systems": control.systems.filter(pk__in=AISystem.objects.restrict(user, "view").values("pk")),
            "components": control.components.all(), "dependencies": control.dependencies.all(),
            "policies": control.policies.all() if hasattr(control, "policies") else [],
        })
    elif tab == "tests":
        tests = list(control.tests.select_related("tester").prefetch_related(
            Prefetch("results", queryset=ControlTestResult.objects.select_related("tester").order_by(
                "-performed_on", "-id"))))
        context.update({"tests": tests, "test_form": bound.get("test_form") or TestForm(user=user, control=control),
                        "result_form": bound.get("result_form"), "results": ControlTestResult.Result.choices})
    elif tab == "evidence":
        from aims.evidence.links import linked_evidence_context

        context.update(linked_evidence_context(user, control))
    elif tab == "history":
        from aims.core.models import LedgerEvent

        events = LedgerEvent.objects.filter(Q(object_type="compliance.control", object_id=str(control.pk)) | Q(
            object_type="compliance.controltest", object_id__in=[str(t) for t in control.tests.values_list(
                "pk", flat=True)])).order_by("-id")
        page = Paginator(events, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
        context.update({"history_rows": describe_events(page.object_list, user), "history_page": page,
                        "history_object_type": "compliance.control", "history_object_id": control.pk})
    elif tab == "journal":
        context.update(journal_context(request, control, page_number=request.GET.get("page")))
    return context


@login_required
def control_detail(request, pk: int):
    control = visible_control(request, pk)
    return render(request, "compliance/control_detail.html",
                  control_context(request, control, request.GET.get("tab", "overview")))


@login_required
@require_POST
def test_add(request, pk: int):
    user = request.user
    control = visible_control(request, pk)
    form = TestForm(request.POST, user=user, control=control)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.add_test(actor=user, control=control, name=data["name"], pass_criteria=data["pass_criteria"],
                              frequency=data["frequency"], tester=data["tester"], first_due=data["next_due"])
        if not form.errors:
            messages.success(request, _("The test was added."))
            return redirect(control.get_absolute_url() + "?tab=tests")
    return render(request, "compliance/control_detail.html",
                  control_context(request, control, "tests", test_form=form), status=400)


@login_required
@require_POST
def test_record(request, pk: int):
    user = request.user
    control = visible_control(request, pk)
    form = ResultForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        test = get_object_or_404(ControlTest, pk=data["test"], control=control)
        with errors_on(form):
            services.record_test_result(actor=user, test=test, result=data["result"],
                                        performed_on=data["performed_on"], notes=data["notes"])
        if not form.errors:
            messages.success(request, _("The result was recorded."))
            return redirect(control.get_absolute_url() + "?tab=tests")
    return render(request, "compliance/control_detail.html",
                  control_context(request, control, "tests", result_form=form), status=400)
