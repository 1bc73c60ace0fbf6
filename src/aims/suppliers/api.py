"""Supplier API: the register, contacts, certifications, what each supplier provides to the inventory, assessments,
and onboarding (submit, approve through the approvals inbox, return, suspend)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status as HttpStatus

from aims.core.api import changes_of, visible
from aims.core.api_utils import InputSchema, ListParams, page_of, paginate, search, visible_or_field_error
from aims.core.models import OrgUnit, User
from aims.core.permissions import VIEW
from aims.inventory.models import Component, Dependency

from . import services
from .catalog import compute_score
from .models import (
    Art25Agreement, Assessment, Certification, Contact, Criticality, Questionnaire, Status, Supplier, Supply,
    TrainsOnData,
    ValueChainRole,
)

router = Router(tags=["suppliers"])

STATUSES = Literal[tuple(Status.values)]
CRITICALITIES = Literal[tuple(Criticality.values)]
TRAINS = Literal[tuple(TrainsOnData.values)]
ROLES = Literal[tuple(ValueChainRole.values)]
AGREEMENTS = Literal[tuple(Art25Agreement.values)]
SCHEMES = Literal[tuple(Certification.Scheme.values)]


class SubProcessor(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    country: str = Field("", max_length=2)
    purpose: str = Field("", max_length=500)
    ai: bool = Field(False, description="An AI sub-processor (a model or AI service the supplier relies on).")


class SupplierRead(Schema):
    id: int
    legal_name: str
    registration_number: str
    vat_number: str
    lei: str
    country: str
    website: str
    unit_id: int
    owner_id: int | None
    backup_id: int | None
    services: str
    status: str
    criticality: str = Field(description="Computed from the systems depending on what the supplier provides.")
    required_score: int | None
    score_exception: str
    clauses: list[str]
    dpa_signed_on: date | None
    hosting_countries: list[str]
    subprocessors: list[dict]
    trains_on_our_data: str
    prompt_retention_days: int | None
    output_retention_days: int | None
    model_change_notice_days: int | None
    model_provenance: str
    value_chain_role: str
    art25_agreement: str
    submitted_by_id: int | None
    submitted_at: datetime | None
    approved_by_id: int | None
    approved_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class _SupplierFields(InputSchema):
    registration_number: str | None = Field(None, max_length=60)
    vat_number: str | None = Field(None, max_length=40)
    lei: str | None = Field(None, max_length=20)
    country: str | None = Field(None, max_length=2)
    website: str | None = Field(None, max_length=200)
    owner_id: int | None = None
    backup_id: int | None = None
    services: str | None = Field(None, max_length=20000)
    required_score: int | None = Field(None, ge=0, le=100)
    score_exception: str | None = Field(None, max_length=5000)
    clauses: list[str] | None = Field(None, max_length=50)
    dpa_signed_on: date | None = None
    hosting_countries: list[str] | None = Field(None, max_length=50)
    subprocessors: list[SubProcessor] | None = Field(None, max_length=200)
    trains_on_our_data: TRAINS | None = None
    prompt_retention_days: int | None = Field(None, ge=0, le=100000)
    output_retention_days: int | None = Field(None, ge=0, le=100000)
    model_change_notice_days: int | None = Field(None, ge=0, le=100000)
    model_provenance: str | None = Field(None, max_length=20000)
    value_chain_role: ROLES | None = None
    art25_agreement: AGREEMENTS | None = None
    reason: str = Field("", max_length=5000)


class SupplierCreate(_SupplierFields):
    legal_name: str = Field(..., min_length=1, max_length=200)
    unit_id: int


class SupplierUpdate(_SupplierFields):
    NOT_NULL = ("legal_name", "unit_id", "registration_number", "vat_number", "lei", "country", "website", "services",
                "score_exception", "clauses", "hosting_countries", "subprocessors", "trains_on_our_data",
                "model_provenance", "value_chain_role", "art25_agreement")
    version: int
    legal_name: str | None = Field(None, min_length=1, max_length=200)
    unit_id: int | None = None


SUPPLIER_SORTS = {"name": ("legal_name",), "country": ("country", "legal_name"),
                  "criticality": ("criticality_rank", "legal_name"), "status": ("status", "legal_name"),
                  "updated": ("updated_at",)}


class SupplierFilters(ListParams):
    SORTS = SUPPLIER_SORTS
    status: STATUSES | None = None
    criticality: CRITICALITIES | None = None
    country: str | None = Field(None, max_length=2)
    unit: int | None = None
    owner: int | None = None


def _suppliers(user):
    return Supplier.objects.restrict(user, VIEW)


def _people_and_unit(user, payload, fields: dict) -> dict:
    sent = payload.model_fields_set
    for field in ("owner", "backup"):
        if f"{field}_id" in sent:
            fields[field] = visible_or_field_error(User, user, getattr(payload, f"{field}_id"), f"{field}_id")
    if "unit_id" in sent:
        fields["unit"] = visible_or_field_error(OrgUnit, user, payload.unit_id, "unit_id")
    if fields.get("subprocessors") is not None:
        fields["subprocessors"] = [{k: v for k, v in s.items() if v not in ("", False)}
                                   for s in fields["subprocessors"]]
    for field in ("owner_id", "backup_id", "unit_id"):
        fields.pop(field, None)
    return fields


@router.get("/suppliers", response=page_of(SupplierRead), summary="Suppliers in the caller's scope")
def supplier_list(request, filters: Query[SupplierFilters]):
    suppliers = _suppliers(request.user)
    for field, lookup in (("status", "status"), ("criticality", "criticality"), ("country", "country"),
                          ("unit", "unit_id"), ("owner", "owner_id")):
        value = getattr(filters, field)
        if value is not None:
            suppliers = suppliers.filter(**{lookup: value})
    suppliers = search(suppliers, filters.q, ["legal_name", "registration_number", "vat_number", "lei", "services"])
    return paginate(suppliers, filters, sorts=SUPPLIER_SORTS, default="name")


@router.post("/suppliers", response={201: SupplierRead}, summary="Register a supplier")
def supplier_create(request, payload: SupplierCreate):
    user = request.user
    fields = _people_and_unit(user, payload, changes_of(payload, exclude=("reason",)))
    legal_name, unit = fields.pop("legal_name"), fields.pop("unit")
    supplier = services.create_supplier(actor=user, legal_name=legal_name, unit=unit, reason=payload.reason,
                                        **{k: v for k, v in fields.items() if v is not None})
    return HttpStatus(201, supplier)


@router.get("/suppliers/{int:supplier_id}", response=SupplierRead, summary="One supplier")
def supplier_detail(request, supplier_id: int):
    return visible(_suppliers(request.user), supplier_id)


@router.patch("/suppliers/{int:supplier_id}", response=SupplierRead, summary="Change a supplier's facts")
def supplier_update(request, supplier_id: int, payload: SupplierUpdate):
    user = request.user
    supplier = visible(_suppliers(user), supplier_id)
    changes = _people_and_unit(user, payload, changes_of(payload))
    return services.update_supplier(actor=user, supplier=supplier, changes=changes, expected_version=payload.version,
                                    reason=payload.reason)


class OnboardingRead(Schema):
    status: str
    criticality: str
    required_score: int
    last_score: int | None
    required_clauses: list[str]
    missing_clauses: list[str]
    gaps: list[str] = Field(description="What is missing before approval, in the caller's language.")
    may_approve: bool


@router.get("/suppliers/{int:supplier_id}/onboarding", response=OnboardingRead,
            summary="What the onboarding gate still needs")
def supplier_onboarding(request, supplier_id: int):
    from aims.core import approvals

    supplier = visible(_suppliers(request.user), supplier_id)
    last = services.latest_completed(supplier)
    return {"status": supplier.status, "criticality": supplier.criticality,
            "required_score": services.required_score(supplier), "last_score": last.score if last else None,
            "required_clauses": services.required_clauses(supplier.criticality),
            "missing_clauses": services.missing_clauses(supplier),
            "gaps": [services.describe_gap(gap) for gap in services.onboarding_gaps(supplier)],
            "may_approve": supplier.status == Status.SUBMITTED
            and approvals.may_approve(request.user, services.APPROVAL, supplier)}


class SupplierReasonIn(InputSchema):
    reason: str = Field("", max_length=5000)


class SupplierDecisionIn(InputSchema):
    comment: str = Field("", max_length=5000)


@router.post("/suppliers/{int:supplier_id}/submit", response=SupplierRead,
             summary="Submit for approval (refused while something is missing)")
def supplier_submit(request, supplier_id: int, payload: SupplierReasonIn):
    supplier = visible(_suppliers(request.user), supplier_id)
    return services.submit_for_approval(actor=request.user, supplier=supplier, reason=payload.reason)


@router.post("/suppliers/{int:supplier_id}/approve", response=SupplierRead,
             summary="Approve the onboarding (an approver, never the person who submitted it)")
def supplier_approve(request, supplier_id: int, payload: SupplierDecisionIn):
    supplier = visible(_suppliers(request.user), supplier_id)
    return services.approve_supplier(actor=request.user, supplier=supplier, comment=payload.comment)


@router.post("/suppliers/{int:supplier_id}/return", response=SupplierRead,
             summary="Return the onboarding to its owner, saying what to correct")
def supplier_return(request, supplier_id: int, payload: SupplierDecisionIn):
    supplier = visible(_suppliers(request.user), supplier_id)
    return services.return_supplier(actor=request.user, supplier=supplier, comment=payload.comment)


@router.post("/suppliers/{int:supplier_id}/suspend", response=SupplierRead,
             summary="Suspend a supplier (its systems' go-live gate then fails)")
def supplier_suspend(request, supplier_id: int, payload: SupplierReasonIn):
    supplier = visible(_suppliers(request.user), supplier_id)
    return services.suspend_supplier(actor=request.user, supplier=supplier, reason=payload.reason)


# --- Contacts --------------------------------------------------------------------------------------------------------

class SupplierContactRead(Schema):
    id: int
    supplier_id: int
    name: str
    email: str
    function: str
    phone: str
    version: int


class SupplierContactCreate(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    email: str = Field(..., min_length=3, max_length=254)
    function: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)


@router.get("/suppliers/{int:supplier_id}/contacts", response=list[SupplierContactRead], summary="A supplier's contacts")
def contact_list(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    return list(supplier.contacts.order_by("name", "pk"))


@router.post("/suppliers/{int:supplier_id}/contacts", response={201: SupplierContactRead}, summary="Add a contact")
def contact_create(request, supplier_id: int, payload: SupplierContactCreate):
    supplier = visible(_suppliers(request.user), supplier_id)
    return HttpStatus(201, services.add_contact(actor=request.user, supplier=supplier, **payload.model_dump()))


@router.delete("/supplier-contacts/{int:contact_id}", response={204: None}, summary="Remove a contact")
def contact_delete(request, contact_id: int):
    contact = visible(Contact.objects.restrict(request.user, VIEW).select_related("supplier"), contact_id)
    services.remove_contact(actor=request.user, contact=contact)
    return HttpStatus(204, None)


# --- Certifications --------------------------------------------------------------------------------------------------

class CertificationRead(Schema):
    id: int
    supplier_id: int
    scheme: str
    reference: str
    valid_from: date | None
    valid_until: date | None
    version: int


class CertificationCreate(InputSchema):
    scheme: SCHEMES
    reference: str = Field("", max_length=200)
    valid_from: date | None = None
    valid_until: date | None = None


@router.get("/suppliers/{int:supplier_id}/certifications", response=list[CertificationRead],
            summary="A supplier's certifications with their validity")
def certification_list(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    return list(supplier.certifications.order_by("scheme", "pk"))


@router.post("/suppliers/{int:supplier_id}/certifications", response={201: CertificationRead},
             summary="Record a certification")
def certification_create(request, supplier_id: int, payload: CertificationCreate):
    supplier = visible(_suppliers(request.user), supplier_id)
    return HttpStatus(201, services.add_certification(actor=request.user, supplier=supplier,
                                                      **payload.model_dump()))


@router.delete("/supplier-certifications/{int:certification_id}", response={204: None},
               summary="Remove a certification")
def certification_delete(request, certification_id: int):
    certification = visible(Certification.objects.restrict(request.user, VIEW).select_related("supplier"),
                            certification_id)
    services.remove_certification(actor=request.user, certification=certification)
    return HttpStatus(204, None)


# --- What the supplier provides --------------------------------------------------------------------------------------

class SupplyRead(Schema):
    id: int
    supplier_id: int
    component_id: int | None
    dependency_id: int | None
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj.item)


class SupplyCreate(InputSchema):
    component_id: int | None = None
    dependency_id: int | None = None


@router.get("/suppliers/{int:supplier_id}/supplies", response=list[SupplyRead],
            summary="The inventory components and dependencies the supplier provides")
def supply_list(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    return list(supplier.supplies.select_related("component", "dependency").order_by("pk"))


@router.post("/suppliers/{int:supplier_id}/supplies", response={201: SupplyRead},
             summary="Link a component or a dependency of the inventory to the supplier")
def supply_create(request, supplier_id: int, payload: SupplyCreate):
    user = request.user
    supplier = visible(_suppliers(user), supplier_id)
    component = visible_or_field_error(Component, user, payload.component_id, "component_id")
    dependency = visible_or_field_error(Dependency, user, payload.dependency_id, "dependency_id")
    return HttpStatus(201, services.link_supply(actor=user, supplier=supplier, component=component,
                                                dependency=dependency))


@router.delete("/supplier-supplies/{int:supply_id}", response={204: None}, summary="Unlink a supplied item")
def supply_delete(request, supply_id: int):
    supply = visible(Supply.objects.restrict(request.user, VIEW).select_related("supplier"), supply_id)
    services.unlink_supply(actor=request.user, supply=supply)
    return HttpStatus(204, None)


# --- Assessments -----------------------------------------------------------------------------------------------------

class SupplierAssessmentRead(Schema):
    id: int
    supplier_id: int
    state: str
    score: int | None
    summary: str
    started_at: datetime | None
    completed_at: datetime | None
    reviewed_by_id: int | None
    version: int


class SupplierAssessmentStart(InputSchema):
    summary: str = Field("", max_length=20000)


class SupplierAssessmentComplete(InputSchema):
    score: int = Field(..., ge=0, le=100)
    summary: str = Field("", max_length=20000)


@router.get("/suppliers/{int:supplier_id}/assessments", response=list[SupplierAssessmentRead],
            summary="A supplier's assessments, newest first")
def assessment_list(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    return list(supplier.assessments.order_by("-started_at", "-pk"))


@router.post("/suppliers/{int:supplier_id}/assessments", response={201: SupplierAssessmentRead},
             summary="Start an assessment")
def assessment_start(request, supplier_id: int, payload: SupplierAssessmentStart):
    supplier = visible(_suppliers(request.user), supplier_id)
    return HttpStatus(201, services.start_assessment(actor=request.user, supplier=supplier, summary=payload.summary))


@router.post("/supplier-assessments/{int:supplier_assessment_id}/complete", response=SupplierAssessmentRead,
             summary="Complete an assessment with its score (0-100)")
def assessment_complete(request, supplier_assessment_id: int, payload: SupplierAssessmentComplete):
    assessment = Assessment.objects.restrict(request.user, VIEW).filter(pk=supplier_assessment_id).first()
    if assessment is None:
        raise Http404
    return services.complete_assessment(actor=request.user, assessment=assessment, score=payload.score,
                                        summary=payload.summary)


# --- Due-diligence questionnaires --------------------------------------------------------------------------------------

class SupplierQuestionnaireRead(Schema):
    id: int
    supplier_id: int
    contact_id: int | None
    contact_email: str
    assessment_id: int | None
    template_version: str
    language: str
    state: str
    expires_at: datetime
    sent_by_id: int | None
    sent_at: datetime | None
    submitted_at: datetime | None
    follow_up: str
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    summary: str
    score: int | None
    report_id: int | None
    version: int


class SupplierQuestionnaireDetail(SupplierQuestionnaireRead):
    answers: dict
    computed_score: int | None = Field(description="Computed from the answers (weighted choices, 0-100).")
    section_scores: dict
    questions: dict = Field(description="The template the questionnaire was sent with (sections and questions).")
    attachment_ids: list[int]

    @staticmethod
    def resolve_computed_score(obj) -> int | None:
        return compute_score(obj.template, obj.answers)[0]

    @staticmethod
    def resolve_section_scores(obj) -> dict:
        return compute_score(obj.template, obj.answers)[1]

    @staticmethod
    def resolve_questions(obj) -> dict:
        return obj.template

    @staticmethod
    def resolve_attachment_ids(obj) -> list[int]:
        return list(obj.attachments.order_by("pk").values_list("pk", flat=True))


class SupplierQuestionnaireSent(SupplierQuestionnaireRead):
    link: str = Field(description="The private link, given once: only its hash is kept.")


class SupplierQuestionnaireSend(InputSchema):
    contact_id: int
    days: int | None = Field(None, ge=1, le=180)


class SupplierQuestionnaireFollowUp(InputSchema):
    question: str = Field(..., min_length=1, max_length=5000)


class SupplierQuestionnaireReview(InputSchema):
    summary: str = Field("", max_length=20000)


def _questionnaire(user, questionnaire_id: int) -> Questionnaire:
    found = Questionnaire.objects.restrict(user, VIEW).select_related("supplier").filter(pk=questionnaire_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/suppliers/{int:supplier_id}/questionnaires", response=list[SupplierQuestionnaireRead],
            summary="A supplier's questionnaires, newest first")
def questionnaire_list(request, supplier_id: int):
    supplier = visible(_suppliers(request.user), supplier_id)
    return list(supplier.questionnaires.order_by("-sent_at", "-pk"))


@router.post("/suppliers/{int:supplier_id}/questionnaires", response={201: SupplierQuestionnaireSent},
             summary="Send the questionnaire to a contact (the private link is returned once)")
def questionnaire_send(request, supplier_id: int, payload: SupplierQuestionnaireSend):
    from django.conf import settings

    supplier = visible(_suppliers(request.user), supplier_id)
    contact = visible_or_field_error(Contact, request.user, payload.contact_id, "contact_id")
    questionnaire, secret = services.send_questionnaire(actor=request.user, supplier=supplier, contact=contact,
                                                        days=payload.days)
    questionnaire.link = settings.SITE_URL + services.questionnaire_link(secret)
    return HttpStatus(201, questionnaire)


@router.get("/supplier-questionnaires/{int:supplier_questionnaire_id}", response=SupplierQuestionnaireDetail,
            summary="One questionnaire with its answers and computed score")
def questionnaire_detail(request, supplier_questionnaire_id: int):
    return _questionnaire(request.user, supplier_questionnaire_id)


@router.post("/supplier-questionnaires/{int:supplier_questionnaire_id}/follow-up", response=SupplierQuestionnaireRead,
             summary="Return a submitted questionnaire to the supplier with a question")
def questionnaire_follow_up(request, supplier_questionnaire_id: int, payload: SupplierQuestionnaireFollowUp):
    questionnaire = _questionnaire(request.user, supplier_questionnaire_id)
    return services.return_for_follow_up(actor=request.user, questionnaire=questionnaire, question=payload.question)


@router.post("/supplier-questionnaires/{int:supplier_questionnaire_id}/review", response=SupplierQuestionnaireRead,
             summary="Review: complete the assessment with the computed score, keep the answers as evidence")
def questionnaire_review(request, supplier_questionnaire_id: int, payload: SupplierQuestionnaireReview):
    questionnaire = _questionnaire(request.user, supplier_questionnaire_id)
    return services.review_questionnaire(actor=request.user, questionnaire=questionnaire, summary=payload.summary)


@router.post("/supplier-questionnaires/{int:supplier_questionnaire_id}/revoke", response=SupplierQuestionnaireRead,
             summary="Revoke the private link")
def questionnaire_revoke(request, supplier_questionnaire_id: int, payload: SupplierReasonIn):
    questionnaire = _questionnaire(request.user, supplier_questionnaire_id)
    return services.revoke_questionnaire(actor=request.user, questionnaire=questionnaire, reason=payload.reason)
