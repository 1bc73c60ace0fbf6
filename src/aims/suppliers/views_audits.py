"""Supplier audits (findings, actions with owners and due dates), the exit and continuity plan, and supplier change
events; the supplier page's sections for them are filled by views_contracts.section_context."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.views_org import _posted

from . import services_contracts as contracts
from .forms_contracts import AuditActionForm, AuditForm, ChangeForm, ExitPlanForm, FindingForm
from .models_contracts import AuditAction, AuditFinding, ExitPlan, SupplierAudit
from .views_contracts import can_change, visible_supplier


def _audit(request, pk: int, audit_pk: int, action: str = "view"):
    supplier = visible_supplier(request, pk, action)
    return supplier, get_object_or_404(SupplierAudit, pk=audit_pk, supplier=supplier)


def _audit_page(request, supplier, audit, *, finding_form=None, action_form=None, status=200):
    user = request.user
    findings = list(audit.findings.prefetch_related("actions__owner").order_by("pk"))
    for finding in findings:
        for action in finding.actions.all():
            action.may_complete = contracts.may_complete(user, action)
    return render(request, "suppliers/contract_audit_detail.html", {
        "supplier": supplier, "audit": audit, "findings": findings, "can_change": can_change(user, supplier),
        "finding_form": finding_form or FindingForm(),
        "action_form": action_form or AuditActionForm(user=user, supplier=supplier),
    }, status=status)


@login_required
def audit_create(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    form = AuditForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            audit = contracts.record_audit(actor=request.user, supplier=supplier, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The audit was recorded."))
            return redirect(audit.get_absolute_url())
    return render(request, "suppliers/contract_simple_form.html", {
        "form": form, "supplier": supplier, "heading": _("Record an audit"), "submit": _("Record the audit")},
        status=400 if form.is_bound and form.errors else 200)


@login_required
def audit_detail(request, pk: int, audit_pk: int):
    supplier, audit = _audit(request, pk, audit_pk)
    return _audit_page(request, supplier, audit)


@login_required
@require_POST
def finding_add(request, pk: int, audit_pk: int):
    supplier, audit = _audit(request, pk, audit_pk, "change")
    form = FindingForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            contracts.add_finding(actor=request.user, audit=audit, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The finding was recorded."))
            return redirect(audit.get_absolute_url())
    return _audit_page(request, supplier, audit, finding_form=form, status=400)


@login_required
@require_POST
def audit_action_add(request, pk: int, audit_pk: int, finding_pk: int):
    supplier, audit = _audit(request, pk, audit_pk, "change")
    finding = get_object_or_404(AuditFinding, pk=finding_pk, audit=audit)
    form = AuditActionForm(request.POST, user=request.user, supplier=supplier)
    if form.is_valid():
        with errors_on(form):
            contracts.add_audit_action(actor=request.user, finding=finding, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The action was added."))
            return redirect(audit.get_absolute_url())
    return _audit_page(request, supplier, audit, action_form=form, status=400)


@login_required
@require_POST
def audit_action_done(request, pk: int, audit_pk: int, audit_action_pk: int):
    supplier, audit = _audit(request, pk, audit_pk)
    action = get_object_or_404(AuditAction, pk=audit_action_pk, finding__audit=audit)
    if not contracts.may_complete(request.user, action) and action.done_at is None:
        visible_supplier(request, pk, "change")  # refused the usual way
    try:
        contracts.complete_audit_action(actor=request.user, action=action)
        messages.success(request, _("The action is marked as done."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(audit.get_absolute_url())


@login_required
def exit_plan(request, pk: int):
    supplier = visible_supplier(request, pk)
    plan = ExitPlan.objects.filter(supplier=supplier).first()
    return render(request, "suppliers/contract_exit_plan.html", {
        "supplier": supplier, "plan": plan, "can_change": can_change(request.user, supplier),
        "required": contracts.exit_plan_required(supplier),
        "overdue": plan is not None and contracts.exit_test_overdue(plan),
        "test_due": contracts.exit_test_due(plan) if plan else None})


@login_required
def exit_plan_edit(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    plan = ExitPlan.objects.filter(supplier=supplier).first()
    form = ExitPlanForm(_posted(request), instance=plan)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            contracts.save_exit_plan(actor=request.user, supplier=supplier, changes=form.changes())
        if not form.errors:
            messages.success(request, _("The exit plan was saved."))
            return redirect("suppliers:exit_plan", pk=supplier.pk)
    return render(request, "suppliers/contract_simple_form.html", {
        "form": form, "supplier": supplier, "heading": _("Exit and continuity plan"), "submit": _("Save")},
        status=400 if form.is_bound and form.errors else 200)


@login_required
@require_POST
def change_record(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    form = ChangeForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            change = contracts.record_supplier_change(actor=request.user, supplier=supplier, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The change was recorded; risk reviews requested: %(count)s.")
                             % {"count": change.reviews_requested})
            return redirect(supplier.get_absolute_url() + "#changes")
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(supplier.get_absolute_url() + "#changes")
