"""Supplier API: the register's exchange operations, as the pages offer them.

- the register export (CSV or XLSX): exactly the page's selection for the same query parameters (register.py);
- the register import (CSV or XLSX, importing.py) and a supplier's CycloneDX BOM (services_bom.py): without `confirm`
  a dry run that changes nothing and lists every problem; with `confirm=true` the file sent is checked again from
  scratch and applied all or nothing. (The API holds nothing between the two calls: the file is sent each time.)
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from aims.core import exports
from aims.core.api import visible
from aims.core.api_utils import visible_or_field_error
from aims.core.permissions import VIEW, can_anywhere
from aims.inventory.exchange.files import MAX_BYTES, ImportFileError
from aims.inventory.models import AISystem

from .importing import import_suppliers
from .models import Supplier
from .register import SORTS, export_rows, headers, selection
from .services_bom import import_supplier_bom, plan_supplier_bom

router = Router(tags=["suppliers"])
SORT_VALUES = Literal[tuple(value for key in SORTS for value in (key, f"-{key}"))]


class RegisterExportParams(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    q: str = Field("", max_length=200, description="Words searched in names, services and identifiers.")
    status: str = ""
    criticality: str | None = Field(None, description="A criticality code; empty: suppliers nothing depends on.")
    country: str = Field("", max_length=2)
    sort: SORT_VALUES | None = Field(None, description="The register's order (default: by name); '-' first for "
                                                        "descending.")


@router.get("/suppliers/export", response={200: None},
            summary="The register as CSV or XLSX: the page's selection for the same parameters, labels in the header "
                    "row (the caller's language), codes in the cells")
def register_export(request, params: Query[RegisterExportParams]):
    if not can_anywhere(request.user, VIEW, "suppliers"):
        raise PermissionDenied
    rows = export_rows(selection(request.user, request.GET).suppliers)
    if params.format == "xlsx":
        return exports.xlsx_response("suppliers.xlsx", headers(), rows, title=_("Suppliers"))
    return exports.csv_response("suppliers.csv", headers(), rows)


class ProblemRead(Schema):
    text: str = Field(description="The problem, where it is first (row and column, or JSON path).")
    message: str
    row: int | None = None
    column: str = ""
    path: str = ""


def _problems(problems) -> list[dict]:
    return [{"text": str(p), "message": p.message, "row": p.row, "column": p.column, "path": p.path}
            for p in problems]


def _data(file: UploadedFile) -> bytes:
    if file.size > MAX_BYTES:
        raise ImportFileError(_("The file is too large; the limit is %(mb)s MB.") % {"mb": MAX_BYTES // 1024 // 1024})
    return file.read()


class RegisterImportRead(Schema):
    applied: bool = Field(description="False for a dry run and for a refused file: then nothing was written.")
    rows: int
    to_create: int
    created_ids: list[int]
    problem_count: int
    problems: list[ProblemRead] = Field(description="The first 200 problems.")


@router.post("/suppliers/import", response={200: RegisterImportRead, 400: RegisterImportRead},
             summary="Import suppliers from CSV or XLSX (the export's columns): a dry run, or with confirm=true every "
                     "row created or none")
def register_import(request, file: File[UploadedFile], confirm: Form[bool] = False):
    try:
        data = _data(file)
    except ImportFileError as error:
        return Status(400, {"applied": False, "rows": 0, "to_create": 0, "created_ids": [],
                            "problem_count": len(error.problems), "problems": _problems(error.problems)})
    report = import_suppliers(actor=request.user, data=data, filename=file.name or "", dry_run=not confirm)
    body = {"applied": report.applied, "rows": report.rows, "to_create": report.to_create,
            "created_ids": report.created_ids, "problem_count": report.problem_count,
            "problems": _problems(report.problems)}
    return Status(200 if report.ok else 400, body)


class BomImportRead(Schema):
    applied: bool = Field(description="False for a dry run and for a refused file: then nothing was written.")
    summary: dict = Field(description="What the document holds: components and dependencies to create, known ones.")
    components_supplied: int = Field(description="Components the document lists, recorded as supplied by the "
                                                 "supplier (dry run: that would be).")
    created_components: int = 0
    created_dependencies: int = 0
    supplies_recorded: int = 0
    already_linked: int = 0
    problems: list[ProblemRead]
    warnings: list[str]


def _bom_refused(problems) -> Status:
    return Status(400, {"applied": False, "summary": {}, "components_supplied": 0, "problems": _problems(problems),
                        "warnings": []})


@router.post("/suppliers/{int:supplier_id}/bom", response={200: BomImportRead, 400: BomImportRead},
             summary="Link a supplier's CycloneDX BOM: a dry run, or with confirm=true its components imported and "
                     "recorded as supplied by the supplier, all or nothing")
def supplier_bom(request, supplier_id: int, file: File[UploadedFile], confirm: Form[bool] = False,
                 system_id: Form[int | None] = None):
    user = request.user
    supplier = visible(Supplier.objects.restrict(user, VIEW), supplier_id)
    system = visible_or_field_error(AISystem, user, system_id, "system_id", action="change")
    if system is not None and system.is_frozen:
        raise ValidationError({"system_id": _("This AI system is frozen: it cannot be changed.")})
    try:
        data = _data(file)
        if confirm:
            result = import_supplier_bom(actor=user, supplier=supplier, data=data, filename=file.name or "",
                                         system=system)
            plan, problems = result.bom.plan, result.problems
        else:
            result, plan = None, plan_supplier_bom(actor=user, supplier=supplier, data=data,
                                                   filename=file.name or "", system=system)
            problems = plan.problems
    except ImportFileError as error:
        return _bom_refused(error.problems)
    body = {"applied": bool(result and result.applied), "summary": plan.summary(),
            "components_supplied": sum(1 for item in plan.items if item.target == "component"),
            "problems": _problems(problems), "warnings": [str(w) for w in plan.warnings]}
    if result is not None and result.applied:
        body.update(created_components=result.bom.created_components,
                    created_dependencies=result.bom.created_dependencies, supplies_recorded=len(result.supplies),
                    already_linked=result.already_linked)
    return Status(400 if problems else 200, body)

