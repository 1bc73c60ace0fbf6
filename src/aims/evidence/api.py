"""Evidence API: the library (multipart uploads, checked by content and size, stored by SHA-256), versions and
downloads, generic links to any registered object, legal hold, re-confirmation, deletion under retention rules, and
evidence requests.

Every read goes through `restrict()`; writes call the services, whose errors api_errors.py turns into JSON.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from aims.core import registry
from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, visible_or_field_error
from aims.core.models import OrgUnit, User

from . import services, storage
from .models import EvidenceItem, EvidenceLink, EvidenceRequest, EvidenceVersion
from .views import FRESHNESS_FILTERS, SORTS as EVIDENCE_SORTS, freshness_filter

router = Router(tags=["evidence"])


class VersionRead(Schema):
    number: int
    sha256: str
    size: int
    content_type: str
    filename: str
    url: str
    note: str
    uploaded_by_id: int
    uploaded_at: datetime
    approved_by_id: int | None
    approved_at: datetime | None


class EvidenceRead(Schema):
    id: int
    reference: str
    title: str
    description: str
    kind: str
    evidence_type: str
    unit_id: int
    owner_id: int
    effective_date: date | None
    valid_from: date | None
    valid_until: date | None
    renewal_months: int | None
    expires_on: date | None
    freshness: str = Field(description="valid, expiring, expired, not_yet_valid, to_reconfirm or no_content.")
    retention_months: int
    retain_until: date
    legal_hold: bool
    legal_hold_reason: str
    reconfirm_required: bool
    reconfirm_reason: str = Field(description="Why re-confirmation is needed, in English (or as typed)")
    reconfirm_fact: dict | None = Field(description="The same reason as a fact: {message, params} or {text}")
    current_version: VersionRead | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_freshness(obj) -> str:
        return obj.freshness()


class EvidenceUpdate(InputSchema):
    version: int
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=20000)
    evidence_type: str | None = Field(None, max_length=40)
    owner_id: int | None = None
    unit_id: int | None = None
    effective_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    renewal_months: int | None = Field(None, ge=1, le=120)
    reason: str = Field("", max_length=5000)

    NOT_NULL = ("title", "description", "evidence_type", "owner_id", "unit_id")  # dates, renewal: null clears them


class EvidenceFilters(ListParams):
    type: str | None = Field(None, max_length=40)
    freshness: str | None = Field(None, max_length=20, description="valid, expiring, expired, not_yet_valid or "
                                                                   "to_reconfirm.")
    owner: int | None = None
    unit: int | None = None
    object_type: str | None = Field(None, max_length=60, description="Only items linked to this object (with "
                                                                     "object_id), e.g. compliance.control.")
    object_id: str | None = Field(None, max_length=64)

    SORTS = EVIDENCE_SORTS


class LinkRead(Schema):
    id: int
    object_type: str
    object_id: str
    object_label: str
    note: str
    linked_by_id: int
    linked_at: datetime


class LinkCreate(InputSchema):
    object_type: str = Field(..., max_length=60, description="The ledger object type, e.g. compliance.control.")
    object_id: str = Field(..., max_length=64)
    note: str = Field("", max_length=500)


class HoldChange(InputSchema):
    hold: bool
    reason: str = Field(..., min_length=1, max_length=5000)


class Reconfirm(InputSchema):
    note: str = Field(..., min_length=1, max_length=5000)


class Approve(InputSchema):
    comment: str = Field("", max_length=5000)


def _items(user):
    return EvidenceItem.objects.restrict(user, "view").select_related("current_version")


def _target(user, object_type: str, object_id: str, field: str = "object_id"):
    try:
        return registry.resolve(object_type, object_id, user, "view")
    except Http404:
        raise ValidationError({field: _("No such object, or not visible to you.")}) from None


@router.get("/evidence", response=page_of(EvidenceRead), summary="The evidence library")
def evidence_list(request, filters: Query[EvidenceFilters]):
    items = _items(request.user)
    if filters.q:
        from aims.core.api_utils import search

        items = search(items, filters.q, ["reference", "title"])
    if filters.type:
        items = items.filter(evidence_type=filters.type)
    if filters.freshness:
        if filters.freshness not in FRESHNESS_FILTERS:
            raise ValidationError({"freshness": _("Unknown freshness; use one of: %(list)s.")
                                   % {"list": ", ".join(FRESHNESS_FILTERS)}})
        items = freshness_filter(items, filters.freshness)
    if filters.owner:
        items = items.filter(owner_id=filters.owner)
    if filters.unit:
        items = items.filter(unit_id=filters.unit)
    if filters.object_type:
        items = items.filter(links__object_type=filters.object_type, links__object_id=filters.object_id or "")
    return paginate(items, filters, sorts=EVIDENCE_SORTS, default="-updated")


@router.post("/evidence", response={201: EvidenceRead},
             summary="Add evidence: a file (multipart field `file`) or a link (`url`)")
def evidence_create(request, title: Form[str], unit_id: Form[int], kind: Form[str] = "file",
                    evidence_type: Form[str] = "", description: Form[str] = "", owner_id: Form[int | None] = None,
                    effective_date: Form[date | None] = None, valid_from: Form[date | None] = None,
                    valid_until: Form[date | None] = None, renewal_months: Form[int | None] = None,
                    url: Form[str] = "", note: Form[str] = "", link_object_type: Form[str] = "",
                    link_object_id: Form[str] = "", file: File[UploadedFile] = None):
    user = request.user
    _refuse_if_too_large(request)
    unit = visible_or_field_error(OrgUnit, user, unit_id, "unit_id")
    owner = visible_or_field_error(User, user, owner_id, "owner_id") or user
    targets = [_target(user, link_object_type, link_object_id, "link_object_id")] if link_object_type else []
    item = services.create_evidence(
        actor=user, title=title, unit=unit, owner=owner, kind=kind, evidence_type=evidence_type,
        description=description, effective_date=effective_date, valid_from=valid_from, valid_until=valid_until,
        renewal_months=renewal_months, file=file, url=url, note=note, link_to=targets)
    return Status(201, visible(_items(user), item.pk))


@router.get("/evidence/{int:evidence_id}", response=EvidenceRead, summary="One evidence item")
def evidence_detail(request, evidence_id: int):
    return visible(_items(request.user), evidence_id)


@router.patch("/evidence/{int:evidence_id}", response=EvidenceRead, summary="Change an item's description or validity")
def evidence_update(request, evidence_id: int, payload: EvidenceUpdate):
    user = request.user
    item = visible(_items(user), evidence_id)
    changes = changes_of(payload)
    if "owner_id" in changes:
        changes["owner"] = visible_or_field_error(User, user, changes.pop("owner_id"), "owner_id")
    if "unit_id" in changes:
        changes["unit"] = visible_or_field_error(OrgUnit, user, changes.pop("unit_id"), "unit_id")
    services.update_evidence(actor=user, item=item, changes=changes, expected_version=payload.version,
                             reason=payload.reason)
    return visible(_items(user), evidence_id)


@router.delete("/evidence/{int:evidence_id}", response={204: None},
               summary="Delete an item: refused (422) under retention or legal hold")
def evidence_delete(request, evidence_id: int, reason: str = Query(..., min_length=1, max_length=5000)):
    item = visible(_items(request.user), evidence_id)
    services.delete_evidence(actor=request.user, item=item, reason=reason)
    return Status(204, None)


@router.get("/evidence/{int:evidence_id}/versions", response=list[VersionRead], summary="Versions, newest first")
def version_list(request, evidence_id: int):
    item = visible(_items(request.user), evidence_id)
    return list(item.versions.order_by("-number"))


@router.post("/evidence/{int:evidence_id}/versions", response={201: VersionRead},
             summary="Add a version (multipart field `file`, or `url` for a link)")
def version_create(request, evidence_id: int, url: Form[str] = "", note: Form[str] = "",
                   file: File[UploadedFile] = None):
    _refuse_if_too_large(request)
    item = visible(_items(request.user), evidence_id)
    return Status(201, services.add_version(actor=request.user, item=item, file=file, url=url, note=note))


@router.get("/evidence/{int:evidence_id}/versions/{int:number}/download",
            summary="The stored file of a version, as an attachment", response={200: None})
def version_download(request, evidence_id: int, number: int):
    item = visible(_items(request.user), evidence_id)
    version = EvidenceVersion.objects.filter(item=item, number=number).exclude(storage_name="").first()
    if version is None:
        raise Http404
    response = FileResponse(storage.open_blob(version.storage_name), as_attachment=True,
                            filename=version.filename or f"{item.reference}-v{number}",
                            content_type=version.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Digest"] = f"sha-256={version.sha256}"
    return response


@router.post("/evidence/{int:evidence_id}/versions/{int:number}/approve", response=VersionRead,
             summary="Approve a version (not by its uploader)")
def version_approve(request, evidence_id: int, number: int, payload: Approve):
    item = visible(_items(request.user), evidence_id)
    version = EvidenceVersion.objects.filter(item=item, number=number).first()
    if version is None:
        raise Http404
    return services.approve_version(actor=request.user, version=version, comment=payload.comment)


@router.get("/evidence/{int:evidence_id}/links", response=list[LinkRead], summary="What an item is linked to")
def link_list(request, evidence_id: int):
    item = visible(_items(request.user), evidence_id)
    return list(item.links.order_by("object_type", "object_id"))


@router.post("/evidence/{int:evidence_id}/links", response={201: LinkRead},
             summary="Link an item to any object (a control, requirement, obligation, risk, AI system...)")
def link_create(request, evidence_id: int, payload: LinkCreate):
    user = request.user
    item = visible(_items(user), evidence_id)
    target = _target(user, payload.object_type, payload.object_id)
    return Status(201, services.link_evidence(actor=user, item=item, target=target, note=payload.note))


@router.delete("/evidence/{int:evidence_id}/links/{int:link_id}", response={204: None}, summary="Remove a link")
def link_delete(request, evidence_id: int, link_id: int):
    item = visible(_items(request.user), evidence_id)
    link = visible(EvidenceLink.objects.filter(item=item), link_id)
    services.unlink_evidence(actor=request.user, link=link)
    return Status(204, None)


@router.post("/evidence/{int:evidence_id}/legal-hold", response=EvidenceRead, summary="Put on or lift a legal hold")
def legal_hold(request, evidence_id: int, payload: HoldChange):
    user = request.user
    item = visible(_items(user), evidence_id)
    if payload.hold:
        services.set_legal_hold(actor=user, item=item, reason=payload.reason)
    else:
        services.release_legal_hold(actor=user, item=item, reason=payload.reason)
    return visible(_items(user), evidence_id)


@router.post("/evidence/{int:evidence_id}/reconfirm", response=EvidenceRead,
             summary="Confirm that flagged evidence still holds")
def reconfirm(request, evidence_id: int, payload: Reconfirm):
    item = visible(_items(request.user), evidence_id)
    services.reconfirm_evidence(actor=request.user, item=item, note=payload.note)
    return visible(_items(request.user), evidence_id)


def _refuse_if_too_large(request) -> None:
    if getattr(request, "evidence_upload_too_large", False):
        raise ValidationError({"file": _("The file is larger than the limit of %(limit)s MB.")
                               % {"limit": round(storage.max_upload_bytes() / 1024 / 1024)}})


# --- Requests ------------------------------------------------------------------------------------------------------------

class RequestRead(Schema):
    id: int
    title: str
    description: str
    requested_from_id: int
    requested_by_id: int
    unit_id: int
    due_date: date
    evidence_type: str
    object_type: str
    object_id: str
    object_label: str
    status: str
    fulfilled_item_id: int | None
    closed_at: datetime | None
    close_note: str
    escalated_to_id: int | None
    escalated_on: date | None
    version: int


class RequestCreate(InputSchema):
    title: str = Field(..., min_length=1, max_length=300)
    requested_from_id: int
    due_date: date
    description: str = Field("", max_length=20000)
    evidence_type: str = Field("", max_length=40)
    unit_id: int | None = None
    object_type: str = Field("", max_length=60)
    object_id: str = Field("", max_length=64)


class RequestFilters(ListParams):
    status: str | None = Field(None, max_length=10)
    mine: bool = Field(False, description="Only requests asked of the caller.")

    SORTS = {"due": ("due_date",)}


class RequestAnswer(InputSchema):
    item_id: int = Field(..., description="An existing evidence item answering the request (upload it first).")
    note: str = Field("", max_length=5000)


class RequestCancel(InputSchema):
    reason: str = Field(..., min_length=1, max_length=5000)


def _requests(user):
    return EvidenceRequest.objects.restrict(user, "view")


@router.get("/evidence-requests", response=page_of(RequestRead), summary="Evidence requests")
def request_list(request, filters: Query[RequestFilters]):
    requests = _requests(request.user)
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.mine:
        requests = requests.filter(requested_from=request.user)
    return paginate(requests, filters, sorts=RequestFilters.SORTS, default="due")


@router.post("/evidence-requests", response={201: RequestRead}, summary="Ask a person for evidence by a date")
def request_create(request, payload: RequestCreate):
    user = request.user
    person = visible_or_field_error(User, user, payload.requested_from_id, "requested_from_id")
    unit = visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id")
    target = _target(user, payload.object_type, payload.object_id) if payload.object_type else None
    created = services.request_evidence(actor=user, requested_from=person, title=payload.title,
                                        due_date=payload.due_date, description=payload.description,
                                        evidence_type=payload.evidence_type, target=target, unit=unit)
    return Status(201, created)


@router.get("/evidence-requests/{int:request_id}", response=RequestRead, summary="One evidence request")
def request_detail(request, request_id: int):
    return visible(_requests(request.user), request_id)


@router.post("/evidence-requests/{int:request_id}/fulfil", response=RequestRead,
             summary="Answer a request with an evidence item")
def request_fulfil(request, request_id: int, payload: RequestAnswer):
    user = request.user
    evidence_request = visible(_requests(user), request_id)
    item = visible_or_field_error(EvidenceItem, user, payload.item_id, "item_id")
    return services.fulfil_request(actor=user, request=evidence_request, item=item, note=payload.note)


@router.post("/evidence-requests/{int:request_id}/cancel", response=RequestRead, summary="Cancel a request")
def request_cancel(request, request_id: int, payload: RequestCancel):
    evidence_request = visible(_requests(request.user), request_id)
    return services.cancel_request(actor=request.user, request=evidence_request, reason=payload.reason)

