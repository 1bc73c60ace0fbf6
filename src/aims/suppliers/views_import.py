"""The supplier register's import page, the product's one import pattern: choose a CSV or XLSX file, check it (a dry
run listing every row's problems), then "Import now" re-reads the held file and checks it again from scratch before
creating every supplier or none (importing.py). A file never checked cannot be imported; the held file waits in the
storage under a session token (core/pending_uploads.py) and is purged daily if abandoned (suppliers-import-uploads)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aims.core.pending_uploads import PendingUploads
from aims.core.permissions import can_anywhere
from aims.inventory.exchange import files

from .importing import import_suppliers

PENDING = PendingUploads("suppliers_import", "imports/suppliers")


def _page(request, report=None, token: str = "", upload_error: str = "", status: int = 200, filename: str = ""):
    context = {"report": report, "token": token, "upload_error": upload_error, "filename": filename,
               "max_mb": round(files.MAX_BYTES / 1024 / 1024), "max_rows": f"{files.MAX_ROWS:,}"}
    if report is not None:
        context["file_problems"] = [p for p in report.problems if p.row is None]
        context["row_problems"] = [p for p in report.problems if p.row is not None]
    return render(request, "suppliers/supplier_import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def supplier_import(request):
    if not can_anywhere(request.user, "add", "suppliers"):
        raise PermissionDenied
    step = request.POST.get("step")
    if request.method == "GET" or step not in ("check", "apply", "cancel"):
        return _page(request)
    if step == "cancel":
        PENDING.forget(request)
        return redirect("suppliers:supplier_import")
    if step == "check":
        PENDING.forget(request)
        upload = request.FILES.get("file")
        if upload is None:
            return _page(request, upload_error=_("Choose a file to import."), status=400)
        if upload.size > files.MAX_BYTES:
            return _page(request, upload_error=_("The file is too large; the limit is %(mb)s MB.") % {
                "mb": round(files.MAX_BYTES / 1024 / 1024)}, status=400)
        data = upload.read()
        report = import_suppliers(actor=request.user, data=data, filename=upload.name, dry_run=True)
        if not report.ok:
            return _page(request, report, status=400)  # nothing can be imported from this file: it is not kept
        pending = PENDING.hold(request, data, upload.name)
        return _page(request, report, token=pending["token"], filename=pending["filename"])
    held = PENDING.take(request, request.POST.get("token"))
    if held is None:
        messages.error(request, _("This import has expired or was already done; upload the file again."))
        return redirect("suppliers:supplier_import")
    pending, data = held
    report = import_suppliers(actor=request.user, data=data, filename=pending["filename"])
    PENDING.forget(request)
    if not report.applied:  # the register changed since the check: refused as a whole, nothing written
        return _page(request, report, status=400)
    messages.success(request, _("Imported: %(n)s suppliers created, each being onboarded. Every creation is in the "
                                "ledger.") % {"n": len(report.created_ids)})
    return redirect("suppliers:supplier_list")
