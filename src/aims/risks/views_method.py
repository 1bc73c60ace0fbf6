"""Risk method pages: the versions, one version with its matrix as a coloured grid, a new draft copied from the
active version, editing a draft (scales as form rows, levels and matrix as YAML), activation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aims.core import labels
from aims.core.forms import ReasonForm, apply_validation_error, stale_message
from aims.core.permissions import can_in_unit
from aims.core.services import StaleVersion
from aims.core.views_org import _posted, tab_context

from . import services
from .forms import MethodForm, formset_steps, scale_formset
from .models import RiskCategory, RiskMethod
from .services._common import active_method
from .views_register import require_risk_reader

SCALE_ERRORS = ("likelihood_scale", "impact_scale")


def _may_manage(user) -> bool:
    # Methods belong to no unit: only roles granted over the whole organisation define them.
    return can_in_unit(user, "add", "risks", None)


def _visible_method(request, pk: int) -> RiskMethod:
    return get_object_or_404(RiskMethod.objects.restrict(request.user, "view"), pk=pk)


@login_required
def method_list(request):
    require_risk_reader(request.user)
    return render(request, "risks/method_list.html", {
        "subnav": "method",
        "methods": RiskMethod.objects.restrict(request.user, "view").select_related("activated_by").order_by("-number"),
        "can_manage": _may_manage(request.user), "active": active_method(),
    })


def matrix_rows(method: RiskMethod) -> list[dict]:
    """Rows from the highest likelihood down, each with its step and its cells' levels (lowest impact first)."""
    definition = method.definition
    return [{"value": lk, "step": definition.likelihood_scale[lk - 1],
             "cells": [definition.level_of(lk, im) for im in range(1, definition.impact_count + 1)]}
            for lk in range(definition.likelihood_count, 0, -1)]


@login_required
def method_detail(request, pk: int):
    method = _visible_method(request, pk)
    try:
        definition = method.definition
        problem = None
    except ValidationError as error:
        # A draft can be saved half-done only through the catalogue loader; show what is wrong instead of failing.
        definition, problem = None, error
    return render(request, "risks/method_detail.html", {
        "subnav": "method",
        "method": method, "definition": definition, "problem": problem,
        "rows": matrix_rows(method) if definition else [],
        "levels": definition.levels_by_rank() if definition else [],
        "appetite": definition.levels.get(method.appetite_level) if definition else None,
        "appetite_by_category": [(labels.value_label(RiskCategory, k), definition.levels.get(v))
                                 for k, v in method.appetite_by_category.items()]
        if definition else [],
        "can_manage": _may_manage(request.user), **tab_context(request, method),
    })


@login_required
@require_POST
def method_new_version(request):
    if not _may_manage(request.user):
        raise PermissionDenied
    based_on = active_method() or RiskMethod.objects.order_by("-number").first()
    if based_on is None:
        based_on = services.load_default_method(actor=request.user, activate=False)
        messages.success(request, _("The default method was loaded as a first draft."))
        return redirect("risks:method_edit", pk=based_on.pk)
    draft = services.create_method_version(actor=request.user, based_on=based_on,
                                           reason=gettext_lazy("New version of the method"))
    messages.success(request, _("Version %(n)d was created as a draft: edit it, then activate it.") % {
        "n": draft.number})
    return redirect("risks:method_edit", pk=draft.pk)


@login_required
def method_edit(request, pk: int):
    user = request.user
    if not _may_manage(user):
        raise PermissionDenied
    method = _visible_method(request, pk)
    if not method.is_editable:
        messages.error(request, _("Only a draft version can be edited: create a new version instead."))
        return redirect("risks:method_detail", pk=pk)
    data = _posted(request)
    form = MethodForm(data, instance=method, initial={"version": method.version})
    likelihood = scale_formset(data, method, "likelihood")
    impact = scale_formset(data, method, "impact")
    scale_errors: dict[str, list] = {}
    if request.method == "POST" and all([form.is_valid(), likelihood.is_valid(), impact.is_valid()]):
        changes = {**form.changes(), "likelihood_scale": formset_steps(likelihood),
                   "impact_scale": formset_steps(impact)}
        try:
            # The model validates the whole definition on save, so an inconsistent draft is never stored.
            services.update_method(actor=user, method=RiskMethod.objects.get(pk=pk), changes=changes,
                                   expected_version=form.cleaned_data["version"], reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                scale_errors = {k: v for k, v in error.message_dict.items() if k in SCALE_ERRORS}
                others = {k: v for k, v in error.message_dict.items() if k not in SCALE_ERRORS}
                if others:
                    apply_validation_error(form, ValidationError(others))
            else:
                apply_validation_error(form, error)
        except StaleVersion as stale:
            form.add_error(None, stale_message(stale.current_version))
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("risks:method_detail", pk=pk)
    return render(request, "risks/method_form.html", {
        "subnav": "method",
        "form": form, "method": RiskMethod.objects.get(pk=pk), "likelihood": likelihood, "impact": impact,
        "likelihood_errors": scale_errors.get("likelihood_scale", []),
        "impact_errors": scale_errors.get("impact_scale", []),
    })


@login_required
def method_activate(request, pk: int):
    user = request.user
    if not _may_manage(user):
        raise PermissionDenied
    method = _visible_method(request, pk)
    form = ReasonForm(_posted(request))
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            services.activate_method(actor=user, method=method, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            problem = error
        else:
            messages.success(request, _("Version %(n)d is now the active risk method.") % {"n": method.number})
            return redirect("risks:method_detail", pk=pk)
    return render(request, "risks/method_activate.html", {
        "subnav": "method",
        "method": method, "form": form, "active": active_method(),
        "problems": problem.messages if problem else [],
    })
