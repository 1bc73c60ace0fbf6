"""The closure grid's pages: started from a system's closure tab, filled axis by axis, submitted, then signed (or sent
back) by someone other than its preparer; the page names who may sign."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aims.core.services import StaleVersion
from aims.core.views_org import tab_context

from . import catalog, charts
from .models import ClosureReview
from .services import closure as closure_services
from .views_common import can_change_monitoring, visible_system

CHECK_LABELS = {
    "classification_signed_off": gettext_lazy("EU AI Act classification signed off"),
    "no_risk_above_appetite": gettext_lazy("No open risk above appetite"),
    "no_open_critical_alert": gettext_lazy("No open critical monitoring alert"),
}


def _visible_review(request, pk: int) -> ClosureReview:
    return get_object_or_404(ClosureReview.objects.restrict(request.user, "view").select_related(
        "system__unit", "system__owner", "prepared_by", "signed_by"), pk=pk)


def axis_rows(review: ClosureReview) -> list[dict]:
    labels = {axis["key"]: axis for axis in catalog.closure_axes()}
    rows = []
    for key, axis in review.axes.items():
        meta = labels.get(key, {"label": key, "help": ""})
        rows.append({"key": key, "label": meta["label"], "help": meta["help"], **axis,
                     "value_text": charts.number(axis.get("value")) if axis.get("value") is not None else "—",
                     "threshold_text": charts.number(axis.get("threshold"))
                     if axis.get("threshold") is not None else "—",
                     "checks": [{"label": CHECK_LABELS.get(c["key"], c["key"]), "passed": c["passed"]}
                                for c in axis.get("checks", [])]})
    return rows


def review_context(request, review: ClosureReview, errors=None) -> dict:
    user = request.user
    return {"review": review, "system": review.system, "rows": axis_rows(review), "errors": errors or [],
            "can_edit": review.state == ClosureReview.State.DRAFT and can_change_monitoring(user, review.system),
            "signers": list(closure_services.eligible_signers(review)),
            "may_sign": review.state == ClosureReview.State.SUBMITTED and closure_services.may_sign(user, review),
            "assessments": ClosureReview.Assessment.choices, "decisions": ClosureReview.Decision.choices,
            "not_live": review.system.stage not in ("deployment", "operation", "revision", "retired"),
            **tab_context(request, review)}


@login_required
def closure_detail(request, pk: int):
    review = _visible_review(request, pk)
    return render(request, "monitoring/closure_detail.html", review_context(request, review))


@login_required
@require_POST
def closure_start(request, system_pk: int):
    system = visible_system(request, system_pk)
    if not can_change_monitoring(request.user, system):
        raise PermissionDenied
    try:
        review = closure_services.start_closure_review(actor=request.user, system=system)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("monitoring:system", args=[system.pk]) + "?tab=closure")
    messages.success(request, _("The closure grid was started from the live KPIs."))
    return redirect("monitoring:closure_detail", pk=review.pk)


def _act(request, review, action):
    """Run one service for the page's form; a validation error or a stale version shows on the page."""
    try:
        action()
    except ValidationError as error:
        return render(request, "monitoring/closure_detail.html",
                      review_context(request, ClosureReview.objects.get(pk=review.pk), errors=error.messages),
                      status=400)
    except StaleVersion:
        return render(request, "monitoring/closure_detail.html", review_context(
            request, ClosureReview.objects.get(pk=review.pk),
            errors=[_("Someone else changed this grid meanwhile; your changes were not saved.")]), status=409)
    return None


@login_required
@require_POST
def closure_save(request, pk: int):
    review = _visible_review(request, pk)
    if not can_change_monitoring(request.user, review.system):
        raise PermissionDenied
    post = request.POST
    version = int(post["version"]) if post.get("version", "").isdigit() else None
    assessments = {key: post.get(f"assessment_{key}", "") for key in review.axes}
    comments = {key: post.get(f"comment_{key}", "") for key in review.axes}

    def save():
        saved = closure_services.update_closure_review(
            actor=request.user, review=review, assessments=assessments, comments=comments,
            decision=post.get("decision", ""), rationale=post.get("rationale", ""), expected_version=version,
            refresh="refresh" in post)
        if "submit" in post:
            closure_services.submit_closure_review(actor=request.user, review=saved)

    failed = _act(request, review, save)
    if failed:
        return failed
    if "submit" in post:
        messages.success(request, _("The closure grid was sent for signature."))
    else:
        messages.success(request, _("The closure grid was saved."))
    return redirect("monitoring:closure_detail", pk=review.pk)


@login_required
@require_POST
def closure_sign(request, pk: int):
    review = _visible_review(request, pk)
    if "return" in request.POST:
        failed = _act(request, review, lambda: closure_services.return_closure_review(
            actor=request.user, review=review, comment=request.POST.get("comment", "")))
        message = _("The closure grid was sent back to its preparer.")
    else:
        failed = _act(request, review, lambda: closure_services.sign_closure_review(
            actor=request.user, review=review, comment=request.POST.get("comment", "")))
        message = _("The closure grid was signed.")
    if failed:
        return failed
    messages.success(request, message)
    return redirect("monitoring:closure_detail", pk=review.pk)

