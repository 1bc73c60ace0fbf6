"""The governance tabs of a system: lifecycle moves through the gates, change decisions (the EU AI Act classification
is in views_classification)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.catalogs import load_catalog, localised
from aims.core.forms import apply_validation_error, errors_on, stale_message
from aims.core.models import LedgerEvent
from aims.core.services import StaleVersion


from . import services
from .forms import ChangeRequestForm, GoLiveApprovalForm, MoveStageForm, VerdictForm
from .models import STAGE_ORDER, ChangeDecision, Stage
from .ledger_display import check_labels
from .services._common import is_aims_manager_for
from .services.changes import slot_people
from .views_systems import can_change, render_system, tab_context, tab_link, visible_system


def language() -> str:
    return (get_language() or "en")[:2]


# --- Lifecycle ----------------------------------------------------------------------------------------------------------

def _default_target(system) -> str:
    index = STAGE_ORDER.index(system.stage)
    following = [s for s in STAGE_ORDER[index + 1:] if s != Stage.RETIRED]
    return following[0] if following else Stage.OPERATION


def _system_events(system) -> list[tuple[str, object, str]]:
    """(action, when, after) of the system's own ledger events: which stages it went through, what changed when."""
    return list(LedgerEvent.objects.filter(object_type="inventory.aisystem", object_id=str(system.pk))
                .order_by("id").values_list("action", "created_at", "after"))


@tab_context("lifecycle")
def lifecycle_context(request, system, **bound) -> dict:
    user = request.user
    target = bound.get("target") or request.GET.get("target") or _default_target(system)
    if target not in STAGE_ORDER or target in (Stage.RETIRED, system.stage):
        target = _default_target(system)
    results = bound.get("gate_results")
    if results is None and not system.is_frozen:
        results = services.gate_status(system, target)
    # "Fix this" leads to forms that change the system or its risks: offered to those who may change it.
    may_fix = can_change(user, system)
    rows = [{"label": r.label, "passed": r.passed, "message": r.message, "stage": r.stage,
             "fix_url": tab_link(system, r.fix_url) if may_fix else "", "key": r.key} for r in results or []]
    current_approval = system.owner_approvals.filter(approved_by_id=system.owner_id, stage=Stage.DEPLOYMENT).first()
    history = _system_events(system)
    visited = {json.loads(after).get("stage") for _action, _when, after in history if '"stage"' in after}
    earlier = [value for value in STAGE_ORDER if STAGE_ORDER.index(value) < system.stage_index]
    return {
        # A stage the system never was in (idea straight to operation) is shown as skipped, not as completed.
        "stages": [{"value": value, "label": label, "current": value == system.stage,
                    "passed": value in earlier and value in visited, "skipped": value in earlier and value not in visited}
                   for value, label in Stage.choices],
        # Moving into deployment right after the approval is not a change of the system that was approved.
        "approval_outdated": current_approval is not None and any(
            when > current_approval.approved_at and action != "inventory.aisystem.move_stage"
            for action, when, _after in history),
        "targets": [(value, label) for value, label in Stage.choices if value not in (Stage.RETIRED, system.stage)],
        "target": target, "target_label": Stage(target).label, "gate_rows": rows,
        "gate_failed": any(not r["passed"] for r in rows), "gate_refused": bound.get("gate_refused", False),
        "move_form": bound.get("move_form") or MoveStageForm(initial={"stage": target, "version": system.version}),
        "is_manager": is_aims_manager_for(user, system.unit),
        "is_owner": user.pk == system.owner_id and not system.is_frozen,
        "current_approval": current_approval, "approval_form": bound.get("approval_form") or GoLiveApprovalForm(),
        "overrides": [(override, check_labels(override.failed_checks))
                      for override in system.gate_overrides.select_related("overridden_by")],
        "approvals": system.owner_approvals.select_related("approved_by")[:10],
    }


@login_required
@require_POST
def approve_go_live(request, pk: int):
    system = visible_system(request, pk)
    form = GoLiveApprovalForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.approve_go_live(actor=request.user, system=system, comment=form.cleaned_data["comment"])
        if not form.errors:
            messages.success(request, _("You approved the go-live."))
            return redirect(f"{system.get_absolute_url()}?tab=lifecycle#go-live")
    return render_system(request, system, "lifecycle", status=400, approval_form=form)


@login_required
@require_POST
def move_stage(request, pk: int):
    system = visible_system(request, pk)
    form = MoveStageForm(request.POST)
    if form.is_valid():
        stage = form.cleaned_data["stage"]
        try:
            services.move_to_stage(actor=request.user, system=system, stage=stage,
                                   justification=form.cleaned_data["justification"],
                                   expected_version=form.cleaned_data["version"])
        except services.GateRefused as refused:
            form.add_error(None, _("The gate refused the move to “%(stage)s”: fix the failed checks below, or ask an "
                                   "AIMS manager to override with a justification.") % {"stage": Stage(stage).label})
            system.refresh_from_db()
            return render_system(request, system, "lifecycle", status=400, move_form=form, target=stage,
                                 gate_results=refused.results, gate_refused=True)
        except StaleVersion as stale:
            form.add_error(None, stale_message(stale.current_version))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The system moved to “%(stage)s”.") % {"stage": Stage(stage).label})
            return redirect(f"{system.get_absolute_url()}?tab=lifecycle")
        return render_system(request, system, "lifecycle", status=400, move_form=form, target=stage)
    return render_system(request, system, "lifecycle", status=400, move_form=form)


# --- Change decisions ---------------------------------------------------------------------------------------------------

def decision_rows(request, decisions, lang: str) -> list[dict]:
    user = request.user
    rows = []
    for decision in decisions:
        approvals = {a.slot: a for a in decision.approvals.all()}
        slots = []
        for slot in decision.required_approvers:
            approval = approvals.get(slot["key"])
            slots.append({"key": slot["key"], "label": localised(slot.get("label"), lang), "approval": approval,
                          "people": [] if approval else slot_people(slot, decision.system)})
        pending = decision.status == ChangeDecision.Status.PENDING and not decision.system.is_frozen
        eligible = services.eligible_slots(decision, user) if pending else []
        rows.append({
            "decision": decision, "slots": slots,
            "eligible": [{"key": s["key"], "label": localised(s.get("label"), lang)} for s in eligible],
            "can_make_effective": (decision.status == ChangeDecision.Status.APPROVED and not decision.system.is_frozen
                                   and (user.pk in (decision.requested_by_id, decision.system.owner_id)
                                        or can_change(user, decision.system))),
        })
    return rows


@tab_context("changes")
def changes_context(request, system, **bound) -> dict:
    decisions = (system.change_decisions.select_related("requested_by", "system", "system__owner")
                 .prefetch_related("approvals__approver").order_by("-requested_at", "-id"))
    lang = language()
    return {
        "decision_rows": decision_rows(request, decisions, lang),
        "change_form": bound.get("change_form") or ChangeRequestForm(),
        "verdict_forms": bound.get("verdict_forms", {}),
        "approver_summary": [(localised(cfg.get("label"), lang), [localised(a.get("label"), lang) for a in cfg["approvers"]])
                             for cfg in load_catalog("change_decisions")["kinds"].values()],
    }


@login_required
@require_POST
def request_change(request, pk: int):
    system = visible_system(request, pk)
    form = ChangeRequestForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            decision = services.request_change(actor=request.user, system=system, kind=form.cleaned_data["kind"],
                                               description=form.cleaned_data["description"],
                                               reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The change was requested; its approvers were notified."))
            return redirect(f"{system.get_absolute_url()}?tab=changes#change-{decision.pk}")
    return render_system(request, system, "changes", status=400, change_form=form)


def _decision_for(request, pk: int) -> ChangeDecision:
    """A decision the person may see: through the inventory scope, or as one of its approvers."""
    user = request.user
    decision = get_object_or_404(ChangeDecision.objects.select_related("system", "system__owner", "requested_by"), pk=pk)
    if ChangeDecision.objects.restrict(user, "view").filter(pk=pk).exists():
        return decision
    if decision.approvals.filter(approver=user).exists() or services.eligible_slots(decision, user):
        return decision
    raise Http404


@login_required
def change_detail(request, pk: int, verdict_form=None):
    decision = _decision_for(request, pk)
    rows = decision_rows(request, [decision], language())
    return render(request, "inventory/change_detail.html", {
        "decision": decision, "row": rows[0], "system": decision.system,
        "verdict_form": verdict_form or VerdictForm(),
    }, status=400 if verdict_form is not None else 200)


def _back_to(request, decision) -> str:
    if request.POST.get("from") == "system":
        return f"{decision.system.get_absolute_url()}?tab=changes#change-{decision.pk}"
    return decision_url(decision)


def decision_url(decision) -> str:
    return reverse("inventory:change_detail", args=[decision.pk])


@login_required
@require_POST
def change_verdict(request, pk: int, verdict: str):
    decision = _decision_for(request, pk)
    form = VerdictForm(request.POST)
    if form.is_valid():
        comment, slot = form.cleaned_data["comment"], form.cleaned_data["slot"] or None
        try:
            if verdict == "approve":
                services.approve_change(actor=request.user, decision=decision, comment=comment, slot=slot)
            else:
                services.reject_change(actor=request.user, decision=decision, comment=comment, slot=slot)
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied) or _("You are not allowed to do this."))
        else:
            messages.success(request, _("Your approval was recorded.") if verdict == "approve"
                             else _("Your rejection was recorded."))
            return redirect(_back_to(request, decision))
    return change_detail(request, pk, verdict_form=form)


@login_required
@require_POST
def change_effective(request, pk: int):
    decision = _decision_for(request, pk)
    try:
        services.make_change_effective(actor=request.user, decision=decision, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if decision.kind == ChangeDecision.Kind.RETIREMENT:
            messages.success(request, _("The system is retired: it is now read-only, with its history kept."))
        else:
            messages.success(request, _("The change is now effective."))
    return redirect(_back_to(request, decision))
