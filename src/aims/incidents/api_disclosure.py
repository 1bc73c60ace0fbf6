"""Coordinated vulnerability disclosure API: the cases reported through the public form (list, read, the
conversation with the reporter, a reply, triage into a vulnerability with its embargo) and the advisory of a
vulnerability (read, write, publish, export as CycloneDX VEX or CSAF 2.0). The public form itself has no API: a
reporter has no account. A router of its own, added beside the vulnerabilities router in aims/api.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from aims.core.api import visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, search, visible_or_field_error
from aims.core.models import User
from aims.core.permissions import VIEW

from . import advisory_exports
from .models import (
    Advisory, AdvisoryState, CaseStatus, DisclosureCase, NotAffectedReason, Vulnerability, VulnerabilityKind,
)
from .models_disclosure import OPEN_CASE_STATUSES
from .services import advisories, disclosure

router = Router(tags=["disclosure"])


class DisclosureCaseRead(Schema):
    id: int
    reference: str
    summary: str
    details: str
    affected_product: str
    reporter_name: str
    reporter_email: str
    language: str
    status: str
    unit_id: int
    vulnerability_id: int | None
    embargo_until: date | None
    triage_note: str
    triaged_by_id: int | None
    triaged_at: datetime | None
    received_at: datetime
    link_expires_at: datetime
    link_revoked_at: datetime | None
    version: int


class DisclosureMessageRead(Schema):
    id: int
    author_kind: str = Field(description="`reporter` (through their private link) or `staff`.")
    author_id: int | None
    body: str
    created_at: datetime


class DisclosureReplyIn(InputSchema):
    body: str = Field(..., min_length=1, max_length=disclosure.MAX_TEXT)


class NewVulnerabilityIn(InputSchema):
    kind: Literal[tuple(VulnerabilityKind.values)]
    severity: str = Field("", max_length=20)
    cvss_vector: str = Field("", max_length=300)
    owner_id: int | None = Field(None, description="Defaults to the caller.")


class DisclosureTriageIn(InputSchema):
    status: Literal[tuple(CaseStatus.values)]
    vulnerability_id: int | None = Field(None, description="A known vulnerability the case is about.")
    new_vulnerability: NewVulnerabilityIn | None = Field(None, description="Or record a new one from the case.")
    embargo_until: date | None = Field(None, description="Nothing is published before this date.")
    note: str = Field("", max_length=disclosure.MAX_TEXT)
    version: int | None = None


class DisclosureFilters(ListParams):
    SORTS = {"received": ("received_at",), "status": ("status", "received_at")}
    status: Literal[tuple(CaseStatus.values) + ("open",)] | None = Field(None, description="`open`: not settled.")


class AdvisoryRead(Schema):
    id: int
    reference: str
    vulnerability_id: int
    status: str
    state: str
    not_affected_reason: str
    title_en: str
    title_fr: str
    summary_en: str
    summary_fr: str
    recommendation_en: str
    recommendation_fr: str
    fixed_in: str
    credit: str
    revision: int
    published_at: datetime | None
    revised_at: datetime | None
    version: int


class AdvisoryIn(InputSchema):
    state: Literal[tuple(AdvisoryState.values)] | None = None
    not_affected_reason: Literal[tuple(NotAffectedReason.values) + ("",)] | None = None
    title_en: str | None = Field(None, max_length=200)
    title_fr: str | None = Field(None, max_length=200)
    summary_en: str | None = Field(None, max_length=20000)
    summary_fr: str | None = Field(None, max_length=20000)
    recommendation_en: str | None = Field(None, max_length=20000)
    recommendation_fr: str | None = Field(None, max_length=20000)
    fixed_in: str | None = Field(None, max_length=200)
    credit: str | None = Field(None, max_length=200)
    version: int | None = Field(None, description="The version read, when the advisory exists.")


def _cases(user):
    return DisclosureCase.objects.restrict(user, VIEW)


@router.get("/disclosure-cases", response=page_of(DisclosureCaseRead),
            summary="Vulnerability reports received through the public form, in the caller's scope")
def disclosure_case_list(request, filters: Query[DisclosureFilters]):
    found = search(_cases(request.user), filters.q, ["summary", "reference", "affected_product"])
    if filters.status == "open":
        found = found.filter(status__in=OPEN_CASE_STATUSES)
    elif filters.status:
        found = found.filter(status=filters.status)
    return paginate(found, filters, sorts=DisclosureFilters.SORTS, default="-received")


@router.get("/disclosure-cases/{int:disclosure_case_id}", response=DisclosureCaseRead, summary="One disclosure case")
def disclosure_case_detail(request, disclosure_case_id: int):
    return visible(_cases(request.user), disclosure_case_id)


@router.get("/disclosure-cases/{int:disclosure_case_id}/messages", response=list[DisclosureMessageRead],
            summary="The conversation with the reporter, oldest first")
def disclosure_message_list(request, disclosure_case_id: int):
    return list(visible(_cases(request.user), disclosure_case_id).messages.order_by("created_at", "id"))


@router.post("/disclosure-cases/{int:disclosure_case_id}/messages", response={201: DisclosureMessageRead},
             summary="Write to the reporter (shown on their private page)")
def disclosure_reply(request, disclosure_case_id: int, payload: DisclosureReplyIn):
    case = visible(_cases(request.user), disclosure_case_id)
    return 201, disclosure.staff_reply(actor=request.user, case=case, body=payload.body)


@router.post("/disclosure-cases/{int:disclosure_case_id}/triage", response=DisclosureCaseRead,
             summary="Triage a case: its status, its vulnerability (known or new) and the embargo date")
def disclosure_triage(request, disclosure_case_id: int, payload: DisclosureTriageIn):
    case = visible(_cases(request.user), disclosure_case_id)
    vulnerability = (visible_or_field_error(Vulnerability, request.user, payload.vulnerability_id, "vulnerability_id")
                     if payload.vulnerability_id is not None else None)
    new = None
    if payload.new_vulnerability is not None:
        new = payload.new_vulnerability.dict()
        owner_id = new.pop("owner_id")
        new["owner"] = (visible_or_field_error(User, request.user, owner_id, "new_vulnerability.owner_id")
                        if owner_id else request.user)
    disclosure.triage_case(actor=request.user, case=case, status=payload.status, vulnerability=vulnerability,
                           new_vulnerability=new, embargo_until=payload.embargo_until, note=payload.note,
                           expected_version=payload.version)
    return visible(_cases(request.user), disclosure_case_id)


def _advisory(user, vulnerability_id: int) -> Advisory:
    vulnerability = visible(Vulnerability.objects.restrict(user, VIEW), vulnerability_id)
    return visible(Advisory.objects.restrict(user, VIEW).select_related("vulnerability"),
                   Advisory.objects.filter(vulnerability=vulnerability).values_list("pk", flat=True).first() or 0)


@router.get("/vulnerabilities/{int:vulnerability_id}/advisory", response=AdvisoryRead,
            summary="The advisory of a vulnerability")
def advisory_detail(request, vulnerability_id: int):
    return _advisory(request.user, vulnerability_id)


@router.put("/vulnerabilities/{int:vulnerability_id}/advisory", response=AdvisoryRead,
            summary="Write or change the advisory (English and French text, and its facts)")
def advisory_save(request, vulnerability_id: int, payload: AdvisoryIn):
    vulnerability = visible(Vulnerability.objects.restrict(request.user, VIEW), vulnerability_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version" and v is not None}
    return advisories.save_advisory(actor=request.user, vulnerability=vulnerability, changes=changes,
                                    expected_version=payload.version)


@router.post("/vulnerabilities/{int:vulnerability_id}/advisory/publish", response=AdvisoryRead,
             summary="Publish the advisory's next revision (after every embargo, in English and French)")
def advisory_publish(request, vulnerability_id: int):
    return advisories.publish_advisory(actor=request.user, advisory=_advisory(request.user, vulnerability_id))


@router.get("/vulnerabilities/{int:vulnerability_id}/advisory/cyclonedx", response=dict,
            summary="The advisory as a CycloneDX 1.6 VEX document")
def advisory_cyclonedx(request, vulnerability_id: int, lang: Literal["en", "fr"] = "en"):
    return advisory_exports.cyclonedx_vex(_advisory(request.user, vulnerability_id), request.user, lang)


@router.get("/vulnerabilities/{int:vulnerability_id}/advisory/csaf", response=dict,
            summary="The advisory as a CSAF 2.0 document (csaf_vex profile)")
def advisory_csaf(request, vulnerability_id: int, lang: Literal["en", "fr"] = "en"):
    return advisory_exports.csaf(_advisory(request.user, vulnerability_id), request.user, lang)
