"""How the History tab reads the inventory's JSON facts (models' `ledger_display`): labels in the reader's language,
never the stored keys (questionnaire answers, obligations, failed gate checks, approver slots)."""

from __future__ import annotations

from django.utils.translation import get_language

from aims.catalogs import localised

from . import ai_act, gates
from .models import ChangeApproval, ChangeDecision, Classification, GateOverride
from .models.governance import slot_label


def _language() -> str:
    return "fr" if (get_language() or "en").startswith("fr") else "en"


def answers(value, snapshot, memo) -> str:
    """Questionnaire answers: each question's text, then the labels of the choices given."""
    if not isinstance(value, dict):
        return str(value)
    if "ai_act" not in memo:
        memo["ai_act"] = {q["key"]: q for q in ai_act.catalogue()["questions"]}
    questions, language = memo["ai_act"], _language()
    parts = []
    for key, given in value.items():
        question = questions.get(key)
        if question is None:
            continue
        labels = {c.get("value"): localised(c.get("label"), language) for c in question.get("choices", ())}
        shown = [labels.get(v, v) for v in (given if isinstance(given, list) else [given])]
        parts.append(f"{localised(question.get('text'), language)} {', '.join(str(s) for s in shown)}")
    return " · ".join(parts) or "—"


def obligations(value, snapshot, memo) -> str:
    """The AI Act obligations: article and title of each."""
    language = _language()
    return " · ".join(f"{item.get('article', '')} {localised(item.get('title'), language)}".strip()
                      for item in value if isinstance(item, dict)) or "—"


def check_labels(checks) -> list[str]:
    """The labels of stored gate checks in the reader's language, found by their key (the label stored with them was
    in the language of whoever moved the system)."""
    labels = {check.key: str(check.label) for stage in gates.STAGE_ORDER for check in gates.checks_for(stage)}
    return [labels.get(item.get("key"), item.get("label", "")) for item in checks if isinstance(item, dict)]


def failed_checks(value, snapshot, memo) -> str:
    """The gate checks an override passed over, by their label in the reader's language."""
    return " · ".join(check_labels(value)) or "—"


def slots(value, snapshot, memo) -> str:
    """A change decision's required approvers, by their labels."""
    language = _language()
    return ", ".join(localised(item.get("label") or item.get("key"), language) for item in value
                     if isinstance(item, dict)) or "—"


def approval_slot(value, snapshot, memo) -> str:
    decision_id = snapshot.get("decision_id")
    key = ("decision", decision_id)
    if key not in memo:
        memo[key] = ChangeDecision.objects.filter(pk=decision_id).first()
    return slot_label(memo[key], value) if memo[key] is not None else str(value)


def register() -> None:
    """Attach the readings to the models (from InventoryConfig.ready: the models do not import this module)."""
    Classification.ledger_display = {"answers": answers, "obligations": obligations}
    GateOverride.ledger_display = {"failed_checks": failed_checks}
    ChangeDecision.ledger_display = {"required_approvers": slots}
    ChangeApproval.ledger_display = {"slot": approval_slot}
