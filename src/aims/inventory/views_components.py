"""Shared components and the dependency register: lists, details with impact both ways, create and edit."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.permissions import can_anywhere
from aims.core.views_org import _posted, tab_context

from . import queries, services
from .forms import ComponentForm, DependencyForm, LinkDependencyForm
from .models import AISystem, Component, ComponentDependency, ComponentKind, Dependency, DependencyKind, Origin
from .views_portfolio import require_inventory_reader

PER_PAGE = 50
# A dependency whose support ends within this many days is flagged "soon" (the reminders start at 60 days).
END_OF_SUPPORT_SOON_DAYS = 60


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


# --- Components -------------------------------------------------------------------------------------------------------

@login_required
def component_list(request):
    user = request.user
    require_inventory_reader(user)
    components = Component.objects.restrict(user, "view").select_related("owner_unit").annotate(
        system_count=Count("system_links", distinct=True))
    q = request.GET.get("q", "").strip()[:200]
    for term in q.split()[:10]:
        components = components.filter(Q(name__icontains=term) | Q(provider__icontains=term)
                                       | Q(version_label__icontains=term) | Q(description__icontains=term))
    kind, origin = request.GET.get("kind", ""), request.GET.get("origin", "")
    if kind:
        components = components.filter(kind=kind)
    if origin:
        components = components.filter(origin=origin)
    page = _page(request, components.order_by("name", "version_label", "pk"))
    return render(request, "inventory/component_list.html", {
        "page": page, "components": page.object_list, "q": q, "kind": kind, "origin": origin,
        "kinds": ComponentKind.choices, "origins": Origin.choices, "filtered": bool(q or kind or origin),
        "query": _query_without_page(request), "can_add": can_anywhere(user, "add", "inventory"),
    })


def _visible_component(request, pk: int, action: str = "view") -> Component:
    return get_object_or_404(Component.objects.restrict(request.user, action).select_related(
        "owner_unit", "owner", "previous_version"), pk=pk)


@login_required
def component_detail(request, pk: int, link_form=None):
    user = request.user
    component = _visible_component(request, pk)
    can_change = Component.objects.restrict(user, "change").filter(pk=pk).exists()
    context = {
        "component": component, "can_change": can_change,
        "systems": queries.systems_using_component(user, component).select_related("unit").order_by("name"),
        "dependency_links": component.dependency_links.select_related("dependency").order_by("dependency__name"),
        "next_versions": component.next_versions.order_by("pk"),
        "link_form": link_form or LinkDependencyForm(user=user),
        "is_model": component.kind == ComponentKind.MODEL, "is_dataset": component.kind == ComponentKind.DATASET,
        **tab_context(request, component),
    }
    return render(request, "inventory/component_detail.html", context, status=400 if link_form is not None else 200)


def _system_to_link(request):
    """The system a component is registered for ("Register a new component" on its Components tab, `?system=`): one
    the person may change, else None (the component is then registered on its own)."""
    pk = request.GET.get("system", "")
    if not pk.isdigit():
        return None
    return AISystem.objects.restrict(request.user, "change").filter(pk=int(pk), is_frozen=False).first()


@login_required
def component_create(request):
    user = request.user
    if not can_anywhere(user, "add", "inventory"):
        raise PermissionDenied
    system = _system_to_link(request)
    form = ComponentForm(_posted(request), user=user, creating=True, initial={"kind": request.GET.get("kind")},
                         for_system=system is not None)
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        kind, name = fields.pop("kind"), fields.pop("name")
        with errors_on(form):
            if system is None:
                component = services.create_component(actor=user, kind=kind, name=name,
                                                      reason=form.cleaned_data["reason"], **fields)
            else:
                component = services.create_component_for_system(
                    actor=user, system=system, kind=kind, name=name, role=form.cleaned_data.get("role", ""),
                    reason=form.cleaned_data["reason"], **fields)
        if not form.errors:
            if system is None:
                messages.success(request, _("The component “%(name)s” was registered.") % {"name": component})
                return redirect("inventory:component_detail", pk=component.pk)
            messages.success(request, _("The component “%(name)s” was registered and linked to “%(system)s”.")
                             % {"name": component, "system": system.name})
            return redirect(f"{system.get_absolute_url()}?tab=components")
    return render(request, "inventory/component_form.html", {"form": form, "creating": True, "for_system": system},
                  status=_status(form))


@login_required
def component_edit(request, pk: int):
    user = request.user
    component = _visible_component(request, pk, "change")
    form = ComponentForm(_posted(request), instance=component, user=user, initial={"version": component.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.update_component(actor=user, component=Component.objects.get(pk=pk), changes=form.changes(),
                                      expected_version=form.cleaned_data["version"], reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The component was saved."))
            return redirect("inventory:component_detail", pk=pk)
    return render(request, "inventory/component_form.html", {"form": form, "component": Component.objects.get(pk=pk)},
                  status=_status(form))


@login_required
@require_POST
def component_link_dependency(request, pk: int):
    component = _visible_component(request, pk)
    form = LinkDependencyForm(request.POST, user=request.user)
    if form.is_valid():
        with errors_on(form):
            services.link_component_dependency(actor=request.user, component=component,
                                               dependency=form.cleaned_data["dependency"],
                                               notes=form.cleaned_data["notes"])
        if not form.errors:
            messages.success(request, _("The dependency was linked."))
            return redirect("inventory:component_detail", pk=pk)
    return component_detail(request, pk, link_form=form)


@login_required
@require_POST
def component_unlink_dependency(request, pk: int, link_pk: int):
    component = _visible_component(request, pk)
    link = get_object_or_404(ComponentDependency, pk=link_pk, component=component)
    services.unlink_component_dependency(actor=request.user, link=link)
    messages.success(request, _("The dependency was unlinked."))
    return redirect("inventory:component_detail", pk=pk)


# --- Dependencies ------------------------------------------------------------------------------------------------------

def support_status(end_of_support, today: dt.date) -> str:
    """"overdue" once support has ended, "soon" within the reminder horizon, "" otherwise."""
    if end_of_support is None:
        return ""
    if end_of_support < today:
        return "overdue"
    if end_of_support <= today + dt.timedelta(days=END_OF_SUPPORT_SOON_DAYS):
        return "soon"
    return ""


@login_required
def dependency_list(request):
    user = request.user
    require_inventory_reader(user)
    today = timezone.localdate()
    dependencies = Dependency.objects.restrict(user, "view").select_related("owner_unit").annotate(
        system_count=Count("system_links", distinct=True), component_count=Count("component_links", distinct=True))
    q = request.GET.get("q", "").strip()[:200]
    for term in q.split()[:10]:
        dependencies = dependencies.filter(Q(name__icontains=term) | Q(supplier__icontains=term)
                                           | Q(version_label__icontains=term))
    kind, support = request.GET.get("kind", ""), request.GET.get("support", "")
    if kind:
        dependencies = dependencies.filter(kind=kind)
    if support == "overdue":
        dependencies = dependencies.filter(end_of_support__lt=today)
    elif support == "soon":
        dependencies = dependencies.filter(end_of_support__gte=today,
                                           end_of_support__lte=today + dt.timedelta(days=END_OF_SUPPORT_SOON_DAYS))
    order = "end_of_support" if request.GET.get("sort") == "end_of_support" else "name"
    page = _page(request, dependencies.order_by(order, "name", "version_label", "pk"))
    rows = [{"dependency": d, "support": support_status(d.end_of_support, today)} for d in page.object_list]
    return render(request, "inventory/dependency_list.html", {
        "page": page, "rows": rows, "q": q, "kind": kind, "support": support, "kinds": DependencyKind.choices,
        "filtered": bool(q or kind or support), "query": _query_without_page(request), "sort": order,
        "can_add": can_anywhere(user, "add", "inventory"), "soon_days": END_OF_SUPPORT_SOON_DAYS,
    })


def _visible_dependency(request, pk: int, action: str = "view") -> Dependency:
    return get_object_or_404(Dependency.objects.restrict(request.user, action).select_related("owner_unit", "owner"),
                             pk=pk)


@login_required
def dependency_detail(request, pk: int):
    user = request.user
    dependency = _visible_dependency(request, pk)
    dependents = queries.dependents_of(user, dependency)
    return render(request, "inventory/dependency_detail.html", {
        "dependency": dependency, "support": support_status(dependency.end_of_support, timezone.localdate()),
        "can_change": Dependency.objects.restrict(user, "change").filter(pk=pk).exists(),
        "dependent_components": dependents["components"].order_by("name"),
        "dependent_systems": dependents["systems"].select_related("unit", "owner").order_by("name"),
        **tab_context(request, dependency),
    })


@login_required
def dependency_create(request):
    user = request.user
    if not can_anywhere(user, "add", "inventory"):
        raise PermissionDenied
    form = DependencyForm(_posted(request), user=user, creating=True)
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        kind, name = fields.pop("kind"), fields.pop("name")
        with errors_on(form):
            dependency = services.create_dependency(actor=user, kind=kind, name=name,
                                                    reason=form.cleaned_data["reason"], **fields)
        if not form.errors:
            messages.success(request, _("The dependency “%(name)s” was registered.") % {"name": dependency})
            return redirect("inventory:dependency_detail", pk=dependency.pk)
    return render(request, "inventory/dependency_form.html", {"form": form, "creating": True}, status=_status(form))


@login_required
def dependency_edit(request, pk: int):
    user = request.user
    dependency = _visible_dependency(request, pk, "change")
    form = DependencyForm(_posted(request), instance=dependency, user=user, initial={"version": dependency.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.update_dependency(actor=user, dependency=Dependency.objects.get(pk=pk), changes=form.changes(),
                                       expected_version=form.cleaned_data["version"],
                                       reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The dependency was saved."))
            return redirect("inventory:dependency_detail", pk=pk)
    return render(request, "inventory/dependency_form.html",
                  {"form": form, "dependency": Dependency.objects.get(pk=pk)}, status=_status(form))
