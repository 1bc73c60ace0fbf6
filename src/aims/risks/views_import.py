"""Import of an existing risk register, the one import pattern of the product (as the inventory's): choose a file,
check it (a dry run listing every row's problems), then confirm; the import is all or nothing. Also its template, and
the register exported in the same columns for editing and re-import.

Between the check and the confirmation the uploaded bytes wait in the file storage under a random token remembered in
the person's session (any web process can finish the import); confirming re-reads and re-checks the file from scratch,
so nothing checked earlier is trusted a second time. Uploads never confirmed are purged daily (risks/tasks.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from aims.core import exports
from aims.core.pending_uploads import PendingUploads
from aims.core.permissions import can_anywhere

from . import import_format
from .importing import import_risks

SESSION_KEY = "risks_import"
UPLOAD_DIR = "imports/risks"
PENDING = PendingUploads(SESSION_KEY, UPLOAD_DIR)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Register file (.csv or .xlsx)"),
        help_text=gettext_lazy("At most 10 MB and 50,000 risks, with the columns of the template. Every row is "
                               "checked first; if any row has a problem, nothing is imported."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,"
                                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > import_format.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.")
                                        % {"mb": import_format.MAX_BYTES // (1024 * 1024)})
        return upload


def _page(request, form, report=None, token: str = ""):
    if report is not None:
        for problem in (p for p in report.problems if p.row is None):
            if form.is_bound:
                form.add_error("file", str(problem))  # next to the field, where the person acts on it
        report.row_problems = [p for p in report.problems if p.row is not None]
        report.file_problems = [] if form.is_bound else [str(p) for p in report.problems if p.row is None]
    return render(request, "risks/register_import.html", {"subnav": "register", "form": form, "report": report,
                                                           "token": token})


def _expired(request):
    request.session.pop(SESSION_KEY, None)
    messages.error(request, _("This import has expired or was already done; upload the file again."))
    return redirect("risks:risk_import")


@login_required
@require_http_methods(["GET", "POST"])
def risk_import(request):
    if not can_anywhere(request.user, "add", "risks"):
        raise PermissionDenied
    step = request.POST.get("step")
    if request.method == "GET" or step not in ("check", "apply", "cancel"):
        return _page(request, ImportForm())
    if step == "cancel":
        PENDING.forget(request)
        return redirect("risks:risk_import")
    if step == "check":
        PENDING.forget(request)
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return _page(request, form)
        upload = form.cleaned_data["file"]
        data = upload.read()
        report = import_risks(actor=request.user, data=data, filename=upload.name, dry_run=True)
        if not report.ok:
            return _page(request, form, report)  # nothing can be applied from this file: it is not kept
        pending = PENDING.hold(request, data, upload.name)
        return _page(request, ImportForm(), report, token=pending["token"])
    held = PENDING.take(request, request.POST.get("token"))
    if held is None:
        return _expired(request)
    pending, data = held
    report = import_risks(actor=request.user, data=data, filename=pending["filename"])
    PENDING.forget(request)
    if not report.applied:  # the register changed since the check: refused as a whole, nothing written
        return _page(request, ImportForm(), report)
    messages.success(request, _("Imported: %(created)s risks created, %(updated)s updated, %(unchanged)s unchanged. "
                                "Every change is in the ledger.") % {
        "created": report.to_create, "updated": report.to_update, "unchanged": report.unchanged})
    return redirect("risks:register")


@login_required
@require_GET
def import_template(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if not can_anywhere(request.user, "view", "risks"):
        raise PermissionDenied
    content_type = exports.XLSX_CONTENT_TYPE if fmt == "xlsx" else exports.CSV_CONTENT_TYPE
    response = HttpResponse(import_format.template_bytes(fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="risk-register-template.{fmt}"'
    return response


@login_required
@require_GET
def exchange_export(request, fmt: str):
    """The rows the register shows for the same query string, in the import columns (codes, numbers, e-mails)."""
    from .views_register import filtered_register, require_risk_reader

    if fmt not in ("csv", "xlsx"):
        raise Http404
    require_risk_reader(request.user)
    risks, _filters, _sort = filtered_register(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"risk-register-for-import-{stamp}.{fmt}"
    rows = import_format.iter_exchange_rows(risks)
    if fmt == "xlsx":
        return exports.xlsx_response(filename, import_format.COLUMN_NAMES, rows, title=_("Risks"))
    return exports.csv_response(filename, import_format.COLUMN_NAMES, rows)
