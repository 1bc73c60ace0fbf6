"""Shadow AI: anyone declares the AI tools they use; AIMS managers triage them into the inventory or reject them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import apply_validation_error, errors_on
from aims.core.permissions import Role, has_role
from aims.core.views_org import _posted

from . import services
from .forms import ShadowConvertForm, ShadowDeclarationForm, ShadowRejectForm
from .models import ShadowAIDeclaration
from .services._common import is_aims_manager_for

PER_PAGE = 50


def _is_triager(user) -> bool:
    return has_role(user, Role.AIMS_MANAGER, Role.ADMINISTRATOR)


@login_required
def shadow_declare(request):
    """Open to every signed-in person, whatever their roles: declaring must cost nothing."""
    form = ShadowDeclarationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            declaration = services.declare_shadow_ai(actor=request.user, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("Thank you: your declaration of “%(tool)s” was sent to the AIMS managers.")
                             % {"tool": declaration.tool_name})
            return redirect("inventory:shadow_detail", pk=declaration.pk)
    return render(request, "inventory/shadow_declare.html", {"form": form},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
def shadow_list(request):
    """The triage queue for AIMS managers; everyone else sees their own declarations."""
    user = request.user
    triager = _is_triager(user)
    declarations = ShadowAIDeclaration.objects.restrict(user, "view").select_related("declared_by", "unit", "system")
    if not triager:
        declarations = declarations.filter(declared_by=user)
    status = request.GET.get("status", "new" if triager else "")
    if status in ShadowAIDeclaration.Status.values:
        declarations = declarations.filter(status=status)
    page = Paginator(declarations.order_by("-declared_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inventory/shadow_list.html", {
        "page": page, "declarations": page.object_list, "triager": triager, "status": status,
        "statuses": ShadowAIDeclaration.Status.choices, "query": query.urlencode(),
    })


def _visible_declaration(request, pk: int) -> ShadowAIDeclaration:
    return get_object_or_404(ShadowAIDeclaration.objects.restrict(request.user, "view").select_related(
        "declared_by", "unit", "system", "triaged_by"), pk=pk)


@login_required
def shadow_detail(request, pk: int, convert_form=None, reject_form=None):
    user = request.user
    declaration = _visible_declaration(request, pk)
    can_triage = (declaration.status == ShadowAIDeclaration.Status.NEW
                  and is_aims_manager_for(user, declaration.unit))
    context = {"declaration": declaration, "can_triage": can_triage}
    if can_triage:
        context["convert_form"] = convert_form or ShadowConvertForm(user=user, initial={
            "name": declaration.tool_name, "unit": declaration.unit_id, "owner": declaration.declared_by_id})
        context["reject_form"] = reject_form or ShadowRejectForm()
    failed = convert_form is not None or reject_form is not None
    return render(request, "inventory/shadow_detail.html", context, status=400 if failed else 200)


@login_required
@require_POST
def shadow_convert(request, pk: int):
    declaration = _visible_declaration(request, pk)
    form = ShadowConvertForm(request.POST, user=request.user)
    if form.is_valid():
        with errors_on(form):
            system = services.convert_shadow_declaration(actor=request.user, declaration=declaration,
                                                         owner=form.cleaned_data["owner"],
                                                         unit=form.cleaned_data["unit"], name=form.cleaned_data["name"])
        if not form.errors:
            messages.success(request, _("“%(name)s” is now in the inventory.") % {"name": system.name})
            return redirect("inventory:system_detail", pk=system.pk)
    return shadow_detail(request, pk, convert_form=form)


@login_required
@require_POST
def shadow_reject(request, pk: int):
    declaration = _visible_declaration(request, pk)
    form = ShadowRejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject_shadow_declaration(actor=request.user, declaration=declaration,
                                               reason=form.cleaned_data["reason"])
        except ValidationError as error:
            error = ValidationError({"reason": error.message_dict.get("rejection_reason")}) if (
                hasattr(error, "error_dict") and "rejection_reason" in error.error_dict) else error
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The declaration was rejected; its author was told why."))
            return redirect("inventory:shadow_list")
    return shadow_detail(request, pk, reject_form=form)
