"""Evidence actions with their own small forms: unlink, legal hold, re-confirmation, deletion (refused under
retention, with the reason shown)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on

from . import services
from .forms import ReasonRequiredForm, ReconfirmForm
from .models import EvidenceItem, EvidenceLink
from .views import _safe_next, detail_context, visible_item


@login_required
@require_POST
def link_remove(request, pk: int, link_pk: int):
    item = visible_item(request, pk)
    link = get_object_or_404(EvidenceLink, pk=link_pk, item=item)
    try:
        services.unlink_evidence(actor=request.user, link=link, reason=request.POST.get("reason", ""))
        messages.success(request, _("The link was removed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_safe_next(request, request.POST.get("next", ""), item.get_absolute_url()))


@login_required
@require_POST
def legal_hold(request, pk: int):
    item = visible_item(request, pk)
    form = ReasonRequiredForm(request.POST)
    releasing = request.POST.get("release") == "1"
    if form.is_valid():
        with errors_on(form):
            if releasing:
                services.release_legal_hold(actor=request.user, item=item, reason=form.cleaned_data["reason"])
            else:
                services.set_legal_hold(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The legal hold was lifted.") if releasing else
                             _("The evidence is now under legal hold."))
            return redirect(item.get_absolute_url())
    return render(request, "evidence/detail.html", detail_context(request, item, hold_form=form), status=400)


@login_required
@require_POST
def reconfirm(request, pk: int):
    item = visible_item(request, pk)
    form = ReconfirmForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.reconfirm_evidence(actor=request.user, item=item, note=form.cleaned_data["note"])
        if not form.errors:
            messages.success(request, _("The evidence was re-confirmed."))
            return redirect(item.get_absolute_url())
    return render(request, "evidence/detail.html", detail_context(request, item, reconfirm_form=form), status=400)


@login_required
def delete(request, pk: int):
    user = request.user
    item = get_object_or_404(EvidenceItem.objects.restrict(user, "delete"), pk=pk)
    form = ReasonRequiredForm(request.POST or None)
    refusal = services.deletion_refusal(item)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.delete_evidence(actor=user, item=item, reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("Evidence %(reference)s was deleted.") % {"reference": item.reference})
            return redirect("evidence:list")
    return render(request, "evidence/delete.html", {"subnav": "library", "item": item, "form": form,
                                                    "refusal": refusal}, status=400 if form.errors else 200)
