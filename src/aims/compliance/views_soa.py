"""The Statement of Applicability: the live entries, deciding one, submitting a version, the versions with what
changed and why, the sign-off (through the approvals inbox), and the XLSX and PDF exports in English or French."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aims.core import approvals
from aims.core.forms import errors_on
from aims.core.permissions import can_in_unit

from . import exports_soa, services
from .forms import DecisionForm, SoAEntryForm, SubmitForm
from .models import SoAEntry, SoAVersion
from .services import soa
from .views_frameworks import require_compliance_reader


def may_edit(user) -> bool:
    return can_in_unit(user, "change", "compliance", None)


@login_required
def soa_page(request, submit_form=None):
    user = request.user
    require_compliance_reader(user)
    entries = soa.entries_with_links(user)
    counts = {value: 0 for value in SoAEntry.Applicability.values}
    for entry in entries:
        counts[entry.applicability] += 1
    pending = SoAVersion.objects.filter(status=SoAVersion.Status.SUBMITTED).first()
    return render(request, "compliance/soa.html", {
        "subnav": "soa", "entries": entries, "counts": counts, "total": len(entries),
        "decided": len(entries) - counts[SoAEntry.Applicability.UNDECIDED], "can_edit": may_edit(user),
        "approved": soa.last_approved(), "pending": pending,
        "submit_form": submit_form or SubmitForm(), "approvers": approvals.people_in_approver_roles(soa.APPROVAL,
                                                                                                   None),
    }, status=400 if submit_form is not None else 200)


@login_required
def soa_entry(request, pk: int):
    user = request.user
    require_compliance_reader(user)
    entry = get_object_or_404(SoAEntry.objects.restrict(user, "view").select_related("requirement__framework"), pk=pk)
    if not SoAEntry.objects.restrict(user, "change").filter(pk=pk).exists():
        raise PermissionDenied
    form = SoAEntryForm(request.POST or None, instance=entry, user=user, initial={"version": entry.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.update_soa_entry(actor=user, entry=entry, changes=form.changes(), controls=list(data["controls"]),
                                      expected_version=data["version"], reason=data["reason"])
        if not form.errors:
            messages.success(request, _("%(code)s was saved.") % {"code": entry.requirement.code})
            return redirect(f"{reverse_soa()}#entry-{entry.requirement.ref}")
    return render(request, "compliance/soa_entry.html", {"subnav": "soa", "entry": entry, "form": form},
                  status=400 if form.errors else 200)


def reverse_soa() -> str:
    from django.urls import reverse

    return reverse("compliance:soa")


@login_required
@require_POST
def soa_submit(request):
    user = request.user
    form = SubmitForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            version = services.submit_soa_version(actor=user, summary=form.cleaned_data["summary"])
        if not form.errors:
            messages.success(request, _("Version %(number)s was submitted for approval.") % {"number": version.number})
            return redirect(version.get_absolute_url())
    return soa_page(request, submit_form=form)


@login_required
def soa_versions(request):
    require_compliance_reader(request.user)
    versions = SoAVersion.objects.restrict(request.user, "view").select_related("submitted_by", "decided_by")
    return render(request, "compliance/soa_versions.html", {"subnav": "soa", "versions": versions})


def _labels_for(change: dict) -> dict:
    applicability, implementation = dict(SoAEntry.Applicability.choices), dict(SoAEntry.Implementation.choices)
    field_labels = {"applicability": _("Applicability"), "justification": _("Justification"),
                    "implementation": _("Implementation status"), "owner": _("Owner"),
                    "controls": _("Controls implementing it")}

    def words(value):
        if value is None:
            return _("(new)")
        if change["field"] == "applicability":
            return str(applicability.get(value, value))
        if change["field"] == "implementation":
            return str(implementation.get(value, value))
        if isinstance(value, list):
            return ", ".join(value) or "—"
        return value or "—"

    return {**change, "field_label": field_labels.get(change["field"], change["field"]),
            "before_text": words(change["before"]), "after_text": words(change["after"])}


@login_required
def soa_version(request, pk: int, form=None):
    user = request.user
    version = get_object_or_404(SoAVersion.objects.restrict(user, "view").select_related(
        "submitted_by", "decided_by", "previous"), pk=pk)
    if version.status != SoAVersion.Status.SUBMITTED and not approvals.may_approve(user, soa.APPROVAL, version):
        require_compliance_reader(user)
    approval = approvals.context_for(user, soa.APPROVAL, version) if version.status == SoAVersion.Status.SUBMITTED \
        else None
    applicability, implementation = dict(SoAEntry.Applicability.choices), dict(SoAEntry.Implementation.choices)
    return render(request, "compliance/soa_version.html", {
        "subnav": "soa", "version": version, "approval": approval, "decision_form": form or DecisionForm(),
        "changes": [_labels_for(c) for c in version.changes],
        "entries": [{**row, "applicability_label": applicability.get(row["applicability"], ""),
                     "implementation_label": implementation.get(row["implementation"], "")}
                    for row in version.entries],
    }, status=400 if form is not None else 200)


@login_required
@require_POST
def soa_decide(request, pk: int, decision: str):
    user = request.user
    version = get_object_or_404(SoAVersion, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            if decision == "approve":
                services.approve_soa_version(actor=user, version=version, comment=form.cleaned_data["comment"])
            else:
                services.return_soa_version(actor=user, version=version, comment=form.cleaned_data["comment"])
        if not form.errors:
            messages.success(request, _("Version %(number)s was approved.") % {"number": version.number}
                             if decision == "approve" else
                             _("Version %(number)s was returned.") % {"number": version.number})
            return redirect(version.get_absolute_url())
    return soa_version(request, pk, form=form)


@login_required
@require_GET
def soa_export(request, fmt: str):
    """?version=N for a version's frozen entries (default: the approved one, else the working copy); ?lang=en|fr."""
    user = request.user
    require_compliance_reader(user)
    language = request.GET.get("lang") or getattr(request, "LANGUAGE_CODE", "en")
    language = language if language in exports_soa.LANGUAGES else "en"
    raw = request.GET.get("version", "")
    if raw == "current":
        version, entries = None, soa.snapshot(soa.entries_with_links(user))
    elif raw.isdigit():
        version = get_object_or_404(SoAVersion.objects.restrict(user, "view"), number=int(raw))
        entries = version.entries
    else:
        version = soa.last_approved()
        entries = version.entries if version else soa.snapshot(soa.entries_with_links(user))
    stamp = timezone.localtime().strftime("%Y%m%d")
    name = f"statement-of-applicability-{'v' + str(version.number) if version else 'draft'}-{language}-{stamp}"
    if fmt == "xlsx":
        from aims.core.exports import XLSX_CONTENT_TYPE

        response = HttpResponse(exports_soa.xlsx(entries, version, language), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    if fmt == "pdf":
        response = HttpResponse(exports_soa.pdf(entries, version, language), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    raise Http404


