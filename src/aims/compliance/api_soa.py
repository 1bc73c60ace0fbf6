"""Statement of Applicability API: the live entries (with controls and the risks that require them), deciding an entry,
submitting a version, its approval through the inbox, and the exports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema, visible_or_field_error
from aims.core.exports import XLSX_CONTENT_TYPE
from aims.core.models import User

from . import exports_soa, services
from .models import Control, SoAEntry, SoAVersion
from .services import soa
from .views_frameworks import require_compliance_reader

router = Router(tags=["compliance"])

APPLICABILITY = Literal[tuple(SoAEntry.Applicability.values)]
IMPLEMENTATION = Literal[tuple(SoAEntry.Implementation.values)]


class LinkedControl(Schema):
    id: int
    reference: str
    title: str
    is_ready: bool


class LinkedRisk(Schema):
    id: int
    title: str


class EntryRead(Schema):
    id: int
    requirement_id: int
    ref: str = Field(description="The Annex A control, e.g. A.7.4.")
    title_en: str
    title_fr: str
    applicability: str
    justification: str
    implementation: str
    owner_id: int | None
    controls: list[LinkedControl]
    risks: list[LinkedRisk] = Field(description="Risks whose treatment requires it (through its controls).")
    version: int

    @staticmethod
    def resolve_ref(obj) -> str:
        return obj.requirement.ref

    @staticmethod
    def resolve_title_en(obj) -> str:
        return obj.requirement.title_en

    @staticmethod
    def resolve_title_fr(obj) -> str:
        return obj.requirement.title_fr

    @staticmethod
    def resolve_controls(obj) -> list:
        return obj.linked_controls

    @staticmethod
    def resolve_risks(obj) -> list:
        return obj.risks


class EntryUpdate(InputSchema):
    version: int
    applicability: APPLICABILITY | None = None
    justification: str | None = Field(None, max_length=20000)
    implementation: IMPLEMENTATION | None = None
    owner_id: int | None = None
    control_ids: list[int] | None = Field(None, description="The controls implementing it (replaces the list).")
    reason: str = Field("", max_length=5000)

    NOT_NULL = ("applicability", "justification", "implementation")  # owner_id: null clears the owner


class VersionRead(Schema):
    id: int
    number: int
    status: str
    summary: str
    submitted_by_id: int
    submitted_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    decision_comment: str
    catalogue_version: str
    previous_id: int | None
    changes: list[dict]
    entries: list[dict]


class VersionSubmit(InputSchema):
    summary: str = Field(..., min_length=1, max_length=20000)


class Decision(InputSchema):
    comment: str = Field("", max_length=20000)


class ExportParams(Schema):
    format: Literal["xlsx", "pdf"] = "xlsx"
    language: Literal["en", "fr"] = "en"
    version: int | None = Field(None, description="A version number; default: the approved one, else the live entries.")


def _entry(user, pk: int) -> SoAEntry:
    visible(SoAEntry.objects.restrict(user, "view"), pk)
    return next(e for e in soa.entries_with_links(user) if e.pk == pk)


@router.get("/soa", response=list[EntryRead], summary="The Statement of Applicability (live entries)")
def entry_list(request):
    require_compliance_reader(request.user)
    return soa.entries_with_links(request.user)


@router.patch("/soa/{int:entry_id}", response=EntryRead, summary="Decide an Annex A control (justification required)")
def entry_update(request, entry_id: int, payload: EntryUpdate):
    user = request.user
    entry = visible(SoAEntry.objects.restrict(user, "view").select_related("requirement"), entry_id)
    changes = changes_of(payload, exclude=("version", "reason", "control_ids", "owner_id"))
    if "owner_id" in payload.model_fields_set:
        changes["owner"] = visible_or_field_error(User, user, payload.owner_id, "owner_id")
    controls = None
    if payload.control_ids is not None:
        from aims.core.api_utils import visible_set_or_field_error

        controls = visible_set_or_field_error(Control, user, payload.control_ids, "control_ids")
    services.update_soa_entry(actor=user, entry=entry, changes=changes, controls=controls,
                              expected_version=payload.version, reason=payload.reason)
    return _entry(user, entry_id)


@router.get("/soa/versions", response=list[VersionRead], summary="Versions, newest first")
def version_list(request):
    return list(SoAVersion.objects.restrict(request.user, "view").order_by("-number"))


@router.post("/soa/versions", response={201: VersionRead}, summary="Freeze the entries as a version to approve")
def version_submit(request, payload: VersionSubmit):
    return Status(201, services.submit_soa_version(actor=request.user, summary=payload.summary))


@router.get("/soa/versions/{int:version_id}", response=VersionRead, summary="One version, with what changed")
def version_detail(request, version_id: int):
    return visible(SoAVersion.objects.restrict(request.user, "view"), version_id)


@router.post("/soa/versions/{int:version_id}/approve", response=VersionRead,
             summary="Approve (an AIMS manager other than the submitter)")
def version_approve(request, version_id: int, payload: Decision):
    version = visible(SoAVersion.objects.all(), version_id)
    return services.approve_soa_version(actor=request.user, version=version, comment=payload.comment)


@router.post("/soa/versions/{int:version_id}/return", response=VersionRead, summary="Return with a comment")
def version_return(request, version_id: int, payload: Decision):
    version = visible(SoAVersion.objects.all(), version_id)
    return services.return_soa_version(actor=request.user, version=version, comment=payload.comment)


@router.get("/soa/export", summary="The SoA as XLSX or PDF, in English or French", response={200: None})
def export(request, params: Query[ExportParams]):
    user = request.user
    require_compliance_reader(user)
    if params.version is not None:
        version = SoAVersion.objects.restrict(user, "view").filter(number=params.version).first()
        if version is None:
            raise Http404
        entries = version.entries
    else:
        version = soa.last_approved()
        entries = version.entries if version else soa.snapshot(soa.entries_with_links(user))
    name = f"statement-of-applicability-{timezone.localtime():%Y%m%d}-{params.language}.{params.format}"
    if params.format == "pdf":
        response = HttpResponse(exports_soa.pdf(entries, version, params.language), content_type="application/pdf")
    else:
        response = HttpResponse(exports_soa.xlsx(entries, version, params.language), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
