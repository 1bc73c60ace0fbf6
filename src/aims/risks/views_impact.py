"""Impact assessments (start, fill in, submit, approve, return, reopen) and the suggested risks of a system."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core import approvals
from aims.core.forms import apply_validation_error, errors_on
from aims.core.permissions import can_anywhere
from aims.core.views_org import tab_context
from aims.inventory.models import AISystem

from . import catalogs, services
from .forms import CommentForm, DismissForm, QuestionnaireForm, ReopenForm, SystemChoiceForm
from .models import ImpactAssessment, RiskSuggestion
from .views_register import PER_PAGE, language_of, require_risk_reader


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _visible_assessment(request, pk: int, action: str = "view") -> ImpactAssessment:
    return get_object_or_404(ImpactAssessment.objects.restrict(request.user, action).select_related(
        "system", "author", "approved_by"), pk=pk)


@login_required
def impact_list(request):
    user = request.user
    require_risk_reader(user)
    assessments = ImpactAssessment.objects.restrict(user, "view").select_related("system", "author").order_by(
        "-updated_at", "-pk")
    status = request.GET.get("status", "")
    if status in ImpactAssessment.Status.values:
        assessments = assessments.filter(status=status)
    system = request.GET.get("system", "")
    if system.isdigit():
        assessments = assessments.filter(system_id=int(system))
    page = Paginator(assessments, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "risks/impact_list.html", {
        "subnav": "impact",
        "page": page, "assessments": page.object_list, "status": status, "statuses": ImpactAssessment.Status.choices,
        "start_form": SystemChoiceForm(user=user, initial={"system": system or None})
        if can_anywhere(user, "add", "risks") else None,
        "query": _without_page(request),
    })


@login_required
@require_POST
def impact_start(request):
    user = request.user
    form = SystemChoiceForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, _("Choose an AI system."))
        return redirect("risks:impact_list")
    system = form.cleaned_data["system"]
    try:
        assessment = services.start_impact_assessment(actor=user, system=system)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("risks:impact_list")
    messages.success(request, _("Impact assessment #%(n)d of %(system)s started.") % {
        "n": assessment.number, "system": system})
    return redirect("risks:impact_detail", pk=assessment.pk)


def _answer_rows(template: dict, answers: dict, language: str) -> list:
    """[(section title, [(question label, answer text)])] for reading a submitted assessment."""
    sections = []
    for section in template["sections"]:
        rows = []
        for q in section["questions"]:
            value = answers.get(q["key"])
            options = {o["key"]: o.get(f"label_{language}") or o["label_en"] for o in q.get("options", ())}
            if value is None:
                text = "—"
            elif q["type"] == "boolean":
                text = _("Yes") if value else _("No")
            elif q["type"] == "choice":
                text = options.get(value, value)
            elif q["type"] == "multichoice":
                text = ", ".join(options.get(v, v) for v in value) or "—"
            else:
                text = str(value)
            rows.append((q.get(f"label_{language}") or q["label_en"], text))
        sections.append((section.get(f"title_{language}") or section.get("title_en", ""), rows))
    return sections


def _detail_context(request, assessment: ImpactAssessment, **bound) -> dict:
    user = request.user
    template = catalogs.impact_template()
    can_change = ImpactAssessment.objects.restrict(user, "change").filter(pk=assessment.pk).exists()
    editing = can_change and assessment.status == ImpactAssessment.Status.DRAFT
    return {
        "subnav": "impact", "assessment": assessment, "template": template, "can_change": can_change, "editing": editing,
        "form": bound.get("form") or (QuestionnaireForm(template=template, answers=assessment.answers, initial={
            "version": assessment.version}) if editing else None),
        "answer_rows": _answer_rows(template, assessment.answers, language_of(request)),
        "approve_form": bound.get("approve_form") or CommentForm(),
        "reopen_form": bound.get("reopen_form") or ReopenForm(),
        "is_author": assessment.author_id == user.pk,
        # Who may sign off a submitted run, and whether the reader may (the buttons show for them only).
        "approval": approvals.context_for(user, services.IMPACT_APPROVAL, assessment)
        if assessment.status == ImpactAssessment.Status.SUBMITTED else None,
        **tab_context(request, assessment),
    }


@login_required
def impact_detail(request, pk: int):
    assessment = _visible_assessment(request, pk)
    return render(request, "risks/impact_detail.html", _detail_context(request, assessment))


@login_required
@require_POST
def impact_save(request, pk: int):
    """Save the answers; with the "submit" button, save then submit in one step (both or neither)."""
    assessment = _visible_assessment(request, pk, "change")
    form = QuestionnaireForm(request.POST, template=catalogs.impact_template(), answers=assessment.answers)
    if form.is_valid():
        submitting = "submit" in request.POST
        with errors_on(form):
            with transaction.atomic():
                saved = services.save_impact_answers(actor=request.user, assessment=assessment,
                                                     answers=form.answers(),
                                                     expected_version=form.cleaned_data["version"])
                if submitting:
                    services.submit_impact_assessment(actor=request.user, assessment=saved)
        if not form.errors:
            messages.success(request, _("The impact assessment was submitted for approval.") if submitting
                             else _("Your answers were saved."))
            return redirect("risks:impact_detail", pk=pk)
    return render(request, "risks/impact_detail.html",
                  _detail_context(request, _visible_assessment(request, pk), form=form))


@login_required
@require_POST
def impact_decide(request, pk: int, decision: str):
    """Approve or return a submitted assessment (the comment is required to return it)."""
    assessment = _visible_assessment(request, pk, "change")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            if decision == "approve":
                services.approve_impact_assessment(actor=request.user, assessment=assessment,
                                                   comment=form.cleaned_data["comment"])
                messages.success(request, _("The impact assessment was approved."))
            else:
                services.return_impact_assessment(actor=request.user, assessment=assessment,
                                                  comment=form.cleaned_data["comment"])
                messages.success(request, _("The impact assessment was returned to its author."))
        except PermissionDenied as refused:
            form.add_error(None, str(refused) or _("You are not allowed to do this."))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("risks:impact_detail", pk=pk)
    return render(request, "risks/impact_detail.html",
                  _detail_context(request, _visible_assessment(request, pk), approve_form=form))


@login_required
@require_POST
def impact_reopen(request, pk: int):
    assessment = _visible_assessment(request, pk, "change")
    form = ReopenForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.request_impact_reassessment(actor=request.user, assessment=assessment,
                                                 reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The impact assessment was reopened: a new run is needed."))
            return redirect("risks:impact_detail", pk=pk)
    return render(request, "risks/impact_detail.html",
                  _detail_context(request, _visible_assessment(request, pk), reopen_form=form))


# --- Suggested risks --------------------------------------------------------------------------------------------------

@login_required
def suggestions(request):
    user = request.user
    require_risk_reader(user)
    items = RiskSuggestion.objects.restrict(user, "view").select_related("system", "risk", "decided_by")
    system = None
    if request.GET.get("system", "").isdigit():
        system = get_object_or_404(AISystem.objects.restrict(user, "view"), pk=request.GET["system"])
        items = items.filter(system=system)
    show = request.GET.get("show", "pending")
    if show == "pending":
        items = items.filter(status=RiskSuggestion.Status.PENDING)
    page = Paginator(items.order_by("system__name", "status", "title_en", "pk"), PER_PAGE).get_page(
        request.GET.get("page"))
    language = language_of(request)
    for item in page.object_list:
        item.display_title = item.title(language)
        item.display_rationale = item.rationale_fr if language == "fr" and item.rationale_fr else item.rationale_en
        item.display_rule = catalogs.rule_name(item.rule, language)
    return render(request, "risks/suggestions.html", {
        "subnav": "suggestions",
        "page": page, "items": page.object_list, "system": system, "show": show, "dismiss_form": DismissForm(),
        "can_refresh": system is not None and can_anywhere(user, "add", "risks"),
        "query": _without_page(request),
    })


def _suggestions_url():
    return reverse("risks:suggestions")


def _back_to_suggestions(suggestion):
    return redirect(f"{_suggestions_url()}?system={suggestion.system_id}")


@login_required
@require_POST
def suggestion_decide(request, pk: int, decision: str):
    suggestion = get_object_or_404(RiskSuggestion.objects.restrict(request.user, "change").select_related("system"),
                                   pk=pk)
    try:
        if decision == "accept":
            risk = services.accept_suggestion(actor=request.user, suggestion=suggestion)
            messages.success(request, _("The risk “%(title)s” was added to the register: assess it now.") % {
                "title": risk.title})
            return redirect("risks:risk_detail", pk=risk.pk)
        form = DismissForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why this suggestion is dismissed."))
            return _back_to_suggestions(suggestion)
        services.dismiss_suggestion(actor=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"])
        messages.success(request, _("The suggestion was dismissed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to_suggestions(suggestion)


@login_required
@require_POST
def suggestions_refresh(request, system_pk: int):
    system = get_object_or_404(AISystem.objects.restrict(request.user, "view"), pk=system_pk)
    created = services.refresh_suggestions(actor=request.user, system=system)
    messages.success(request, _("%(n)d new suggestions.") % {"n": len(created)})
    return redirect(f"{_suggestions_url()}?system={system.pk}")
