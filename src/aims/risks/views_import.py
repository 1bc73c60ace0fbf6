"""Import of an existing risk register (check first, then import all or nothing), its template, and the register
exported in the same columns for editing and re-import."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from aims.core import exports
from aims.core.permissions import can_anywhere

from . import import_format
from .importing import import_risks


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


@login_required
def risk_import(request):
    if not can_anywhere(request.user, "add", "risks"):
        raise PermissionDenied
    report = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = request.POST.get("action") != "import"
        report = import_risks(actor=request.user, data=upload.read(), filename=upload.name, dry_run=dry_run)
        file_problems = [str(p) for p in report.problems if p.row is None]
        for problem in file_problems:
            form.add_error("file", problem)  # shown next to the field, where the person acts on it
        report.row_problems = [p for p in report.problems if p.row is not None]
    return render(request, "risks/register_import.html", {"subnav": "register", "form": form, "report": report})


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
