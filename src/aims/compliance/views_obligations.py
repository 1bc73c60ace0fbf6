"""Per-system EU AI Act obligations: a system's register (the AI system page's tab), one obligation (status, owner,
evidence, exception), and the register across systems."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core import approvals, context
from aims.core.forms import errors_on
from aims.core.permissions import can_anywhere
from aims.core.views_ledger import HISTORY_PER_PAGE, describe_events
from aims.inventory.models import AISystem

from . import services
from .forms import DecisionForm, ExceptionForm, ObligationForm
from .models import SystemObligation

PER_PAGE = 50


def require_obligation_reader(user) -> None:
    if not can_anywhere(user, "view", "obligations"):
        raise PermissionDenied


def _decorate(obligations) -> list:
    from aims.evidence.links import linked_ids

    obligations = list(obligations)
    evidence = linked_ids("compliance.systemobligation", [o.pk for o in obligations])
    day = context.today()
    for obligation in obligations:
        obligation.evidence_count = len(evidence.get(str(obligation.pk), []))
        obligation.in_force = obligation.applies_from is not None and obligation.applies_from <= day
        obligation.gap = obligation.in_force and not obligation.evidence_count and not \
            obligation.exception_justification
    return obligations


@login_required
def system_obligations(request, system_pk: int):
    """A system's register: the whole page, or the fragment for the AI system page's tab (htmx or ?partial=1)."""
    user = request.user
    require_obligation_reader(user)
    system = get_object_or_404(AISystem.objects.restrict(user, "view").select_related("owner"), pk=system_pk)
    obligations = SystemObligation.objects.restrict(user, "view").filter(system=system).select_related("owner")
    active = _decorate(obligations.filter(is_active=True).order_by("applies_from", "key"))
    retired = list(obligations.filter(is_active=False).order_by("key"))
    template = "compliance/_system_obligations.html" if request.htmx or request.GET.get("partial") else \
        "compliance/system_obligations.html"
    return render(request, template, {
        "subnav": "obligations", "system": system, "obligations": active, "retired": retired,
        "gaps": sum(1 for o in active if o.gap), "today": context.today(),
    })


def _visible(request, pk: int) -> SystemObligation:
    return get_object_or_404(SystemObligation.objects.restrict(request.user, "view").select_related(
        "system__unit", "owner", "exception_by", "exception_requested_by", "requirement"), pk=pk)


def _detail_context(request, obligation: SystemObligation, **bound) -> dict:
    from aims.core.models import LedgerEvent
    from aims.evidence.links import linked_evidence_context

    user = request.user
    can_change = SystemObligation.objects.restrict(user, "change").filter(pk=obligation.pk).exists()
    events = LedgerEvent.objects.filter(object_type="compliance.systemobligation",
                                        object_id=str(obligation.pk)).order_by("-id")
    history = Paginator(events, HISTORY_PER_PAGE).get_page(1)
    return {
        "subnav": "obligations", "obligation": obligation, "can_change": can_change,
        "may_ask_exception": can_change and obligation.is_active and obligation.exception_requested_at is None,
        "may_withdraw_exception": (obligation.exception_requested_at or obligation.exception_at) is not None
        and services.may_withdraw_exception(user, obligation),
        "approval": approvals.context_for(user, services.EXCEPTION_APPROVAL, obligation)
        if obligation.exception_waiting else None,
        "form": bound.get("form") or ObligationForm(instance=obligation, user=user,
                                                    initial={"version": obligation.version}),
        "exception_form": bound.get("exception_form") or ExceptionForm(),
        "decision_form": bound.get("decision_form") or DecisionForm(),
        "history_rows": describe_events(history.object_list, user), "history_page": history,
        "history_object_type": "compliance.systemobligation", "history_object_id": obligation.pk,
        "in_force": obligation.applies_from is not None and obligation.applies_from <= context.today(),
        **linked_evidence_context(user, obligation),
    }


@login_required
def obligation_detail(request, pk: int):
    require_obligation_reader(request.user)
    obligation = _visible(request, pk)
    return render(request, "compliance/obligation_detail.html", _detail_context(request, obligation))


@login_required
@require_POST
def obligation_edit(request, pk: int):
    user = request.user
    obligation = _visible(request, pk)
    form = ObligationForm(request.POST, instance=obligation, user=user)
    if form.is_valid():
        with errors_on(form):
            services.update_obligation(actor=user, obligation=obligation, changes=form.changes(),
                                       expected_version=form.cleaned_data["version"],
                                       reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The obligation was saved."))
            return redirect(obligation.get_absolute_url())
    obligation.refresh_from_db()
    return render(request, "compliance/obligation_detail.html", _detail_context(request, obligation, form=form),
                  status=400)


@login_required
@require_POST
def obligation_exception(request, pk: int):
    """Ask for a justified exception: it waits in the approvers' "To approve" inbox."""
    user = request.user
    obligation = _visible(request, pk)
    form = ExceptionForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.request_exception(actor=user, obligation=obligation,
                                       justification=form.cleaned_data["exception_justification"])
        if not form.errors:
            messages.success(request, _("The exception was asked for: it waits for approval."))
            return redirect(obligation.get_absolute_url() + "#exception")
    return render(request, "compliance/obligation_detail.html",
                  _detail_context(request, obligation, exception_form=form), status=400)


@login_required
@require_POST
def obligation_exception_decide(request, pk: int, decision: str):
    """The approver's decision on a waiting exception (approve, refuse with a reason) or its withdrawal."""
    user = request.user
    obligation = _visible(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        action, done = {
            "approve": (lambda: services.approve_exception(actor=user, obligation=obligation, comment=comment),
                        _("The exception was approved.")),
            "refuse": (lambda: services.refuse_exception(actor=user, obligation=obligation, comment=comment),
                       _("The exception was refused.")),
            "withdraw": (lambda: services.withdraw_exception(actor=user, obligation=obligation, reason=comment),
                         _("The exception was withdrawn.")),
        }[decision]
        try:
            with errors_on(form):
                action()
        except PermissionDenied as error:  # the approvals registry says why (own request, or who may)
            form.add_error(None, str(error))
        if not form.errors:
            messages.success(request, done)
            return redirect(obligation.get_absolute_url() + "#exception")
    obligation.refresh_from_db()
    return render(request, "compliance/obligation_detail.html",
                  _detail_context(request, obligation, decision_form=form), status=400)


@login_required
def obligation_list(request):
    """Every system's obligations in the reader's scope, to find what is due without evidence."""
    user = request.user
    require_obligation_reader(user)
    obligations = SystemObligation.objects.restrict(user, "view").filter(is_active=True).select_related(
        "system", "owner")
    status = request.GET.get("status", "")
    if status in SystemObligation.Status.values:
        obligations = obligations.filter(status=status)
    if request.GET.get("in_force") == "1":
        obligations = obligations.filter(applies_from__lte=context.today())
    q = request.GET.get("q", "").strip()
    if q:
        obligations = obligations.filter(system__reference_code__icontains=q) | obligations.filter(
            system__name__icontains=q)
    page = Paginator(obligations.order_by("applies_from", "system__name", "pk"), PER_PAGE).get_page(
        request.GET.get("page"))
    rows = _decorate(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "compliance/obligation_list.html", {
        "subnav": "obligations", "page": page, "obligations": rows, "statuses": SystemObligation.Status.choices,
        "status": status, "in_force": request.GET.get("in_force") == "1", "q": q, "query": query.urlencode(),
    })
