"""Inventory API, EU AI Act classification: the questionnaire (catalogue-driven, in the request's language), proposals
without saving, a system's classification and its sign-off. A router of its own, added beside api.py's in aims/api.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from aims.catalogs import localised
from aims.core.api_utils import InputSchema

from . import ai_act, services
from .api import REASON, ROLES, TIERS, system_for

router = Router(tags=["inventory"])


# --- Classification -------------------------------------------------------------------------------------------------------

class ClassificationRead(Schema):
    id: int
    system_id: int
    status: str
    answers: dict
    catalogue_version: str
    proposed_tier: str
    proposed_role: str
    final_tier: str
    final_role: str
    gpai: bool
    gpai_systemic: bool
    provisional: bool = Field(description="Some answers were \"don't know\": the pessimistic answer was assumed.")
    proposal: dict = Field(description="Tier, role, matched articles, exclusions, Annex I legislation, general-purpose "
                                       "AI track and the basis (facts rendered by the page in the reader's language).")
    obligations: list[dict] = Field(description="Each: key, article, title {en, fr}, binds (role), binds_other (a duty "
                                                "of someone else in the chain, listed for information), tier, "
                                                "applies_from (date).")
    rationale: str = Field(description="The classifier's own rationale (required when departing from the proposal).")
    classified_by_id: int
    classified_at: datetime
    reviewer_id: int | None
    signed_off_at: datetime | None
    review_comment: str
    reclassification_reason: str
    version: int


class ClassificationCurrent(Schema):
    system_id: int
    needs_reclassification: bool
    current: ClassificationRead | None


class ClassificationCreate(InputSchema):
    answers: dict[str, Any] = Field(description="Question key -> answer (a list for multiple-choice questions).")
    final_tier: TIERS | None = Field(None, description="Depart from the proposed tier (needs a rationale).")
    final_role: ROLES | None = None
    rationale: str = Field("", max_length=10000)
    reason: str = REASON


class ProposalRequest(InputSchema):
    answers: dict[str, Any]


class SignOff(InputSchema):
    comment: str = Field("", max_length=5000)


@router.get("/systems/{int:system_id}/classification", response=ClassificationCurrent,
            summary="The system's current EU AI Act classification")
def classification_get(request, system_id: int):
    system = system_for(request, system_id)
    return {"system_id": system.pk, "needs_reclassification": system.needs_reclassification,
            "current": services.current_classification(system)}


@router.post("/systems/{int:system_id}/classification", response={201: ClassificationRead},
             summary="Classify from questionnaire answers (the proposal is computed from the catalogue)")
def classification_create(request, system_id: int, payload: ClassificationCreate):
    system = system_for(request, system_id)
    return Status(201, services.classify_system(
        actor=request.user, system=system, answers=payload.answers, final_tier=payload.final_tier,
        final_role=payload.final_role, rationale=payload.rationale, reason=payload.reason))


@router.post("/systems/{int:system_id}/classification/sign-off", response=ClassificationRead,
             summary="Sign off the current classification (by someone other than the classifier)")
def classification_sign_off(request, system_id: int, payload: SignOff):
    system = system_for(request, system_id)
    current = services.current_classification(system)
    if current is None:
        raise ValidationError(_("The system has no classification to sign off."))
    return services.sign_off_classification(actor=request.user, classification=current, comment=payload.comment)


@router.post("/ai-act/proposal", response=dict, summary="What the questionnaire answers lead to, without saving")
def ai_act_proposal(request, payload: ProposalRequest):
    proposal = ai_act.propose(payload.answers)
    return {**proposal.as_dict(), "basis": ai_act.render_rationale(proposal.rationale, _language(request))}


def _language(request) -> str:
    return (getattr(request, "LANGUAGE_CODE", "") or "en")[:2]


class ChoiceRead(Schema):
    value: str
    label: str
    article: str = ""
    group: str = ""
    exclusive: bool = Field(False, description="Cannot be combined with another answer (\"none\", \"don't know\").")
    unknown: bool = Field(False, description="A \"don't know\": the pessimistic answer is assumed; provisional.")
    excluded: bool = Field(False, description="An exclusion the Act makes: cited in the basis, no tier.")


class QuestionRead(Schema):
    key: str
    type: Literal["single", "multi", "text"]
    required: bool
    section: str
    text: str
    article: str
    show_if: dict | None = Field(None, description="Asked only when this holds: {question, in: [values]}, "
                                                   "{question, not_in: [values]}, or {all|any: [conditions]}.")
    groups: list[dict]
    choices: list[ChoiceRead]
    max_length: int | None = None


class QuestionnaireRead(Schema):
    catalogue_version: str
    regulation: str
    language: str
    questions: list[QuestionRead]
    roles: list[dict]
    tiers: list[dict]


@router.get("/ai-act/questions", response=QuestionnaireRead,
            summary="The EU AI Act questionnaire: questions, choices and when each is asked (from the catalogue)")
def ai_act_questions(request):
    """Labels come in the request's language (Accept-Language or the person's choice); answer by `key` and `value`."""
    lang = _language(request)
    cat = ai_act.catalogue()
    questions = [{
        "key": q["key"], "type": q["type"], "required": q.get("required", True),
        "section": localised(q.get("section"), lang), "text": localised(q["text"], lang),
        "article": ai_act.cite(q.get("article", ""), lang), "show_if": q.get("show_if"),
        "groups": [{"key": g["key"], "label": localised(g["label"], lang)} for g in q.get("groups") or []],
        "max_length": q.get("max_length") if q["type"] == "text" else None,
        "choices": [{"value": str(c["value"]), "label": localised(c["label"], lang),
                     "article": ai_act.cite(c.get("article", ""), lang), "group": str(c.get("group") or ""),
                     "exclusive": bool(c.get("exclusive")), "unknown": bool(c.get("unknown")),
                     "excluded": bool(c.get("excluded"))} for c in q["choices"]],
    } for q in cat["questions"]]
    return {"catalogue_version": str(cat["version"]), "regulation": cat.get("regulation", ""), "language": lang,
            "questions": questions,
            "roles": [{"key": r["key"], "label": localised(r["label"], lang)} for r in cat["roles"]],
            "tiers": [{"key": t["key"], "label": localised(t["label"], lang)} for t in cat["tiers"]]}
