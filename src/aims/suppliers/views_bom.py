"""A supplier's CycloneDX BOM page (services_bom.py): upload -> check (the dry run: what would be created, reused and
recorded as supplied, every problem at its JSON path) -> confirm, all or nothing. As on the inventory's import page,
the bytes wait in the file storage under a random token kept in the session, and confirming checks them again from
scratch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aims.core.pending_uploads import PendingUploads
from aims.inventory.exchange import files
from aims.inventory.exchange.files import ImportFileError, Problem
from aims.inventory.models import AISystem

from .services_bom import import_supplier_bom, plan_supplier_bom
from .views import visible_supplier

SESSION_KEY = "supplier_bom_import"
# In the inventory's folder: its daily job (inventory-import-uploads) purges the abandoned ones.
PENDING = PendingUploads(SESSION_KEY, files.UPLOAD_DIR)


def _systems(user):
    return AISystem.objects.restrict(user, "change").filter(is_frozen=False).only("pk", "name", "reference_code")


@login_required
@require_http_methods(["GET", "POST"])
def supplier_bom(request, pk: int):
    supplier = visible_supplier(request, pk, "change")
    context = {"supplier": supplier, "systems": _systems(request.user).order_by("name")[:500],
               "max_mb": round(files.MAX_BYTES / 1024 / 1024)}
    step = request.POST.get("step")
    if request.method == "GET" or step not in ("preview", "apply"):
        return render(request, "suppliers/supplier_bom.html", context)
    if step == "preview":
        PENDING.forget(request)
        upload = request.FILES.get("file")
        if upload is None or upload.size > files.MAX_BYTES:
            context["file_problems"] = [_("Choose a CycloneDX JSON file of at most %(mb)s MB.") % {
                "mb": context["max_mb"]}]
            return render(request, "suppliers/supplier_bom.html", context, status=400)
        data = upload.read()
        system_id = request.POST.get("system") or ""
        pending = PENDING.hold(request, data, upload.name, supplier=supplier.pk,
                               system=int(system_id) if system_id.isdigit() else None)
    else:
        held = PENDING.take(request, request.POST.get("token"), supplier=supplier.pk)
        if held is None:
            messages.error(request, _("This import has expired or was already done; upload the file again."))
            return redirect("suppliers:supplier_bom", pk=supplier.pk)
        pending, data = held
    system = None
    if pending.get("system"):
        system = _systems(request.user).filter(pk=pending["system"]).first()
    try:
        if step == "apply":
            result = import_supplier_bom(actor=request.user, supplier=supplier, data=data,
                                         filename=pending["filename"], system=system)
            if result.applied:
                PENDING.forget(request)
                messages.success(request, _("Imported: %(c)s components and %(d)s dependencies created; %(s)s "
                                            "components recorded as supplied by %(supplier)s.") % {
                    "c": result.bom.created_components, "d": result.bom.created_dependencies,
                    "s": len(result.supplies), "supplier": supplier.legal_name})
                return redirect(supplier.get_absolute_url() + "#supplies")
            plan, problems = result.bom.plan, result.problems
        else:
            plan = plan_supplier_bom(actor=request.user, supplier=supplier, data=data, filename=pending["filename"],
                                     system=system)
            problems = plan.problems
    except (ImportFileError, PermissionDenied) as error:
        PENDING.forget(request)
        context["file_problems"] = error.problems if isinstance(error, ImportFileError) else [Problem(str(error))]
        return render(request, "suppliers/supplier_bom.html", context, status=400)
    if problems:
        PENDING.forget(request)
    context.update(plan=plan, problems=problems, token=pending["token"], filename=pending["filename"],
                   summary=plan.summary(), supplied=sum(1 for item in plan.items if item.target == "component"))
    return render(request, "suppliers/supplier_bom.html", context, status=400 if problems else 200)
