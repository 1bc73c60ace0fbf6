"""A risk's pages: detail (with treatment, actions, acceptance and reviews), create, edit, and the level preview.

The small forms of the detail page post to their own URL; on an error the detail page is rendered again with that
form bound, so the error appears next to its field.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aims.core import approvals
from aims.core.forms import apply_validation_error, errors_on, stale_message
from aims.core.permissions import can_anywhere, get_for
from aims.core.services import StaleVersion
from aims.core.views_org import _posted, tab_context
from aims.inventory.models import AISystem, Component, Dependency

from . import gates, register, services
from .forms import (
    AcceptForm, ActionForm, ActionStatusForm, ReviewCompleteForm, RequestReviewForm, RiskForm, TreatmentForm,
)
from .models import Risk, RiskMethod, RiskReview, TreatmentAction
from .services._common import active_method
from .views_register import language_of


def _visible_risk(request, pk: int, action: str = "view") -> Risk:
    """The risk if the person may `action` it; 404 if they may not see it, 403 naming its owner if they may."""
    return get_for(request.user, Risk.objects.select_related("owner", "unit", "method"), action, pk=pk)


def _scale_text(definition, axis, value, language):
    if value is None:
        return ""
    return f"{value} · {register.scale_label(definition, axis, value, language)}"


def _who_may_accept(definition, level_key: str) -> list[str]:
    from aims.core.permissions import Role

    if not level_key:
        return []
    level = definition.levels[level_key]
    roles = dict(Role.choices)
    return [str(roles.get(r, r)) for r in level.acceptance_roles] + list(level.acceptance_groups)


def detail_context(request, risk: Risk, **bound) -> dict:
    user = request.user
    language = language_of(request)
    [risk] = register.decorate([risk], {risk.method_id: risk.method})
    definition = risk.method.definition
    active = active_method()
    can_change = Risk.objects.restrict(user, "change").filter(pk=risk.pk).exists()
    pending = risk.reviews.filter(status=RiskReview.Status.PENDING).first()
    acceptances = list(risk.acceptances.select_related("accepted_by", "method"))
    actions = list(risk.actions.select_related("owner").order_by("status", "due_date", "pk"))
    current = risk.current_level
    context = {
        "subnav": "register", "risk": risk, "definition": definition, "can_change": can_change,
        "appetite": definition.appetite_for(risk.category),
        "scores": {
            "inherent_likelihood": _scale_text(definition, "likelihood", risk.inherent_likelihood, language),
            "inherent_impact": _scale_text(definition, "impact", risk.inherent_impact, language),
            "residual_likelihood": _scale_text(definition, "likelihood", risk.residual_likelihood, language),
            "residual_impact": _scale_text(definition, "impact", risk.residual_impact, language),
        },
        "target_chip": definition.levels.get(risk.target_level) if risk.target_level else None,
        "method_is_active": active is not None and active.pk == risk.method_id,
        "threats": risk.threats.select_related("catalog").order_by("catalog__key", "external_id"),
        "systems": AISystem.objects.restrict(user, "view").filter(risks=risk).order_by("name"),
        "components": Component.objects.restrict(user, "view").filter(risks=risk).order_by("name"),
        "dependencies": Dependency.objects.restrict(user, "view").filter(risks=risk).order_by("name"),
        "actions": actions,
        "residual_not_counted": gates.unsupported_residual(
            risk, [a for a in actions if a.status != TreatmentAction.Status.CANCELLED]),
        "acceptances": acceptances,
        "active_acceptance": next((a for a in acceptances if a.status == "active"), None),
        "reviews": risk.reviews.select_related("requested_by", "completed_by").order_by("-created_at", "-pk"),
        "pending_review": pending,
        "who_may_accept": _who_may_accept(definition, current) if current and definition.is_above_appetite(
            current, risk.category) else [],
        # The acceptance form shows to those whose acceptance the service would take (never the owner above appetite).
        "may_accept": can_change and bool(current) and services.may_accept(user, risk),
        "acceptance_approval": approvals.context_for(user, services.ACCEPTANCE_APPROVAL, risk)
        if services.awaits_acceptance(risk) else None,
        "treatment_form": bound.get("treatment_form") or TreatmentForm(initial={
            "version": risk.version, "treatment": risk.treatment, "treatment_rationale": risk.treatment_rationale}),
        "action_form": bound.get("action_form") or ActionForm(user=user, risk=risk, initial={"owner": risk.owner_id}),
        "accept_form": bound.get("accept_form") or AcceptForm(),
        "request_review_form": bound.get("request_review_form") or RequestReviewForm(),
        "review_form": bound.get("review_form") or (ReviewCompleteForm(method=active, initial={
            "version": pending.version}) if pending else None),
        **tab_context(request, risk),
    }
    return context


@login_required
def risk_detail(request, pk: int):
    risk = _visible_risk(request, pk)
    return render(request, "risks/risk_detail.html", detail_context(request, risk))


def _fresh(pk: int) -> Risk:
    return Risk.objects.select_related("owner", "unit", "method").get(pk=pk)


@login_required
def risk_create(request):
    user = request.user
    if not can_anywhere(user, "add", "risks"):
        raise PermissionDenied
    method = active_method()
    initial = {"owner": user.pk}
    if request.GET.get("system", "").isdigit():
        initial["systems"] = [int(request.GET["system"])]
    form = RiskForm(_posted(request), user=user, method=method, creating=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            risk = services.create_risk(
                actor=user, title=data["title"], category=data["category"], owner=data["owner"], unit=data["unit"],
                **form.links(), **{k: data[k] for k in (
                    "risk_source", "event", "consequence", "ebios_risk_source", "ebios_target_objective",
                    "ebios_operational_scenario", "existing_measures", "target_level")},
                inherent_likelihood=data["inherent_likelihood"], inherent_impact=data["inherent_impact"],
                reason=data["reason"])
        if not form.errors:
            messages.success(request, _("The risk “%(title)s” was recorded.") % {"title": risk.title})
            return redirect("risks:risk_detail", pk=risk.pk)
    return render(request, "risks/risk_form.html", {"form": form, "creating": True, "method": method,
                                                     "subnav": "register"})


def _links_kept(user, risk: Risk, links: dict) -> dict:
    """The chosen links plus those the editor cannot see, so an edit never drops another unit's links silently."""
    kept = dict(links)
    for name, model in (("systems", AISystem), ("components", Component), ("dependencies", Dependency)):
        visible = model.objects.restrict(user, "view").values("pk")
        kept[name] = kept[name] + list(getattr(risk, name).exclude(pk__in=visible))
    return kept


@login_required
def risk_edit(request, pk: int):
    risk = _visible_risk(request, pk, "change")
    user = request.user
    form = RiskForm(_posted(request), instance=risk, user=user, method=risk.method,
                    initial={"version": risk.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scores = form.scores()
        with errors_on(form):
            with transaction.atomic():
                fresh = services.update_risk(actor=user, risk=_fresh(pk), changes=form.descriptive_changes(),
                                             expected_version=data["version"], reason=data["reason"])
                services.set_risk_links(actor=user, risk=fresh, **_links_kept(user, fresh, form.links()),
                                        reason=data["reason"])
                if any(scores[n] != getattr(fresh, n) for n in scores):
                    if scores["inherent_likelihood"] is None or scores["inherent_impact"] is None:
                        raise ValidationError({"inherent_likelihood": _("A scored risk keeps an inherent score.")})
                    services.assess_risk(actor=user, risk=fresh, **scores, reason=data["reason"])
        if not form.errors:
            messages.success(request, _("The risk was saved."))
            return redirect("risks:risk_detail", pk=pk)
    return render(request, "risks/risk_form.html", {"form": form, "risk": register.decorate([_fresh(pk)])[0],
                                                     "method": risk.method,
                                                     "subnav": "register"})


def _again(request, risk: Risk, message: str | None = None, status: int = 200, **bound):
    if message:
        messages.error(request, message)
    return render(request, "risks/risk_detail.html", detail_context(request, risk, **bound), status=status)


@login_required
@require_POST
def risk_treatment(request, pk: int):
    risk = _visible_risk(request, pk, "change")
    form = TreatmentForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.decide_treatment(actor=request.user, risk=risk, decision=form.cleaned_data["treatment"],
                                      rationale=form.cleaned_data["treatment_rationale"],
                                      expected_version=form.cleaned_data["version"])
        if not form.errors:
            messages.success(request, _("The treatment decision was saved."))
            return redirect("risks:risk_detail", pk=pk)
    return _again(request, _fresh(pk), treatment_form=form)


@login_required
@require_POST
def action_add(request, pk: int):
    risk = _visible_risk(request, pk, "change")
    form = ActionForm(request.POST, user=request.user, risk=risk)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.add_treatment_action(actor=request.user, risk=risk, title=data["title"], owner=data["owner"],
                                          due_date=data["due_date"], description=data["description"])
        if not form.errors:
            messages.success(request, _("The treatment action was added."))
            return redirect("risks:risk_detail", pk=pk)
    return _again(request, _fresh(pk), action_form=form)


@login_required
@require_POST
def action_status(request, pk: int, action_pk: int):
    risk = _visible_risk(request, pk)
    action = get_object_or_404(TreatmentAction.objects.restrict(request.user, "change"), pk=action_pk, risk=risk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
        return redirect("risks:risk_detail", pk=pk)
    try:
        services.set_treatment_action_status(actor=request.user, action=action, status=form.cleaned_data["status"],
                                             expected_version=form.cleaned_data["version"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except StaleVersion as stale:
        messages.error(request, stale_message(stale.current_version))
    else:
        messages.success(request, _("The action “%(title)s” is now %(status)s.") % {
            "title": action.title, "status": TreatmentAction.Status(form.cleaned_data["status"]).label})
    return redirect("risks:risk_detail", pk=pk)


@login_required
@require_POST
def risk_accept(request, pk: int):
    risk = _visible_risk(request, pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.accept_risk(actor=request.user, risk=risk, rationale=form.cleaned_data["rationale"],
                                 expires_on=form.cleaned_data["expires_on"])
        except PermissionDenied as refused:
            # The service's message says which authority the level needs: show it where the person acted.
            message = str(refused) or _("You are not allowed to accept this risk.")
            form.add_error(None, message)
            return _again(request, _fresh(pk), message=message, status=403, accept_form=form)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The risk was accepted."))
            return redirect("risks:risk_detail", pk=pk)
    return _again(request, _fresh(pk), accept_form=form)


@login_required
@require_POST
def review_request(request, pk: int):
    risk = _visible_risk(request, pk, "change")
    form = RequestReviewForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.request_risk_review(actor=request.user, risk=risk, reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("A review was requested."))
            return redirect("risks:risk_detail", pk=pk)
    return _again(request, _fresh(pk), request_review_form=form)


@login_required
@require_POST
def review_complete(request, pk: int, review_pk: int):
    risk = _visible_risk(request, pk)
    review = get_object_or_404(RiskReview.objects.restrict(request.user, "change"), pk=review_pk, risk=risk)
    form = ReviewCompleteForm(request.POST, method=active_method())
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.complete_review(
                actor=request.user, review=review, outcome=data["outcome"], notes=data["notes"],
                expected_version=data["version"],
                **{k: data[k] for k in ("inherent_likelihood", "inherent_impact", "residual_likelihood",
                                        "residual_impact")})
        if not form.errors:
            messages.success(request, _("The review was recorded."))
            return redirect("risks:risk_detail", pk=pk)
    return _again(request, _fresh(pk), review_form=form)


@login_required
@require_GET
def level_preview(request):
    """The level a likelihood × impact pair gives under a method (htmx fragment of the risk form)."""
    method = RiskMethod.objects.restrict(request.user, "view").filter(pk=request.GET.get("method") or 0).first()
    prefix = "residual" if request.GET.get("prefix") == "residual" else "inherent"
    level, above = None, False
    try:
        likelihood = int(request.GET.get(f"{prefix}_likelihood", ""))
        impact = int(request.GET.get(f"{prefix}_impact", ""))
        if method is not None:
            level = method.definition.level_of(likelihood, impact)
            above = method.definition.is_above_appetite(level.key, request.GET.get("category") or None)
    except (ValueError, ValidationError, KeyError):
        level = None
    return render(request, "risks/_level_preview.html", {"level": level, "above": above, "prefix": prefix})
