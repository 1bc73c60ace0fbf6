"""The supplier catalogue (catalogs/suppliers.yaml): onboarding's required score, the contract clauses each
criticality requires, re-assessment intervals. Data, never constants in code."""

from __future__ import annotations

from aims.catalogs import load_catalog, localised

CATALOG = "suppliers"
# Criticality levels, lowest first ("" when nothing depends on the supplier).
CRITICALITY_ORDER = ["", "low", "medium", "high", "critical"]


def catalogue() -> dict:
    return load_catalog(CATALOG)


def clause_catalogue() -> list[dict]:
    return catalogue()["clauses"]


def clause_label(key: str, language: str = "en") -> str:
    found = next((c for c in clause_catalogue() if c["key"] == key), None)
    return localised(found["label"], language) if found else key


def default_required_score() -> int:
    return int(catalogue()["onboarding"]["required_score"])


def required_clauses(criticality: str) -> list[str]:
    """The clause keys a supplier of this criticality must have; an unused supplier needs those of the lowest."""
    rank = max(CRITICALITY_ORDER.index(criticality or ""), 1)
    return [c["key"] for c in clause_catalogue() if CRITICALITY_ORDER.index(c["required_from"]) <= rank]


# --- Due-diligence questionnaire (catalogs/supplier_questionnaire.yaml) ---------------------------------------------

QUESTIONNAIRE_CATALOG = "supplier_questionnaire"
CHOICES = ("yes", "partly", "no", "na")
CHOICE_VALUES = {"yes": 1.0, "partly": 0.5, "no": 0.0}  # "na" (not applicable) is left out of the score


def questionnaire_catalogue() -> dict:
    return load_catalog(QUESTIONNAIRE_CATALOG)


def questionnaire_template() -> dict:
    """The template a new questionnaire is sent with: {"version": ..., "sections": [...]}, a copy kept on it."""
    data = questionnaire_catalogue()
    return {"version": str(data["version"]), "sections": data["sections"]}


def default_link_days() -> int:
    return int(questionnaire_catalogue().get("link_days", 30))


def questions(template: dict) -> list[dict]:
    """Every question of a template (as kept on a questionnaire), in order, with its section's key."""
    return [dict(question, section=section["key"]) for section in template.get("sections", [])
            for question in section.get("questions", [])]


def is_required(question: dict) -> bool:
    return bool(question.get("required", True))


def compute_score(template: dict, answers: dict) -> tuple[int | None, dict[str, int | None]]:
    """Overall and per-section scores (0-100), computed from the choices: yes 1, partly 0.5, no 0, weighted by each
    question's weight; "not applicable", unanswered questions and free-text questions are left out. None where
    nothing could be scored."""
    sections: dict[str, int | None] = {}
    total_weight = total = 0.0
    for section in template.get("sections", []):
        weight_sum = points = 0.0
        for question in section.get("questions", []):
            value = answers.get(question["key"])
            if question.get("kind") != "choice" or value not in CHOICE_VALUES:
                continue
            weight = float(question.get("weight", 1))
            weight_sum += weight
            points += weight * CHOICE_VALUES[value]
        sections[section["key"]] = round(100 * points / weight_sum) if weight_sum else None
        total_weight += weight_sum
        total += points
    return (round(100 * total / total_weight) if total_weight else None), sections


def reassessment_months(criticality: str) -> int | None:
    """Months between two assessments for this criticality (None: no schedule, e.g. nothing depends on it)."""
    months = catalogue().get("reassessment_months", {}).get(criticality or "")
    return int(months) if months else None
