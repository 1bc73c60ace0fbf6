"""Disclosure cases for the staff: the list (newest first, filtered by status), a case's page (the report, the
reporter's files, the conversation with a reply form, triage into a vulnerability with its embargo, the link's
withdrawal or renewal) and the download of a reporter's file (served as an attachment, never rendered)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.permissions import can_in_unit, get_for

from .forms_disclosure import StaffReplyForm, TriageForm
from .models import OPEN_VULNERABILITY_STATUSES, CaseStatus, DisclosureAttachment, DisclosureCase
from .models_disclosure import OPEN_CASE_STATUSES
from .services import disclosure

PER_PAGE = 50


def _case(request, pk: int, action: str = "view") -> DisclosureCase:
    return get_for(request.user, DisclosureCase.objects.select_related("unit", "vulnerability", "triaged_by"),
                   action, pk=pk)


@login_required
def case_list(request):
    found = DisclosureCase.objects.restrict(request.user, "view")
    status = request.GET.get("status", "open")
    if status == "open":
        found = found.filter(status__in=OPEN_CASE_STATUSES)
    elif status in CaseStatus.values:
        found = found.filter(status=status)
    page = Paginator(found.order_by("-received_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "incidents/disclosure/list.html", {
        "subnav": "disclosures", "page": page, "rows": list(page.object_list), "status": status,
        "statuses": CaseStatus.choices, "query": urlencode({"status": status}) if status else ""})


def _detail(request, case, *, reply=None, triage=None, secret=None, status=200):
    may_change = can_in_unit(request.user, "change", "incidents", case.unit)
    return render(request, "incidents/disclosure/detail.html", {
        "subnav": "disclosures", "case": case, "may_change": may_change,
        "conversation": list(case.messages.select_related("author").order_by("created_at", "id")),
        "attachments": list(case.attachments.order_by("created_at", "id")),
        "reply_form": reply or StaffReplyForm(),
        "triage_form": triage or TriageForm(user=request.user, initial={
            "status": case.status, "vulnerability": case.vulnerability_id, "embargo_until": case.embargo_until}),
        "open_vulnerability": case.vulnerability is not None
        and case.vulnerability.status in OPEN_VULNERABILITY_STATUSES,
        "new_secret_link": request.build_absolute_uri(disclosure.link_url(secret)) if secret else "",
        "link_state": disclosure.link_state(case)}, status=status)


@login_required
def case_detail(request, pk: int):
    return _detail(request, _case(request, pk))


@login_required
@require_POST
def case_reply(request, pk: int):
    case = _case(request, pk, "change")
    form = StaffReplyForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            disclosure.staff_reply(actor=request.user, case=case, body=form.cleaned_data["body"])
        if not form.errors:
            messages.success(request, _("Your message is on the reporter's page."))
            return redirect(case.get_absolute_url() + "#messages")
    return _detail(request, case, reply=form, status=400)


@login_required
@require_POST
def case_triage(request, pk: int):
    case = _case(request, pk, "change")
    form = TriageForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        new = None
        if data["new_kind"] and not data["vulnerability"]:
            new = {"kind": data["new_kind"], "severity": data["new_severity"],
                   "cvss_vector": data["new_cvss_vector"], "owner": request.user}
        with errors_on(form):
            disclosure.triage_case(actor=request.user, case=case, status=data["status"],
                                   vulnerability=data["vulnerability"], new_vulnerability=new,
                                   embargo_until=data["embargo_until"], note=data["note"])
        if not form.errors:
            messages.success(request, _("The triage of %(case)s was recorded.") % {"case": case.reference})
            return redirect(case.get_absolute_url())
    return _detail(request, case, triage=form, status=400)


@login_required
@require_POST
def case_link(request, pk: int):
    """Withdraw the reporter's link (with a reason) or give them a new one (shown once on the page)."""
    case = _case(request, pk, "change")
    if request.POST.get("action") == "renew":
        case, secret = disclosure.renew_link(actor=request.user, case=case)
        messages.success(request, _("A new private link was made: give it to the reporter now, it is shown once."))
        return _detail(request, case, secret=secret)
    reason = request.POST.get("reason", "")
    if not reason.strip():
        messages.error(request, _("Say why the link is withdrawn."))
        return redirect(case.get_absolute_url())
    disclosure.revoke_link(actor=request.user, case=case, reason=reason)
    messages.success(request, _("The reporter's link was withdrawn."))
    return redirect(case.get_absolute_url())


@login_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(DisclosureAttachment.objects.select_related("case"), pk=pk)
    _case(request, attachment.case_id)
    from aims.evidence.storage import open_blob

    response = FileResponse(open_blob(attachment.storage_name), as_attachment=True, filename=attachment.filename,
                            content_type=attachment.content_type or "application/octet-stream")
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
