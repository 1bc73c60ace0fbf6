"""Supplier pages: the register (filters, sort, search, pages), a supplier's page (facts, onboarding gate and
sign-off, contacts, certifications, what it provides, assessments, history, journal), and the small forms posting to
their own URLs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core import approvals
from aims.core.forms import errors_on
from aims.core.permissions import can_anywhere, get_for
from aims.core.views_org import _posted, tab_context

from . import services
from .forms import (
    CertificationForm, CommentForm, ContactForm, ScoreForm, SendQuestionnaireForm, SupplierForm, SupplyForm,
)
from .models import Assessment, Certification, Contact, Criticality, Questionnaire, Status, Supplier, Supply

PER_PAGE = 50


def require_reader(user) -> None:
    if not can_anywhere(user, "view", "suppliers"):
        raise PermissionDenied


@login_required
def supplier_list(request):
    from .register import selection
    from .services_reassessment import schedule_of

    user = request.user
    require_reader(user)
    chosen = selection(user, request.GET)
    page = Paginator(chosen.suppliers, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.schedule = schedule_of(row)
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(request, "suppliers/supplier_list.html", {
        "page": page, "suppliers": page.object_list, "q": chosen.q, "status": chosen.status,
        "criticality": chosen.criticality, "criticality_set": chosen.criticality_set,
        "country": chosen.country, "statuses": Status.choices, "criticalities": Criticality.choices,
        "filtered": chosen.filtered,
        "sort": chosen.sort, "descending": chosen.descending, "query": query.urlencode(),
        "sort_query": sort_query.urlencode(), "can_add": can_anywhere(user, "add", "suppliers"),
        "columns": [("name", _("Supplier")), ("country", _("Country")), ("criticality", _("Criticality")),
                    ("status", _("Onboarding")), ("owner", _("Internal owner"))],
    })


@login_required
def supplier_export(request):
    """The register's current selection (same query string as the page) as CSV or XLSX."""
    from django.http import Http404

    from aims.core import exports

    from .register import export_rows, headers, selection

    require_reader(request.user)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = export_rows(selection(request.user, request.GET).suppliers)
    if fmt == "csv":
        return exports.csv_response("suppliers.csv", headers(), rows)
    return exports.xlsx_response("suppliers.xlsx", headers(), rows, title=_("Suppliers"))


def visible_supplier(request, pk: int, action: str = "view") -> Supplier:
    return get_for(request.user, Supplier.objects.select_related(
        "unit", "owner", "backup", "submitted_by", "approved_by"), action, pk=pk)


def _approver_or_reader(request, pk: int) -> Supplier:
    """The supplier's page opens to its readers and to whoever may approve it (approvals: url(obj) answers 200)."""
    supplier = Supplier.objects.select_related("unit", "owner", "backup", "submitted_by", "approved_by").filter(
        pk=pk).first()
    if supplier is not None and supplier.status == Status.SUBMITTED and approvals.may_approve(
            request.user, services.APPROVAL, supplier):
        return supplier
    return visible_supplier(request, pk)


def can_change(user, supplier: Supplier) -> bool:
    return Supplier.objects.restrict(user, "change").filter(pk=supplier.pk).exists()


@login_required
def supplier_detail(request, pk: int, **bound):
    from .views_contracts import section_context as supplier_section_context

    user = request.user
    supplier = _approver_or_reader(request, pk)
    gaps = [services.describe_gap(gap) for gap in services.onboarding_gaps(supplier)]
    from .services_reassessment import schedule_from
    from .views_supply_chain import supplier_systems
    assessments = list(supplier.assessments.select_related("reviewed_by").order_by("-started_at", "-pk"))
    context = {
        "supplier": supplier, "can_change": can_change(user, supplier), "gaps": gaps,
        "required_score": services.required_score(supplier), "last_assessment": services.latest_completed(supplier),
        "contacts": supplier.contacts.order_by("name", "pk"),
        "certifications": supplier.certifications.order_by("scheme", "pk"),
        "supplies": supplier.supplies.select_related("component", "dependency").order_by("pk"),
        "assessments": assessments, "schedule": schedule_from(supplier, assessments),
        **supplier_systems(request, supplier),
        "questionnaires": _with_progress(questionnaire_rows(supplier)),
        "may_handle": services.may_handle(user, supplier),
        "send_form": SendQuestionnaireForm(supplier=supplier),
        "contact_form": bound.get("contact_form") or ContactForm(),
        "certification_form": bound.get("certification_form") or CertificationForm(),
        "supply_form": bound.get("supply_form") or SupplyForm(user=user),
        "score_form": bound.get("score_form") or ScoreForm(),
        "comment_form": CommentForm(),
        **tab_context(request, supplier),
        **supplier_section_context(supplier, user),  # contracts, audits, exit plan, changes (views_contracts.py)
    }
    if supplier.status == Status.SUBMITTED:
        context["approval"] = approvals.context_for(user, services.APPROVAL, supplier)
    return render(request, "suppliers/supplier_detail.html", context, status=400 if bound else 200)


@login_required
def supplier_create(request):
    user = request.user
    if not can_anywhere(user, "add", "suppliers"):
        raise PermissionDenied
    form = SupplierForm(_posted(request), user=user, creating=True, initial={"owner": user.pk})
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        legal_name, unit = fields.pop("legal_name"), fields.pop("unit")
        with errors_on(form):
            supplier = services.create_supplier(actor=user, legal_name=legal_name, unit=unit,
                                                reason=form.cleaned_data["reason"], **fields)
        if not form.errors:
            messages.success(request, _("The supplier “%(name)s” was registered.") % {"name": supplier})
            return redirect("suppliers:supplier_detail", pk=supplier.pk)
    return render(request, "suppliers/supplier_form.html", {"form": form, "creating": True},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
def supplier_edit(request, pk: int):
    user = request.user
    supplier = visible_supplier(request, pk, "change")
    form = SupplierForm(_posted(request), instance=supplier, user=user, initial={"version": supplier.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.update_supplier(actor=user, supplier=Supplier.objects.get(pk=pk), changes=form.changes(),
                                     expected_version=form.cleaned_data["version"],
                                     reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The supplier was saved."))
            return redirect("suppliers:supplier_detail", pk=pk)
    return render(request, "suppliers/supplier_form.html", {"form": form, "supplier": supplier},
                  status=400 if form.is_bound and form.errors else 200)


def _done(request, supplier, message: str):
    messages.success(request, message)
    return redirect(supplier.get_absolute_url())


def _refused(request, supplier, error) -> None:
    messages.error(request, " ".join(error.messages))


@login_required
@require_POST
def contact_add(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    form = ContactForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.add_contact(actor=request.user, supplier=supplier, **form.cleaned_data)
        if not form.errors:
            return _done(request, supplier, _("The contact was added."))
    return supplier_detail(request, pk, contact_form=form)


@login_required
@require_POST
def contact_remove(request, pk: int, contact_pk: int):
    supplier = visible_supplier(request, pk, "change")
    contact = get_object_or_404(Contact, pk=contact_pk, supplier=supplier)
    services.remove_contact(actor=request.user, contact=contact)
    return _done(request, supplier, _("The contact was removed."))


@login_required
@require_POST
def certification_add(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    form = CertificationForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.add_certification(actor=request.user, supplier=supplier, **form.cleaned_data)
        if not form.errors:
            return _done(request, supplier, _("The certification was recorded."))
    return supplier_detail(request, pk, certification_form=form)


@login_required
@require_POST
def certification_remove(request, pk: int, certification_pk: int):
    supplier = visible_supplier(request, pk, "change")
    certification = get_object_or_404(Certification, pk=certification_pk, supplier=supplier)
    services.remove_certification(actor=request.user, certification=certification)
    return _done(request, supplier, _("The certification was removed."))


@login_required
@require_POST
def supply_add(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    form = SupplyForm(request.POST, user=request.user)
    if form.is_valid():
        with errors_on(form):
            services.link_supply(actor=request.user, supplier=supplier, component=form.cleaned_data["component"],
                                 dependency=form.cleaned_data["dependency"])
        if not form.errors:
            return _done(request, supplier, _("The supplied item was linked."))
    return supplier_detail(request, pk, supply_form=form)


@login_required
@require_POST
def supply_remove(request, pk: int, supply_pk: int):
    supplier = visible_supplier(request, pk, "change")
    supply = get_object_or_404(Supply, pk=supply_pk, supplier=supplier)
    services.unlink_supply(actor=request.user, supply=supply)
    return _done(request, supplier, _("The supplied item was unlinked."))


@login_required
@require_POST
def assessment_start(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    services.start_assessment(actor=request.user, supplier=supplier)
    return _done(request, supplier, _("An assessment was started."))


@login_required
@require_POST
def assessment_complete(request, pk: int, assessment_pk: int):
    supplier = visible_supplier(request, pk, "change")
    assessment = get_object_or_404(Assessment, pk=assessment_pk, supplier=supplier)
    form = ScoreForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.complete_assessment(actor=request.user, assessment=assessment, **form.cleaned_data)
        if not form.errors:
            return _done(request, supplier, _("The assessment was scored."))
    return supplier_detail(request, pk, score_form=form)


@login_required
@require_POST
def supplier_submit(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    from django.core.exceptions import ValidationError

    try:
        services.submit_for_approval(actor=request.user, supplier=supplier, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        _refused(request, supplier, error)
        return redirect(supplier.get_absolute_url())
    return _done(request, supplier, _("The supplier was submitted for approval."))


def _decide(request, pk: int, decide, message: str):
    supplier = Supplier.objects.filter(pk=pk).first()
    if supplier is None or not (approvals.may_approve(request.user, services.APPROVAL, supplier)
                                or Supplier.objects.restrict(request.user, "view").filter(pk=pk).exists()):
        raise PermissionDenied  # the service refuses anyone who may not approve; strangers learn nothing here
    from django.core.exceptions import ValidationError

    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        decide(actor=request.user, supplier=supplier, comment=comment)
    except ValidationError as error:
        _refused(request, supplier, error)
        return redirect(supplier.get_absolute_url())
    return _done(request, supplier, message)


@login_required
@require_POST
def supplier_approve(request, pk: int):
    return _decide(request, pk, services.approve_supplier, _("The supplier was approved."))


@login_required
@require_POST
def supplier_return(request, pk: int):
    return _decide(request, pk, services.return_supplier, _("The supplier was returned to its owner."))


@login_required
@require_POST
def supplier_suspend(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    from django.core.exceptions import ValidationError

    try:
        services.suspend_supplier(actor=request.user, supplier=supplier, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        _refused(request, supplier, error)
        return redirect(supplier.get_absolute_url())
    return _done(request, supplier, _("The supplier was suspended."))


# --- Due-diligence questionnaires ------------------------------------------------------------------------------------

def _handled_supplier(request, pk: int) -> Supplier:
    """The supplier, for its owner, its backup or anyone who may change it (the services check it again)."""
    supplier = visible_supplier(request, pk)
    if not services.may_handle(request.user, supplier):
        raise PermissionDenied
    return supplier


def _with_progress(rows: list) -> list:
    from .catalog import questions

    for row in rows:
        asked = questions(row.template)
        row.question_count = len(asked)
        row.answered_count = sum(1 for q in asked if str(row.answers.get(q["key"], "")).strip())
    return rows


def questionnaire_rows(supplier: Supplier) -> list:
    return list(supplier.questionnaires.select_related("contact", "sent_by", "reviewed_by").order_by("-sent_at", "-pk"))


@login_required
@require_POST
def questionnaire_send(request, pk: int):
    from django.core.exceptions import ValidationError

    from .forms import SendQuestionnaireForm

    supplier = _handled_supplier(request, pk)
    form = SendQuestionnaireForm(request.POST, supplier=supplier)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(supplier.get_absolute_url() + "#questionnaires")
    try:
        questionnaire, secret = services.send_questionnaire(actor=request.user, supplier=supplier,
                                                            contact=form.cleaned_data["contact"],
                                                            days=form.cleaned_data["days"])
    except ValidationError as error:
        _refused(request, supplier, error)
        return redirect(supplier.get_absolute_url() + "#questionnaires")
    # The link is shown once, here, beside the e-mail sent to the contact: only its hash is kept.
    return render(request, "suppliers/questionnaire_sent.html", {
        "supplier": supplier, "questionnaire": questionnaire,
        "link": request.build_absolute_uri(services.questionnaire_link(secret))})


def _questionnaire(request, pk: int, questionnaire_pk: int, *, handle: bool = False):
    supplier = _handled_supplier(request, pk) if handle else visible_supplier(request, pk)
    questionnaire = get_object_or_404(Questionnaire.objects.select_related(
        "contact", "sent_by", "reviewed_by", "assessment", "report"), pk=questionnaire_pk, supplier=supplier)
    questionnaire.supplier = supplier
    return supplier, questionnaire


@login_required
def questionnaire_detail(request, pk: int, questionnaire_pk: int):
    """The review page: every answer, the score per section and overall (computed), follow-up, review, revoke."""
    from aims.core.labels import language

    from .catalog import compute_score, localised

    supplier, questionnaire = _questionnaire(request, pk, questionnaire_pk)
    lang = language()
    score, section_scores = compute_score(questionnaire.template, questionnaire.answers)
    choice_labels = {"yes": _("Yes"), "partly": _("Partly"), "no": _("No"), "na": _("Not applicable")}
    sections = [{"key": section["key"], "title": localised(section["title"], lang),
                 "score": section_scores.get(section["key"]), "questions": [
                     {"key": q["key"], "text": localised(q["text"], lang), "kind": q.get("kind"),
                      "weight": q.get("weight"), "control": q.get("control"),
                      "answer": (choice_labels.get(questionnaire.answers.get(q["key"]), "")
                                 if q.get("kind") == "choice" else questionnaire.answers.get(q["key"], ""))}
                     for q in section.get("questions", [])]}
                for section in questionnaire.template.get("sections", [])]
    from .forms import FollowUpForm, ReviewForm

    return render(request, "suppliers/questionnaire_detail.html", {
        "supplier": supplier, "questionnaire": questionnaire, "sections": sections, "score": score,
        "may_handle": services.may_handle(request.user, supplier),
        "live": questionnaire.state in Questionnaire.LIVE_STATES,
        "attachments": questionnaire.attachments.select_related("current_version").order_by("pk"),
        "follow_up_form": FollowUpForm(), "review_form": ReviewForm(),
    })


def _questionnaire_action(request, pk: int, questionnaire_pk: int, act, message: str):
    from django.core.exceptions import ValidationError

    supplier, questionnaire = _questionnaire(request, pk, questionnaire_pk, handle=True)
    try:
        act(questionnaire)
    except ValidationError as error:
        _refused(request, supplier, error)
        return redirect(questionnaire.get_absolute_url())
    messages.success(request, message)
    return redirect(questionnaire.get_absolute_url())


@login_required
@require_POST
def questionnaire_review(request, pk: int, questionnaire_pk: int):
    summary = request.POST.get("summary", "")[:20000]
    return _questionnaire_action(
        request, pk, questionnaire_pk,
        lambda q: services.review_questionnaire(actor=request.user, questionnaire=q, summary=summary),
        _("The questionnaire was reviewed and the assessment completed with its score."))


@login_required
@require_POST
def questionnaire_return(request, pk: int, questionnaire_pk: int):
    question = request.POST.get("question", "")[:services.MAX_ANSWER + 1]
    return _questionnaire_action(
        request, pk, questionnaire_pk,
        lambda q: services.return_for_follow_up(actor=request.user, questionnaire=q, question=question),
        _("The questionnaire was returned to the supplier with your question."))


@login_required
@require_POST
def questionnaire_revoke(request, pk: int, questionnaire_pk: int):
    reason = request.POST.get("reason", "")[:5000]
    return _questionnaire_action(
        request, pk, questionnaire_pk,
        lambda q: services.revoke_questionnaire(actor=request.user, questionnaire=q, reason=reason),
        _("The questionnaire's link was revoked."))
