"""Evidence requests: the list (asked of me, asked by me, all in my scope), asking, answering and cancelling."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core import context
from aims.core.forms import errors_on
from aims.core.permissions import can_anywhere

from . import catalog, services, storage
from .forms import FulfilForm, ReasonRequiredForm, RequestForm
from .models import EvidenceRequest
from .uploads import limited_upload
from .views import PER_PAGE, _link_target, language_of


@login_required
def request_list(request):
    user = request.user
    requests = EvidenceRequest.objects.restrict(user, "view").select_related("requested_from", "requested_by")
    scope = request.GET.get("scope", "mine")
    if scope == "mine":
        requests = requests.filter(requested_from=user)
    elif scope == "asked":
        requests = requests.filter(requested_by=user)
    status = request.GET.get("status", "open")
    if status in EvidenceRequest.Status.values:
        requests = requests.filter(status=status)
    page = Paginator(requests.order_by("due_date", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "evidence/request_list.html", {
        "subnav": "requests", "page": page, "requests": page.object_list, "scope": scope, "status": status,
        "statuses": EvidenceRequest.Status.choices, "today": context.today(),
        "can_ask": can_anywhere(user, "add", "evidence"), "query": f"scope={scope}&status={status}",
    })


@login_required
def request_create(request):
    user = request.user
    if not can_anywhere(user, "add", "evidence"):
        raise PermissionDenied
    form = RequestForm(request.POST or None, user=user, initial={
        "link_type": request.GET.get("link_type", ""), "link_id": request.GET.get("link_id", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            target = _link_target(user, data["link_type"], data["link_id"])
            created = services.request_evidence(
                actor=user, requested_from=data["requested_from"], title=data["title"], due_date=data["due_date"],
                description=data["description"], evidence_type=data["evidence_type"], target=target,
                unit=data["unit"])
        if not form.errors:
            messages.success(request, _("%(person)s was asked for the evidence.") % {"person": created.requested_from})
            return redirect(created.get_absolute_url())
    return render(request, "evidence/request_form.html", {"subnav": "requests", "form": form},
                  status=400 if form.errors else 200)


def _visible_request(request, pk: int) -> EvidenceRequest:
    return get_object_or_404(EvidenceRequest.objects.restrict(request.user, "view").select_related(
        "requested_from", "requested_by", "fulfilled_item", "escalated_to"), pk=pk)


def _request_context(request, evidence_request, **bound) -> dict:
    user = request.user
    may_answer = evidence_request.status == EvidenceRequest.Status.OPEN and (
        user.pk in (evidence_request.requested_from_id, evidence_request.escalated_to_id)
        or EvidenceRequest.objects.restrict(user, "change").filter(pk=evidence_request.pk).exists())
    from aims.core import registry

    return {
        "subnav": "requests", "evidence_request": evidence_request, "may_answer": may_answer,
        "may_cancel": evidence_request.status == EvidenceRequest.Status.OPEN and (
            user.pk == evidence_request.requested_by_id
            or EvidenceRequest.objects.restrict(user, "change").filter(pk=evidence_request.pk).exists()),
        "fulfil_form": bound.get("fulfil_form") or FulfilForm(user=user),
        "cancel_form": bound.get("cancel_form") or ReasonRequiredForm(),
        "target_url": registry.detail_url(evidence_request.object_type, evidence_request.object_id),
        "type_label": catalog.type_label(evidence_request.evidence_type, language_of(request))
        if evidence_request.evidence_type else "",
        "today": context.today(),
    }


@login_required
def request_detail(request, pk: int):
    evidence_request = _visible_request(request, pk)
    return render(request, "evidence/request_detail.html", _request_context(request, evidence_request))


@limited_upload
@login_required
@require_POST
def request_fulfil(request, pk: int):
    user = request.user
    evidence_request = _visible_request(request, pk)
    form = FulfilForm(request.POST, request.FILES, user=user)
    if request.evidence_upload_too_large:
        form.is_valid()
        form.add_error("file", _("The file is larger than the limit of %(limit)s MB.")
                       % {"limit": round(storage.max_upload_bytes() / 1024 / 1024)})
    elif form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            if data["kind"] == "existing" and not data["item"]:
                raise ValidationError({"item": _("Choose an evidence item.")})
            if data["kind"] == "file" and not data["file"]:
                raise ValidationError({"file": _("Choose the file to upload.")})
            if data["kind"] == "link" and not data["url"]:
                raise ValidationError({"url": _("Give the address of the evidence.")})
            services.fulfil_request(
                actor=user, request=evidence_request, item=data["item"] if data["kind"] == "existing" else None,
                file=data["file"] if data["kind"] == "file" else None,
                url=data["url"] if data["kind"] == "link" else "", note=data["note"],
                valid_until=data["valid_until"])
        if not form.errors:
            messages.success(request, _("Thank you: the evidence was provided."))
            return redirect(evidence_request.get_absolute_url())
    return render(request, "evidence/request_detail.html",
                  _request_context(request, evidence_request, fulfil_form=form), status=400)


@login_required
@require_POST
def request_cancel(request, pk: int):
    evidence_request = _visible_request(request, pk)
    form = ReasonRequiredForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.cancel_request(actor=request.user, request=evidence_request, reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The request was cancelled."))
            return redirect(evidence_request.get_absolute_url())
    return render(request, "evidence/request_detail.html",
                  _request_context(request, evidence_request, cancel_form=form), status=400)


