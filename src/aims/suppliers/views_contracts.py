"""Contract pages of a supplier: a contract with its clause checklist, the forms creating and changing it, and the
supplier page's contracts section (its context is built here)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aims.core import context as clock
from aims.core.forms import errors_on
from aims.core.labels import language
from aims.core.permissions import get_for
from aims.core.views_org import _posted

from . import services_contracts as contracts
from .catalog import clause_catalogue, clause_label, required_clauses
from .forms_contracts import ContractForm
from .models import Supplier
from .models_contracts import ClauseStatus, Contract


def visible_supplier(request, pk: int, action: str = "view") -> Supplier:
    return get_for(request.user, Supplier.objects.select_related("unit", "owner", "backup"), action, pk=pk)


def can_change(user, supplier: Supplier) -> bool:
    return Supplier.objects.restrict(user, "change").filter(pk=supplier.pk).exists()


def clause_rows(supplier: Supplier, checklist: dict | None = None) -> list[dict]:
    """Each catalogue clause with its label, whether the supplier's criticality requires it, and its status: from
    one contract's checklist, or (None) the best over the supplier's contracts in force."""
    lang = language()
    required = required_clauses(supplier.criticality)
    coverage = contracts.clause_coverage(supplier) if checklist is None else checklist
    rows = []
    for clause in clause_catalogue():
        entry = coverage.get(clause["key"], {})
        status = entry.get("status", "")
        rows.append({"key": clause["key"], "label": clause_label(clause["key"], lang),
                     "required": clause["key"] in required, "status": status,
                     "status_label": ClauseStatus(status).label if status else _("Not checked"),
                     "gap": clause["key"] in required and status != ClauseStatus.PRESENT,
                     "reference": entry.get("reference", ""), "contract": entry.get("contract")})
    return rows


def section_context(supplier: Supplier, user) -> dict:
    """What the supplier page's contracts section shows (views.supplier_detail adds it to its context)."""
    today = clock.today()
    listed = list(supplier.contracts.order_by("-start_date", "-pk"))
    for contract in listed:
        contract.in_force = contract.in_force_on(today)
        contract.notice_soon = bool(contract.notice_deadline and today <= contract.notice_deadline
                                    and (contract.notice_deadline - today).days <= max(
                                        contracts.notice_reminder_days() or (0,)))
    from django.db.models import Count, Q

    from .forms_contracts import ChangeForm
    from .models_contracts import ExitPlan

    plan = ExitPlan.objects.filter(supplier=supplier).first()
    audits = supplier.audits.annotate(
        finding_count=Count("findings", distinct=True),
        open_actions=Count("findings__actions", filter=Q(findings__actions__done_at__isnull=True), distinct=True),
    ).order_by("-audit_date", "-pk")
    return {"contracts": listed, "clause_rows": clause_rows(supplier), "audits": audits, "exit_plan": plan,
            "exit_plan_required": contracts.exit_plan_required(supplier),
            "exit_test_overdue": plan is not None and contracts.exit_test_overdue(plan, today),
            "supplier_changes": supplier.change_events.order_by("-occurred_on", "-pk")[:50],
            "change_form": ChangeForm()}


def _contract(request, pk: int, contract_pk: int, action: str = "view"):
    supplier = visible_supplier(request, pk, action)
    return supplier, get_object_or_404(Contract, pk=contract_pk, supplier=supplier)


@login_required
def contract_detail(request, pk: int, contract_pk: int):
    supplier, contract = _contract(request, pk, contract_pk)
    today = clock.today()
    return render(request, "suppliers/contract_detail.html", {
        "supplier": supplier, "contract": contract, "can_change": can_change(request.user, supplier),
        "rows": clause_rows(supplier, contract.clauses), "in_force": contract.in_force_on(today),
        "notice_passed": bool(contract.notice_deadline and contract.notice_deadline < today),
        "days_to_notice": (contract.notice_deadline - today).days if contract.notice_deadline else None,
    })


@login_required
def contract_create(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    form = ContractForm(_posted(request), creating=True)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            contract = contracts.create_contract(actor=request.user, supplier=supplier, **form.changes())
        if not form.errors:
            messages.success(request, _("The contract “%(title)s” was recorded.") % {"title": contract.title})
            return redirect(contract.get_absolute_url())
    return render(request, "suppliers/contract_form.html", {"form": form, "supplier": supplier, "creating": True},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
def contract_edit(request, pk: int, contract_pk: int):
    supplier, contract = _contract(request, pk, contract_pk, "change")
    form = ContractForm(_posted(request), instance=contract, initial={"version": contract.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            contracts.update_contract(actor=request.user, contract=Contract.objects.get(pk=contract.pk),
                                      changes=form.changes(), expected_version=form.cleaned_data["version"])
        if not form.errors:
            messages.success(request, _("The contract was saved."))
            return redirect("suppliers:contract_detail", pk=supplier.pk, contract_pk=contract.pk)
    return render(request, "suppliers/contract_form.html", {"form": form, "supplier": supplier, "contract": contract},
                  status=400 if form.is_bound and form.errors else 200)
