"""Vulnerability pages: the register (search, filters, sorts on indexed columns, pages), recording and editing, a
vulnerability's page (what it is, its score, the AI systems it affects found through the inventory, its mitigations
with their owners and due dates, its status), and the mitigation owners' "done"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core import context
from aims.core.forms import errors_on
from aims.core.ordering import Rank
from aims.core.permissions import can_anywhere, can_in_unit, get_for
from aims.core.views_org import tab_context

from . import catalog, queries, services
from .forms_vulnerabilities import MitigationDoneForm, MitigationForm, VulnerabilityForm, VulnerabilityStatusForm
from .models import OPEN_VULNERABILITY_STATUSES, Mitigation, Vulnerability, VulnerabilityKind, VulnerabilityStatus

PER_PAGE = 50
# Sort key -> ordering; each has an index (models.Vulnerability.Meta.indexes).
SORTS = {"created": ("created_at",), "severity": ("severity", "-created_at"), "status": ("status", "-created_at"),
         "kind": ("kind", "-created_at"), "title": ("title",), "score": ("cvss_score",)}


def _ordering(sort: str):
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, descending = "created", True
    fields = []
    for name in SORTS[key]:
        if name == "severity":  # the catalogue's scale, not the alphabet
            rank = Rank("severity", catalog.severity_keys())
            fields.append(rank.desc() if descending else rank.asc())
            continue
        flipped = name[1:] if name.startswith("-") else f"-{name}"
        fields.append(flipped if descending else name)
    return fields + ["-id" if descending else "id"]


def visible_vulnerability(request, pk: int, action: str = "view") -> Vulnerability:
    return get_for(request.user, Vulnerability.objects.select_related("unit", "owner", "reported_by", "incident"),
                   action, pk=pk)


@login_required
def vulnerability_list(request):
    user = request.user
    found = Vulnerability.objects.restrict(user, "view").select_related("owner")
    status = request.GET.get("status", "open")
    if status == "open":
        found = found.filter(status__in=OPEN_VULNERABILITY_STATUSES)
    elif status in VulnerabilityStatus.values:
        found = found.filter(status=status)
    severity = request.GET.get("severity", "")
    if severity in catalog.severity_keys():
        found = found.filter(severity=severity)
    kind = request.GET.get("kind", "")
    if kind in VulnerabilityKind.values:
        found = found.filter(kind=kind)
    component = request.GET.get("component", "")
    if component.isdigit():
        found = found.filter(pk__in=queries.vulnerability_ids_affecting(int(component)))
    q = (request.GET.get("q") or "").strip()[:200]
    if q:
        found = found.filter(Q(title__icontains=q) | Q(reference__icontains=q) | Q(cve_id__icontains=q))
    sort = request.GET.get("sort", "-created")
    page = Paginator(found.order_by(*_ordering(sort)), PER_PAGE).get_page(request.GET.get("page"))
    query = "&".join(f"{key}={value}" for key, value in (("status", status), ("severity", severity), ("kind", kind),
                                                          ("component", component), ("q", q), ("sort", sort))
                     if value)
    return render(request, "incidents/vulnerability_list.html", {
        "subnav": "vulnerabilities", "page": page, "rows": list(page.object_list), "status": status,
        "severity": severity, "kind": kind, "component": component, "q": q, "sort": sort, "query": query,
        "statuses": VulnerabilityStatus.choices, "severities": catalog.severity_choices(),
        "kinds": VulnerabilityKind.choices,
        "sorts": [("-created", _("Most recent first")), ("created", _("Oldest first")),
                  ("-severity", _("Most severe first")), ("-score", _("Highest CVSS score first")),
                  ("status", _("Status")), ("kind", _("Kind")), ("title", _("Title"))],
        "filtered": bool(q or severity or kind or component or status not in ("open", "all")),
        "can_add": can_anywhere(user, "add", "incidents")})


def _save(request, form, vulnerability=None):
    data = {k: v for k, v in form.changes().items() if k != "version"}
    reason = form.cleaned_data.get("reason", "")
    components = form.affected()
    dependencies = list(form.cleaned_data.get("dependencies") or [])
    if data.get("cvss_vector"):
        data.pop("severity", None)  # the score decides it
    with errors_on(form):
        if vulnerability is None:
            return services.create_vulnerability(actor=request.user, components=components,
                                                 dependencies=dependencies, reason=reason, **data)
        # The form wrote its values on its instance: the service reads the stored row (and diffs the changes).
        stored = Vulnerability.objects.select_related("unit", "owner").get(pk=vulnerability.pk)
        return services.update_vulnerability(actor=request.user, vulnerability=stored, changes=data,
                                             components=components, dependencies=dependencies,
                                             expected_version=form.cleaned_data["version"], reason=reason)
    return None


@login_required
def vulnerability_create(request):
    if not can_anywhere(request.user, "add", "incidents"):
        raise PermissionDenied
    initial = {"owner": request.user, "unit": request.user.unit_id}
    if request.GET.get("incident", "").isdigit():
        initial["incident"] = int(request.GET["incident"])
    if request.GET.get("component", "").isdigit():
        initial["components"] = [int(request.GET["component"])]
    form = VulnerabilityForm(request.POST or None, user=request.user, creating=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        found = _save(request, form)
        if found is not None and not form.errors:
            messages.success(request, _("The vulnerability %(reference)s was recorded.") % {
                "reference": found.reference})
            return redirect("incidents:vulnerability_detail", pk=found.pk)
    return render(request, "incidents/vulnerability_form.html", {"form": form, "creating": True,
                                                                 "subnav": "vulnerabilities"},
                  status=400 if request.method == "POST" else 200)


@login_required
def vulnerability_edit(request, pk: int):
    found = visible_vulnerability(request, pk, "change")
    form = VulnerabilityForm(request.POST or None, instance=found, user=request.user,
                             initial={"version": found.version})
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, found)
        if saved is not None and not form.errors:
            messages.success(request, _("The vulnerability was saved."))
            return redirect("incidents:vulnerability_detail", pk=found.pk)
    return render(request, "incidents/vulnerability_form.html", {"form": form, "vulnerability": found,
                                                                 "subnav": "vulnerabilities"},
                  status=400 if request.method == "POST" else 200)


def vulnerability_context(request, found: Vulnerability, **bound) -> dict:
    user = request.user
    can_change = can_in_unit(user, "change", "incidents", found.unit)
    editable = can_change and found.status != VulnerabilityStatus.CLOSED
    mitigations = list(found.mitigations.select_related("owner").order_by("due_date", "id"))
    bound_done, today = bound.get("done_form"), context.today()
    rows = [{"mitigation": m, "overdue": m.status == Mitigation.Status.OPEN and m.due_date < today,
             "done_form": (bound_done if bound_done is not None and bound_done.prefix == f"m{m.pk}"
                           else MitigationDoneForm(prefix=f"m{m.pk}"))
             if m.status == Mitigation.Status.OPEN and found.status != VulnerabilityStatus.CLOSED
             and (can_change or m.owner_id == user.pk) else None}
            for m in mitigations]
    links = list(found.component_links.select_related("component").order_by("component__name", "component_id"))
    return {
        "vulnerability": found, "can_change": can_change, "editable": editable, "mitigations": rows,
        "systems": queries.vulnerable_systems(found, user), "links": links,
        "dependencies": list(found.dependencies.order_by("name", "id")),
        "severity_label": catalog.severity_label(found.severity),
        "due_days": catalog.mitigation_due_days(found.severity),
        "incident_visible": found.incident_id is not None and can_in_unit(user, "view", "incidents",
                                                                           found.incident.unit),
        "status_form": bound.get("status_form") or (VulnerabilityStatusForm(vulnerability=found)
                                                    if can_change else None),
        "mitigation_form": bound.get("mitigation_form") or (MitigationForm(user=user, vulnerability=found)
                                                            if editable else None),
        "subnav": "vulnerabilities",
        **tab_context(request, found),
    }


@login_required
def vulnerability_detail(request, pk: int):
    found = visible_vulnerability(request, pk)
    return render(request, "incidents/vulnerability_detail.html", vulnerability_context(request, found))


@login_required
@require_POST
def vulnerability_status(request, pk: int):
    found = visible_vulnerability(request, pk, "change")
    form = VulnerabilityStatusForm(request.POST, vulnerability=found)
    if form.is_valid():
        with errors_on(form):
            services.change_vulnerability_status(actor=request.user, vulnerability=found,
                                                 status=form.cleaned_data["status"],
                                                 reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The status was changed."))
            return redirect("incidents:vulnerability_detail", pk=found.pk)
    return render(request, "incidents/vulnerability_detail.html",
                  vulnerability_context(request, found, status_form=form), status=400)


@login_required
@require_POST
def mitigation_add(request, pk: int):
    found = visible_vulnerability(request, pk, "change")
    form = MitigationForm(request.POST, user=request.user, vulnerability=found)
    if form.is_valid():
        with errors_on(form):
            services.add_mitigation(actor=request.user, vulnerability=found, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The mitigation was planned."))
            return redirect(reverse("incidents:vulnerability_detail", args=[found.pk]) + "#mitigations")
    return render(request, "incidents/vulnerability_detail.html",
                  vulnerability_context(request, found, mitigation_form=form), status=400)


@login_required
@require_POST
def mitigation_done(request, pk: int):
    mitigation = get_object_or_404(Mitigation.objects.select_related("vulnerability"), pk=pk,
                                   vulnerability__in=Vulnerability.objects.restrict(request.user, "view"))
    found = visible_vulnerability(request, mitigation.vulnerability_id)
    form = MitigationDoneForm(request.POST, prefix=f"m{mitigation.pk}")
    if form.is_valid():
        with errors_on(form):
            services.complete_mitigation(actor=request.user, mitigation=mitigation, note=form.cleaned_data["note"],
                                         done_on=form.cleaned_data["done_on"])
        if not form.errors:
            messages.success(request, _("The mitigation is done."))
            return redirect(reverse("incidents:vulnerability_detail", args=[found.pk]) + f"#mitigation-{mitigation.pk}")
    return render(request, "incidents/vulnerability_detail.html",
                  vulnerability_context(request, found, done_form=form), status=400)
