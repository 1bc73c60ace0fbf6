"""The governance tabs of a system: EU AI Act classification, lifecycle moves through the gates, change decisions."""

from __future__ import annotations

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
from aims.core.services import StaleVersion


from . import ai_act, services
from .forms import ChangeRequestForm, GoLiveApprovalForm, MoveStageForm, SignOffForm, VerdictForm
from .models import STAGE_ORDER, AiActRole, AiActTier, ChangeDecision, Classification, Stage
from .services._common import is_aims_manager_for
from .services.changes import slot_people
from .views_systems import can_change, render_system, tab_context, tab_link, visible_system


def language() -> str:
    return (get_language() or "en")[:2]


# --- Classification ---------------------------------------------------------------------------------------------------

def _questions(cat: dict, answers: dict, lang: str, errors: dict) -> list[dict]:
    """The catalogue's questions ready for the template, in `lang`, with the answers given so far marked."""
    rows, previous_section = [], None
    for q in cat["questions"]:
        value = answers.get(q["key"])
        chosen = {str(v) for v in value} if isinstance(value, list) else ({str(value)} if value not in (None, "") else set())
        choices = [{"value": str(c["value"]), "label": localised(c["label"], lang), "article": c.get("article", ""),
                    "group": c.get("group"), "checked": str(c["value"]) in chosen} for c in q["choices"]]
        groups = []
        if q.get("groups"):
            for group in q["groups"]:
                groups.append({"key": group["key"], "label": localised(group["label"], lang),
                               "choices": [c for c in choices if c["group"] == group["key"]]})
        section = localised(q.get("section"), lang)
        condition = q.get("show_if") or {}
        rows.append({
            "key": q["key"], "type": q["type"], "text": localised(q["text"], lang), "article": q.get("article", ""),
            "required": bool(q.get("required")), "choices": choices, "groups": groups, "error": errors.get(q["key"], ""),
            "section": section if section != previous_section else "",
            "show_if_question": condition.get("question", ""),
            "show_if_in": " ".join(condition.get("in", [])), "show_if_answered": bool(condition.get("answered")),
        })
        previous_section = section
    return rows


def _posted_answers(post, cat: dict) -> dict:
    answers = {}
    for q in cat["questions"]:
        if q["type"] == "multi":
            answers[q["key"]] = post.getlist(q["key"])
        elif post.get(q["key"]):
            answers[q["key"]] = post.get(q["key"])
    return answers


def _proposal_view(classification: Classification, cat: dict, lang: str) -> dict:
    proposal = classification.proposal or {}
    tiers = {t["key"]: t for t in cat["tiers"]}
    roles = {r["key"]: r for r in cat["roles"]}
    dates = cat.get("dates", {})
    groups = {}
    for q in cat["questions"]:
        for g in q.get("groups") or []:
            groups[g["key"]] = localised(g["label"], lang)
    return {
        "tier_label": localised(tiers.get(classification.final_tier, {}).get("label"), lang),
        "tier_description": localised(tiers.get(classification.final_tier, {}).get("description"), lang),
        "proposed_tier_label": localised(tiers.get(classification.proposed_tier, {}).get("label"), lang),
        "role_label": localised(roles.get(classification.final_role, {}).get("label"), lang),
        "proposed_role_label": localised(roles.get(classification.proposed_role, {}).get("label"), lang),
        "matched": [{"article": m.get("article", ""), "label": localised(m.get("label"), lang)}
                    for m in proposal.get("matched", [])],
        "annex_iii_groups": [groups.get(g, g) for g in proposal.get("annex_iii_groups", [])],
        "rationale": [localised(item, lang) for item in proposal.get("rationale", [])],
        "obligations": [{"article": o["article"], "title": localised(o["title"], lang), "date": o.get("applies_from"),
                         "date_label": localised(dates.get(o.get("applies_from_key") or "", {}).get("label"), lang)}
                        for o in classification.obligations],
    }


@tab_context("classification")
def classification_context(request, system, **bound) -> dict:
    user = request.user
    cat = ai_act.catalogue()
    lang = language()
    current = services.current_classification(system)
    answers = bound.get("answers")
    if answers is None:
        answers = current.answers if current else {}
    errors = bound.get("answer_errors", {})
    question_keys = {q["key"] for q in cat["questions"]}
    context = {
        "questions": _questions(cat, answers, lang, errors),
        "other_errors": [message for key, message in errors.items() if key not in question_keys],
        "classification": current, "catalogue_version": cat["version"],
        "tier_choices": [(c.value, c.label) for c in AiActTier if c.value],
        "role_choices": [(c.value, c.label) for c in AiActRole if c.value],
        "questionnaire_open": current is None or system.needs_reclassification or "answers" in bound,
        "final_tier": bound.get("final_tier", ""), "final_role": bound.get("final_role", ""),
        "rationale_input": bound.get("rationale_input", ""),
        "earlier_classifications": Classification.objects.filter(system=system).select_related("classified_by")
        .order_by("-classified_at", "-id")[:10],
    }
    if current is not None:
        context["proposal"] = _proposal_view(current, cat, lang)
        context["can_sign_off"] = (current.status == Classification.Status.AWAITING_SIGN_OFF
                                   and current.classified_by_id != user.pk and can_change(user, system))
        context["sign_off_form"] = bound.get("sign_off_form") or SignOffForm()
    return context


@login_required
@require_POST
def classify(request, pk: int):
    system = visible_system(request, pk)
    cat = ai_act.catalogue()
    answers = _posted_answers(request.POST, cat)
    final_tier, final_role = request.POST.get("final_tier", ""), request.POST.get("final_role", "")
    rationale = request.POST.get("rationale", "")
    try:
        services.classify_system(actor=request.user, system=system, answers=answers, final_tier=final_tier or None,
                                 final_role=final_role or None, rationale=rationale)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        answer_errors = {key: " ".join(messages_) for key, messages_ in errors.items()}
        return render_system(request, system, "classification", status=400, answers=answers,
                             answer_errors=answer_errors, final_tier=final_tier, final_role=final_role,
                             rationale_input=rationale)
    messages.success(request, _("The classification was saved. Another person must now sign it off."))
    return redirect(f"{system.get_absolute_url()}?tab=classification#classification")


@login_required
@require_POST
def sign_off(request, pk: int, classification_pk: int):
    system = visible_system(request, pk)
    classification = get_object_or_404(Classification, pk=classification_pk, system=system)
    form = SignOffForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.sign_off_classification(actor=request.user, classification=classification,
                                             comment=form.cleaned_data["comment"])
        if not form.errors:
            messages.success(request, _("The classification was signed off."))
            return redirect(f"{system.get_absolute_url()}?tab=classification")
    return render_system(request, system, "classification", status=400, sign_off_form=form)


# --- Lifecycle ----------------------------------------------------------------------------------------------------------

def _default_target(system) -> str:
    index = STAGE_ORDER.index(system.stage)
    following = [s for s in STAGE_ORDER[index + 1:] if s != Stage.RETIRED]
    return following[0] if following else Stage.OPERATION


@tab_context("lifecycle")
def lifecycle_context(request, system, **bound) -> dict:
    user = request.user
    target = bound.get("target") or request.GET.get("target") or _default_target(system)
    if target not in STAGE_ORDER or target in (Stage.RETIRED, system.stage):
        target = _default_target(system)
    results = bound.get("gate_results")
    if results is None and not system.is_frozen:
        results = services.gate_status(system, target)
    rows = [{"label": r.label, "passed": r.passed, "message": r.message, "stage": r.stage,
             "fix_url": tab_link(system, r.fix_url), "key": r.key} for r in results or []]
    current_approval = system.owner_approvals.filter(approved_by_id=system.owner_id, stage=Stage.DEPLOYMENT).first()
    return {
        "stages": [{"value": value, "label": label, "current": value == system.stage,
                    "passed": STAGE_ORDER.index(value) < system.stage_index} for value, label in Stage.choices],
        "targets": [(value, label) for value, label in Stage.choices if value not in (Stage.RETIRED, system.stage)],
        "target": target, "target_label": Stage(target).label, "gate_rows": rows,
        "gate_failed": any(not r["passed"] for r in rows), "gate_refused": bound.get("gate_refused", False),
        "move_form": bound.get("move_form") or MoveStageForm(initial={"stage": target, "version": system.version}),
        "is_manager": is_aims_manager_for(user, system.unit),
        "is_owner": user.pk == system.owner_id and not system.is_frozen,
        "current_approval": current_approval, "approval_form": bound.get("approval_form") or GoLiveApprovalForm(),
        "overrides": system.gate_overrides.select_related("overridden_by"),
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
