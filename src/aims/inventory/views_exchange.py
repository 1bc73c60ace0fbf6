"""Import and export pages: the portfolio export (exactly what the filter shows), a system's CycloneDX BOM, the
import template, and the import itself (upload -> preview with every error -> confirm).

Between preview and confirmation the uploaded bytes wait in the file storage under a random token remembered in the
person's session (storage, not local disk or memory, so any web process can finish the import). Confirming re-reads
and re-validates the file from scratch: what was checked at preview time is never trusted a second time.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from aims.core import exports
from aims.core.pending_uploads import PendingUploads
from aims.core.permissions import can_anywhere

from .exchange import cyclonedx_export, cyclonedx_import, files, tabular
from .exchange.files import ImportFileError, Problem
from .models import AISystem

SESSION_KEY = "inventory_import"
STORAGE_DIR = files.UPLOAD_DIR
PENDING = PendingUploads(SESSION_KEY, STORAGE_DIR)  # purged daily by inventory-import-uploads (tasks.py)


def _require_reader(user) -> None:
    if not can_anywhere(user, "view", "inventory"):
        raise PermissionDenied(_("You are not allowed to see the inventory."))


def _require_importer(user) -> None:
    if not can_anywhere(user, "add", "inventory"):
        raise PermissionDenied(_("You are not allowed to add to the inventory."))


@login_required
def portfolio_export(request):
    """The portfolio's current selection (same query string as the page) as CSV or XLSX."""
    _require_reader(request.user)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = tabular.export_rows(tabular.portfolio_selection(request.user, request.GET))
    if fmt == "csv":
        return exports.csv_response("ai-systems.csv", tabular.HEADERS, rows)
    return exports.xlsx_response("ai-systems.xlsx", tabular.HEADERS, rows, title=_("AI systems"))


@login_required
def system_cyclonedx(request, pk: int):
    system = get_object_or_404(AISystem.objects.restrict(request.user, "view"), pk=pk)
    response = HttpResponse(cyclonedx_export.system_bom_json(system), content_type="application/vnd.cyclonedx+json")
    safe = "".join(c for c in system.reference_code if c.isalnum() or c in "-_") or str(system.pk)
    response["Content-Disposition"] = f'attachment; filename="{safe}.cdx.json"'
    return response


@login_required
def import_template(request):
    _require_importer(request.user)
    if request.GET.get("format") == "csv":
        return HttpResponse(tabular.template_csv(), content_type=exports.CSV_CONTENT_TYPE,
                            headers={"Content-Disposition": 'attachment; filename="ai-systems-template.csv"'})
    return HttpResponse(tabular.template_xlsx(), content_type=exports.XLSX_CONTENT_TYPE,
                        headers={"Content-Disposition": 'attachment; filename="ai-systems-template.xlsx"'})


def _changeable_systems(user):
    return AISystem.objects.restrict(user, "change").filter(is_frozen=False).only("pk", "name", "reference_code")


def _plan(request, data: bytes, pending: dict, apply: bool, refresh: bool = False):
    """(result or plan, problems, is_bom) for the stored file."""
    system = None
    if pending.get("system"):
        system = _changeable_systems(request.user).filter(pk=pending["system"]).first()
        if system is None:
            raise PermissionDenied(_("You may not change this AI system."))
    if files.detect_format(pending["filename"], data) == "json":
        if apply:
            result = cyclonedx_import.apply_bom(actor=request.user, data=data, filename=pending["filename"],
                                                system=system, refresh=refresh)
            return result, result.problems, True
        plan = cyclonedx_import.plan_bom(actor=request.user, data=data, filename=pending["filename"], system=system)
        return plan, plan.problems, True
    if apply:
        result = tabular.apply_import(actor=request.user, data=data, filename=pending["filename"])
        return result, result.problems, False
    plan = tabular.plan_import(actor=request.user, data=data, filename=pending["filename"])
    return plan, plan.problems, False


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    _require_importer(request.user)
    context = {"systems": _changeable_systems(request.user).order_by("name")[:500],
               "max_mb": round(files.MAX_BYTES / 1024 / 1024), "max_rows": files.MAX_ROWS}
    step = request.POST.get("step")
    if request.method == "GET" or step not in ("preview", "apply", "cancel"):
        return render(request, "inventory/import.html", context)
    if step == "cancel":
        PENDING.forget(request)
        return redirect("inventory:import")

    if step == "preview":
        PENDING.forget(request)
        upload = request.FILES.get("file")
        if upload is None:
            context["upload_error"] = _("Choose a file to import.")
            return render(request, "inventory/import.html", context)
        if upload.size > files.MAX_BYTES:
            context["upload_error"] = str(ImportFileError(_("The file is too large; the limit is %(mb)s MB.")
                                                          % {"mb": context["max_mb"]}))
            return render(request, "inventory/import.html", context)
        data = upload.read()
        system_id = request.POST.get("system") or ""
        pending = PENDING.hold(request, data, upload.name, system=int(system_id) if system_id.isdigit() else None)
    else:
        held = PENDING.take(request, request.POST.get("token"))
        if held is None:
            messages.error(request, _("This import has expired or was already done; upload the file again."))
            return redirect("inventory:import")
        pending, data = held

    try:
        outcome, problems, is_bom = _plan(request, data, pending, apply=(step == "apply"),
                                          refresh=request.POST.get("refresh") == "1")
    except ImportFileError as error:
        PENDING.forget(request)
        context.update(file_problems=error.problems, filename=pending["filename"])
        return render(request, "inventory/import.html", context)
    except PermissionDenied as error:
        PENDING.forget(request)
        context.update(file_problems=[Problem(str(error))], filename=pending["filename"])
        return render(request, "inventory/import.html", context)

    if step == "apply" and not problems:
        PENDING.forget(request)
        if is_bom:
            messages.success(request, _("Imported: %(c)s components and %(d)s dependencies created, %(l)s links "
                                        "added%(card)s.") % {
                "c": outcome.created_components, "d": outcome.created_dependencies, "l": outcome.links,
                "card": _(", model card saved") if outcome.model_card else ""})
            if outcome.refreshed:
                messages.success(request, ngettext(
                    "%(n)s component already in the inventory refreshed from the document.",
                    "%(n)s components already in the inventory refreshed from the document.",
                    outcome.refreshed) % {"n": outcome.refreshed})
            if outcome.plan.system is not None:
                return redirect(outcome.plan.system.get_absolute_url())
        else:
            messages.success(request, _("Imported: %(c)s AI systems created, %(u)s updated.")
                             % {"c": len(outcome.created), "u": len(outcome.updated)})
        return redirect("inventory:portfolio")

    if problems:
        PENDING.forget(request)  # nothing can be applied from this file: it is not kept
    plan = outcome.plan if step == "apply" else outcome
    context.update(plan=plan, is_bom=is_bom, problems=problems, token=pending["token"], filename=pending["filename"],
                   applied_failed=(step == "apply"))
    if not problems:
        context["summary"] = plan.summary()
    return render(request, "inventory/import.html", context)
