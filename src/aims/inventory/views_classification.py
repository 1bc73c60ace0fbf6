"""The EU AI Act classification tab: the questionnaire, the live proposal (htmx), the recorded classification and its
sign-off. Everything the page shows is rendered from stored facts in the reader's language."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.catalogs import localised
from aims.core import approvals
from aims.core.forms import errors_on

from . import ai_act, services
from .forms import SignOffForm
from .models import AiActRole, AiActTier, Classification
from .services.classification import APPROVAL as CLASSIFICATION_APPROVAL
from .views_systems import render_system, tab_context, visible_system


def language() -> str:
    return (get_language() or "en")[:2]


def questionnaire(cat: dict, answers: dict, lang: str, errors: dict) -> list[dict]:
    """The catalogue's questions grouped by section, in `lang`, with the answers given so far marked and the questions
    not asked for these answers hidden (the page's script shows them as answers change; without it, a save does)."""
    visible = set(ai_act.visible_questions(answers, cat))
    sections: list[dict] = []
    for q in cat["questions"]:
        value = answers.get(q["key"])
        chosen = {str(v) for v in value} if isinstance(value, list) else ({str(value)} if value not in (None, "") else set())
        choices = [{"value": str(c["value"]), "label": localised(c["label"], lang),
                    "article": ai_act.cite(c.get("article", ""), lang), "group": c.get("group"),
                    "exclusive": bool(c.get("exclusive")), "unknown": bool(c.get("unknown")),
                    "excluded": bool(c.get("excluded")), "checked": str(c["value"]) in chosen} for c in q["choices"]]
        groups = [{"key": g["key"], "label": localised(g["label"], lang),
                   "choices": [c for c in choices if c["group"] == g["key"]]} for g in q.get("groups") or []]
        ungrouped = [c for c in choices if not c["group"]] if groups else choices
        title = localised(q.get("section"), lang)
        if not sections or sections[-1]["title"] != title:
            sections.append({"title": title, "questions": []})
        sections[-1]["questions"].append({
            "key": q["key"], "type": q["type"], "text": localised(q["text"], lang),
            "article": ai_act.cite(q.get("article", ""), lang), "required": q.get("required", True),
            "choices": choices, "groups": groups, "ungrouped": ungrouped, "error": errors.get(q["key"], ""),
            "text_value": value if q["type"] == "text" and isinstance(value, str) else "",
            "max_length": q.get("max_length", 500), "hidden": q["key"] not in visible,
            "show_if": q.get("show_if"), "show_if_json": json.dumps(q.get("show_if")) if q.get("show_if") else "",
        })
    for section in sections:
        section["hidden"] = all(q["hidden"] for q in section["questions"])
    return sections


def posted_answers(post, cat: dict) -> dict:
    answers = {}
    for q in cat["questions"]:
        if q["type"] == "multi":
            answers[q["key"]] = post.getlist(q["key"])
        elif post.get(q["key"]):
            answers[q["key"]] = post.get(q["key"])
    return answers


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def proposal_view(proposal: dict, cat: dict, lang: str) -> dict:
    """A stored (or live) proposal as the reader sees it: labels, citations and dates in their language."""
    tiers = {t["key"]: t for t in cat["tiers"]}
    roles = {r["key"]: r for r in cat["roles"]}
    dates = cat.get("dates", {})
    groups = {g["key"]: localised(g["label"], lang) for q in cat["questions"] for g in q.get("groups") or []}
    tier = proposal.get("tier", "")
    obligations = []
    for o in proposal.get("obligations", []):
        obligations.append({
            "key": o["key"], "article": ai_act.cite(o["article"], lang), "title": localised(o["title"], lang),
            "date": _date(o.get("applies_from")), "binds_other": bool(o.get("binds_other")),
            "binds": localised(o.get("binds_label") or roles.get(o.get("binds"), {}).get("label", ""), lang),
            "date_label": localised(dates.get(o.get("applies_from_key") or "", {}).get("label"), lang)})
    gpai_result = proposal.get("gpai_result") or ""
    return {
        "tier": tier, "tier_label": localised(tiers.get(tier, {}).get("label"), lang),
        "tier_description": localised(tiers.get(tier, {}).get("description"), lang),
        "system_tier_label": localised(tiers.get(proposal.get("system_tier") or tier, {}).get("label"), lang),
        "tier_differs": bool(proposal.get("system_tier")) and proposal.get("system_tier") != tier,
        "role_label": localised(roles.get(proposal.get("role", ""), {}).get("label"), lang),
        "matched": [{"article": ai_act.cite(m.get("article", ""), lang), "label": localised(m.get("label"), lang)}
                    for m in proposal.get("matched", [])],
        "exclusions": [{"article": ai_act.cite(e.get("article", ""), lang), "label": localised(e.get("label"), lang)}
                       for e in proposal.get("exclusions", [])],
        "annex_i": [{"act": ai_act.cite(a["act"], lang), "label": localised(a["label"], lang),
                     "section": a["section"], "point": a["point"], "high_risk": a["high_risk"]}
                    for a in proposal.get("annex_i", [])],
        "annex_iii_groups": [groups.get(g, g) for g in proposal.get("annex_iii_groups", [])],
        "basis": ai_act.render_rationale(proposal.get("rationale", []), lang, cat),
        "obligations": [o for o in obligations if not o["binds_other"]],
        "others_obligations": [o for o in obligations if o["binds_other"]],
        "provisional": bool(proposal.get("provisional")),
        "gpai_result": gpai_result,
        "gpai_label": localised(cat.get("gpai_results", {}).get(gpai_result, {}).get("label"), lang),
        "upstream_model": proposal.get("upstream_model", ""),
        "out_of_scope": bool(proposal.get("out_of_scope")),
    }


def live_proposal(answers: dict, cat: dict, lang: str) -> dict:
    """What the answers lead to now, or which questions still need an answer."""
    missing = ai_act.missing_answers(answers, cat)
    if missing:
        texts = {q["key"]: localised(q["text"], lang) for q in cat["questions"]}
        return {"complete": False, "missing": [texts.get(key, key) for key in missing]}
    return {"complete": True, "proposal": proposal_view(ai_act.propose(answers, cat).as_dict(), cat, lang)}


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
        "sections": questionnaire(cat, answers, lang, errors),
        "other_errors": [message for key, message in errors.items() if key not in question_keys],
        "classification": current, "catalogue_version": cat["version"],
        "live": live_proposal(answers, cat, lang) if answers else {"complete": False, "missing": []},
        "tier_choices": [(c.value, c.label) for c in AiActTier if c.value],
        "role_choices": [(c.value, c.label) for c in AiActRole if c.value],
        "questionnaire_open": current is None or system.needs_reclassification or "answers" in bound
        or (current is not None and current.provisional),
        "final_tier": bound.get("final_tier", ""), "final_role": bound.get("final_role", ""),
        "rationale_input": bound.get("rationale_input", ""),
        "earlier_classifications": Classification.objects.filter(system=system).select_related("classified_by")
        .order_by("-classified_at", "-id")[:10],
    }
    if current is not None:
        context["proposal"] = proposal_view(current.proposal or {}, cat, lang)
        context["final_tier_label"] = current.get_final_tier_display()
        context["final_role_label"] = current.get_final_role_display()
        context["proposed_tier_label"] = current.get_proposed_tier_display()
        context["proposed_role_label"] = current.get_proposed_role_display()
        if (current.status == Classification.Status.AWAITING_SIGN_OFF and not current.provisional
                and not system.is_frozen):
            # Who may sign off (catalogs/approvals.yaml), named on the page; the button for them only.
            context["approval"] = approvals.context_for(user, CLASSIFICATION_APPROVAL, current)
            context["can_sign_off"] = context["approval"]["may_approve"]
            context["sign_off_form"] = bound.get("sign_off_form") or SignOffForm()
    return context


@login_required
@require_POST
def classify(request, pk: int):
    system = visible_system(request, pk)
    cat = ai_act.catalogue()
    answers = posted_answers(request.POST, cat)
    final_tier, final_role = request.POST.get("final_tier", ""), request.POST.get("final_role", "")
    rationale = request.POST.get("rationale", "")
    try:
        classification = services.classify_system(
            actor=request.user, system=system, answers=answers, final_tier=final_tier or None,
            final_role=final_role or None, rationale=rationale)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        answer_errors = {key: " ".join(messages_) for key, messages_ in errors.items()}
        return render_system(request, system, "classification", status=400, answers=answers,
                             answer_errors=answer_errors, final_tier=final_tier, final_role=final_role,
                             rationale_input=rationale)
    if classification.provisional:
        messages.warning(request, _("The classification was saved as provisional: the owner has a task to resolve "
                                    "the “don't know” answers."))
    else:
        messages.success(request, _("The classification was saved. Its approvers were asked to sign it off."))
    return redirect(f"{system.get_absolute_url()}?tab=classification#classification")


@login_required
@require_POST
def preview(request, pk: int):
    """The live proposal (htmx): recomputed from the answers on the form each time one changes, nothing saved. Only
    for those who may classify the system (the form is theirs)."""
    system = visible_system(request, pk, "change")
    cat = ai_act.catalogue()
    context = {"system": system, "live": live_proposal(posted_answers(request.POST, cat), cat, language())}
    return render(request, "inventory/_classification_live.html", context)


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
