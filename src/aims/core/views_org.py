"""Organisation unit pages: the tree, a unit's detail with History and Journal tabs, create, edit and delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import services
from .forms import OrgUnitForm, ReasonForm, errors_on
from .models import OrgUnit, User
from .permissions import can_anywhere, can_in_unit
from .views_ledger import history_context, journal_context

TABS = ("details", "history", "journal")

def _posted(request):
    """The POST data on a POST (even an empty one, so an empty submission is validated), else None."""
    return request.POST if request.method == "POST" else None


def tab_of(request) -> str:
    tab = request.GET.get("tab", "details")
    return tab if tab in TABS else "details"


def tab_context(request, obj) -> dict:
    """Context for the History or Journal tab of a detail page (the Details tab needs nothing extra)."""
    tab = tab_of(request)
    context = {"tab": tab, "tab_items": [("details", _("Details")), ("history", _("History")), ("journal", _("Journal"))]}
    if tab == "history":
        context.update(history_context(request, obj, request.GET.get("page")))
    elif tab == "journal":
        context.update(journal_context(request, obj, page_number=request.GET.get("page")))
    return context


def _visible_unit(request, pk: int, action: str = "view") -> OrgUnit:
    return get_object_or_404(OrgUnit.objects.restrict(request.user, action).select_related("parent"), pk=pk)


@login_required
def unit_list(request):
    user = request.user
    units = list(
        OrgUnit.objects.restrict(user, "view")
        .annotate(people_count=Count("people", filter=Q(people__is_active=True)))
        .order_by("path")
    )
    # Siblings by name, each unit right under its parent; a unit whose parent is out of the person's scope is a root.
    by_parent: dict = {}
    visible = {u.pk for u in units}
    for unit in units:
        by_parent.setdefault(unit.parent_id if unit.parent_id in visible else None, []).append(unit)
    tree: list[OrgUnit] = []

    def walk(parent_id, depth):
        for unit in sorted(by_parent.get(parent_id, []), key=lambda u: u.name.lower()):
            unit.tree_depth = depth
            tree.append(unit)
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return render(request, "core/unit_list.html", {
        "units": tree, "can_add": can_anywhere(user, "add", "organisation"),
    })


@login_required
def unit_detail(request, pk: int):
    unit = _visible_unit(request, pk)
    user = request.user
    context = {
        "unit": unit,
        # The parent is named in any case (it is part of the unit's place); linked only if the reader may open it.
        "parent_visible": unit.parent_id is not None
        and OrgUnit.objects.restrict(user, "view").filter(pk=unit.parent_id).exists(),
        "children": OrgUnit.objects.restrict(user, "view").filter(parent=unit).order_by("name"),
        "people": User.objects.restrict(user, "view").filter(unit=unit, is_active=True).order_by(
            "last_name", "first_name")[:100],
        "can_change": can_in_unit(user, "change", "organisation", unit),
        "can_delete": can_in_unit(user, "delete", "organisation", unit),
        "can_add_child": can_in_unit(user, "add", "organisation", unit),
        **tab_context(request, unit),
    }
    return render(request, "core/unit_detail.html", context)


@login_required
def unit_create(request):
    user = request.user
    if not can_anywhere(user, "add", "organisation"):
        raise PermissionDenied
    initial = {}
    parent_pk = request.GET.get("parent")
    if parent_pk and parent_pk.isdigit():
        initial["parent"] = parent_pk
    form = OrgUnitForm(_posted(request), user=user, creating=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            unit = services.create_org_unit(actor=user, name=data["name"], code=data["code"], parent=data["parent"],
                                            description=data["description"], reason=data["reason"])
        if not form.errors:
            messages.success(request, _("The unit “%(name)s” was created.") % {"name": unit.name})
            return redirect("unit_detail", pk=unit.pk)
    return render(request, "core/unit_form.html", {"form": form, "creating": True})


@login_required
def unit_edit(request, pk: int):
    unit = _visible_unit(request, pk, "change")
    user = request.user
    form = OrgUnitForm(_posted(request), instance=unit, user=user, initial={"version": unit.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            unit = services.update_org_unit(actor=user, unit=OrgUnit.objects.get(pk=pk), changes=form.changes(),
                                            expected_version=form.cleaned_data["version"],
                                            reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The unit was saved."))
            return redirect("unit_detail", pk=unit.pk)
    return render(request, "core/unit_form.html", {"form": form, "unit": OrgUnit.objects.get(pk=pk)})


@login_required
def unit_delete(request, pk: int):
    unit = _visible_unit(request, pk, "delete")
    blockers = {
        "children": unit.children.count(),
        "people": unit.people.count(),
    }
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_org_unit(actor=request.user, unit=unit, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("unit_delete", pk=unit.pk)
        messages.success(request, _("The unit “%(name)s” was deleted.") % {"name": unit.name})
        return redirect(reverse("unit_list"))
    return render(request, "core/unit_confirm_delete.html", {
        "unit": unit, "blockers": blockers, "blocked": any(blockers.values()), "form": form,
    })
