"""EU AI Act classification: a pure function from questionnaire answers to a proposed tier, role and obligations.

Every fact (questions, which answer leads where, tiers and their ranks, obligations, dates) comes from
`catalogs/ai_act.yaml`; this module only combines the effects the catalogue declares.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from aims.catalogs import load_catalog, localised

CATALOG = "ai_act"


@dataclass
class Proposal:
    tier: str
    role: str
    gpai: bool
    gpai_systemic: bool
    routes: list[str]
    derogation: bool
    matched: list[dict]  # [{question, value, article, label: {en, fr}, tier}]
    obligations: list[dict]  # [{key, article, title: {en, fr}, applies_from, applies_from_key}]
    rationale: list[dict]  # [{en, fr}]
    catalogue_version: str
    annex_iii_groups: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def rationale_text(self, language: str = "en") -> str:
        return "\n".join(localised(item, language) for item in self.rationale)


def catalogue() -> dict:
    return load_catalog(CATALOG)


def _visible(question: dict, answers: dict) -> bool:
    condition = question.get("show_if")
    if not condition:
        return True
    value = answers.get(condition["question"])
    if "in" in condition:
        return value in condition["in"]
    if condition.get("answered"):
        return bool(value)
    return True


def validate_answers(answers: dict, cat: dict | None = None) -> dict:
    """Check answers against the questions; return them normalised (multi answers as sorted lists, hidden ones dropped).

    Raises ValidationError keyed by question so a form can show each message next to its question.
    """
    cat = cat or catalogue()
    if not isinstance(answers, dict):
        raise ValidationError(_("Answers must be a mapping of question to answer."))
    questions = {q["key"]: q for q in cat["questions"]}
    errors: dict[str, str] = {}
    for key in answers:
        if key not in questions:
            errors[key] = _("Unknown question.")
    clean: dict = {}
    for key, question in questions.items():
        if not _visible(question, {**answers, **clean}):
            continue
        allowed = {str(c["value"]) for c in question["choices"]}
        value = answers.get(key)
        if question["type"] == "multi":
            values = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
            values = [str(v) for v in values]
            bad = [v for v in values if v not in allowed]
            if bad:
                errors[key] = _("Unknown choice: %(values)s.") % {"values": ", ".join(bad)}
            clean[key] = sorted(set(values))
        else:
            if value in (None, ""):
                if question.get("required"):
                    errors[key] = _("This question must be answered.")
                continue
            if str(value) not in allowed:
                errors[key] = _("Unknown choice: %(values)s.") % {"values": value}
            clean[key] = str(value)
    if errors:
        raise ValidationError(errors)
    return clean


def _selected_choices(question: dict, value) -> list[dict]:
    values = value if isinstance(value, list) else [value]
    return [c for c in question["choices"] if str(c["value"]) in values]


def _condition_holds(condition: dict, state: dict, answers: dict, choice_groups: dict) -> bool:
    if "tier" in condition:
        return state["tier"] == condition["tier"]
    if "tier_in" in condition:
        return state["tier"] in condition["tier_in"]
    if "route" in condition:
        return condition["route"] in state["routes"]
    if "gpai" in condition:
        return state["gpai"] == bool(condition["gpai"])
    if "systemic" in condition:
        return state["systemic"] == bool(condition["systemic"])
    if "derogation" in condition:
        return state["derogation"] == bool(condition["derogation"])
    if "answer" in condition:
        value = answers.get(condition["answer"])
        values = value if isinstance(value, list) else ([] if value is None else [value])
        if "includes" in condition:
            return condition["includes"] in values
        if "equals" in condition:
            return value == condition["equals"]
        if "includes_group" in condition:
            return any(choice_groups.get((condition["answer"], v)) == condition["includes_group"] for v in values)
    raise ValueError(f"unknown obligation condition in the catalogue: {condition}")


def _date_of(applies_from, routes: list[str], dates: dict) -> tuple[str | None, str | None]:
    if applies_from is None:
        return None, None
    if applies_from == "high_risk":
        keys = [f"high_risk_{route}" for route in routes if f"high_risk_{route}" in dates]
        if not keys:  # a high-risk obligation reached without a route cannot happen with a coherent catalogue
            keys = ["high_risk_annex_iii"]
        key = min(keys, key=lambda k: dates[k]["date"])
    else:
        key = applies_from
    return key, dates[key]["date"]


def propose(answers: dict, cat: dict | None = None) -> Proposal:
    """The tier, role, obligations and rationale that follow from `answers` under the catalogue."""
    cat = cat or catalogue()
    answers = validate_answers(answers, cat)
    texts = cat["rationale_texts"]
    tiers = {t["key"]: t for t in cat["tiers"]}
    roles = {r["key"]: r for r in cat["roles"]}
    lowest = min(tiers.values(), key=lambda t: t["rank"])["key"]
    choice_groups = {(q["key"], str(c["value"])): c.get("group") for q in cat["questions"] for c in q["choices"]}

    def say(key, **params):
        rationale.append({lang: localised(texts[key], lang) % {
            k: localised(v, lang) for k, v in params.items()} for lang in ("en", "fr")})

    rationale: list[dict] = []
    matched: list[dict] = []
    role, tier_by_route, derogation_articles = "", {}, []
    tier, routes, gpai, systemic, blocks_derogation = lowest, [], False, False, False
    high_risk_sources: list[tuple[str, str | None]] = []  # (tier, route) of every match, to apply the derogation

    for question in cat["questions"]:
        if question["key"] not in answers:
            continue
        for choice in _selected_choices(question, answers[question["key"]]):
            effect = choice.get("effect") or {}
            if "role" in effect:
                if role and effect["role"] != role and question.get("article"):
                    say("becomes_provider", article=question["article"])
                role = effect["role"]
            if effect.get("derogation"):
                derogation_articles.append(choice.get("article", ""))
            blocks_derogation |= bool(effect.get("blocks_derogation"))
            gpai |= bool(effect.get("gpai"))
            systemic |= bool(effect.get("systemic"))
            if "tier" in effect:
                article = choice.get("article") or question.get("article", "")
                matched.append({"question": question["key"], "value": str(choice["value"]), "article": article,
                                "label": choice["label"], "tier": effect["tier"], "route": effect.get("route"),
                                "group": choice.get("group")})
                high_risk_sources.append((effect["tier"], effect.get("route")))

    derogation = bool(derogation_articles) and not blocks_derogation
    effective = []
    for item in matched:
        if derogation and item["route"] == "annex_iii":
            continue  # Art. 6(3): the Annex III use case does not make the system high-risk
        effective.append(item)
    for item in effective:
        if tiers[item["tier"]]["rank"] > tiers[tier]["rank"]:
            tier = item["tier"]
        if item["route"] and item["route"] not in routes:
            routes.append(item["route"])
    if tier != "high_risk":
        routes = []

    if role:
        say("role", role=roles[role]["label"])
    for item in matched:
        say("matched", article=item["article"], label=item["label"], tier=tiers[item["tier"]]["label"])
    if derogation_articles and any(item["route"] == "annex_iii" for item in matched):
        say("derogation_applies" if derogation else "derogation_blocked", articles=", ".join(derogation_articles))
    if not matched:
        say("no_match")
    say("tier", tier=tiers[tier]["label"])
    if gpai:
        flag = cat["gpai_flag"]
        say("gpai", label=flag["systemic_label"] if systemic else flag["label"])

    state = {"tier": tier, "routes": routes, "gpai": gpai, "systemic": systemic, "derogation": derogation}
    obligations = []
    for obligation in cat["obligations"]:
        allowed_roles = obligation.get("roles", "any")
        if allowed_roles != "any" and role not in allowed_roles:
            continue
        if not all(_condition_holds(c, state, answers, choice_groups) for c in obligation.get("when") or []):
            continue
        date_key, date = _date_of(obligation.get("applies_from"), routes, cat["dates"])
        obligations.append({"key": obligation["key"], "article": obligation["article"], "title": obligation["title"],
                            "applies_from_key": date_key, "applies_from": date})

    groups = sorted({item["group"] for item in matched if item.get("group")})
    return Proposal(tier=tier, role=role, gpai=gpai, gpai_systemic=systemic, routes=routes, derogation=derogation,
                    matched=matched, obligations=obligations, rationale=rationale,
                    catalogue_version=str(cat["version"]), annex_iii_groups=groups)
