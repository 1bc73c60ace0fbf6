"""Checking impact-assessment answers against their questionnaire template (pure functions, no database)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .catalogs import template_questions

MAX_TEXT = 20000


def _answer_error(question: dict, value) -> str | None:
    kind = question["type"]
    if kind == "text":
        if not isinstance(value, str):
            return _("Enter text.")
        if len(value) > MAX_TEXT:
            return _("At most %(n)d characters.") % {"n": MAX_TEXT}
    elif kind == "boolean":
        if not isinstance(value, bool):
            return _("Answer yes or no.")
    elif kind == "choice":
        if value not in {o["key"] for o in question["options"]}:
            return _("Choose one of the options.")
    elif kind == "multichoice":
        options = {o["key"] for o in question["options"]}
        if not isinstance(value, list) or any(v not in options for v in value) or len(set(value)) != len(value):
            return _("Choose among the options, each at most once.")
    elif kind == "scale":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= question["max"]:
            return _("Choose a value between 1 and %(n)d.") % {"n": question["max"]}
    return None


def _is_blank(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def check_answers(template: dict, answers, *, complete: bool) -> dict:
    """Validate answers (a draft may be partial; `complete` demands every required question). Returns them cleaned
    (text stripped, blanks dropped) or raises ValidationError keyed by question."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Answers must map question keys to values.")})
    questions = template_questions(template)
    errors: dict[str, str] = {}
    cleaned = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            errors[str(key)[:60]] = _("This question is not in the questionnaire.")
            continue
        if _is_blank(value):
            continue
        problem = _answer_error(question, value)
        if problem:
            errors[key] = problem
        else:
            cleaned[key] = value.strip() if isinstance(value, str) else value
    if complete:
        for key, question in questions.items():
            if question.get("required") and key not in cleaned and key not in errors:
                errors[key] = _("This question must be answered.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def dpia_required(template: dict, answers: dict) -> bool:
    """The template's screening rule: personal data plus at least `threshold` of its criteria."""
    rule = template.get("dpia_screening") or {}
    if not rule or not answers.get(rule.get("requires", "personal_data")):
        return False
    met = sum(1 for key in rule.get("criteria", ()) if answers.get(key) is True)
    return met >= int(rule.get("threshold", 2))
