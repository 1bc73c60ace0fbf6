"""EU AI Act classification: a pure function from questionnaire answers to a proposal (tier, role, duties, basis).

Every fact (questions, which answer leads where, exclusions, Annex I legislation, tiers, obligations, dates) comes from
`catalogs/ai_act.yaml`; this module combines what the catalogue declares:

1. scope first (Art. 3(1), Art. 2 exclusions, Union link): out of scope is a result with its basis;
2. the organisation's role (Art. 25 may make a deployer, importer or distributor a provider; a product manufacturer
   acts as provider of a high-risk AI system in its product);
3. what the system is: prohibited practices, Annex I legislation (named, with the third-party assessment), Annex III
   uses with their exclusions and the Art. 6(3) derogation, transparency cases;
4. the duties that bind the organisation in that role, and those that bind someone else in the chain; the tier
   shown follows from them (an Art. 50(2) case makes a deployer's tier "transparency" only if a duty binds it);
5. general-purpose AI as a track of its own (the model provider's duties), and the upstream model a system rests on.

"Don't know" answers take the pessimistic effect the catalogue gives them and make the proposal provisional.
The proposal stores facts (codes, canonical citations, the catalogue's bilingual labels); words are rendered in the
reader's language at display time (`render_rationale`, `cite`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from aims.catalogs import load_catalog, localised

CATALOG = "ai_act"
LANGUAGES = ("en", "fr")


@dataclass
class Proposal:
    tier: str  # the tier shown to the organisation: derived from the duties that bind it in its role
    role: str  # the role the organisation holds (after Art. 25(1))
    gpai: bool
    gpai_systemic: bool
    routes: list[str]
    derogation: bool
    matched: list[dict]  # [{question, value, article, label: {en, fr}, tier, route, group, unknown}]
    # The duties: [{key, article, title: {en, fr}, binds, binds_label: {en, fr}, binds_other, tier,
    #               applies_from (ISO date or None), applies_from_key}]. `binds_other` marks a duty of someone else
    # in the chain, listed for information. The compliance module keys its obligations register on `key`.
    obligations: list[dict]
    rationale: list[dict]  # [{text: key of rationale_texts, params: {...}}], rendered at display time
    catalogue_version: str
    annex_iii_groups: list[str] = field(default_factory=list)
    system_tier: str = ""  # what the system is, whatever the organisation's role
    acting_role: str = ""  # the role whose duties apply (a product manufacturer acts as provider)
    out_of_scope: bool = False
    provisional: bool = False
    unknowns: list[str] = field(default_factory=list)  # questions answered "don't know"
    exclusions: list[dict] = field(default_factory=list)  # exclusions the organisation stated, cited in the basis
    annex_i: list[dict] = field(default_factory=list)  # [{key, section, point, act, label, high_risk}]
    gpai_result: str = ""  # "", "gpai_model" or "gpai_model_systemic": the general-purpose AI track
    gpai_open_source_exempt: bool = False
    upstream_gpai: bool = False
    upstream_model: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    def binding_obligations(self) -> list[dict]:
        return [o for o in self.obligations if not o.get("binds_other")]

    def rationale_text(self, language: str = "en", cat: dict | None = None) -> str:
        return "\n".join(render_rationale(self.rationale, language, cat))


# --- Catalogue ---------------------------------------------------------------------------------------------------------

def catalogue() -> dict:
    """The AI Act catalogue with the Annex I legislation expanded into the choices of the question that lists it."""
    cat = load_catalog(CATALOG)
    for question in cat["questions"]:
        source = question.pop("choices_from", None)
        if source:
            generated = [{"value": law["key"], "group": law["section"], "legislation": law,
                          "article": f"Annex I Section {law['section']} point {law['point']}",
                          "label": {lang: f"{localised(law['label'], lang)} ({law['act']})" for lang in LANGUAGES}}
                         for law in cat[source]]
            question["choices"] = generated + question.get("choices", [])
    return cat


def cite(reference: str, language: str = "en") -> str:
    """A canonical (English) article reference in `language`: "Annex III point 4(a)" -> "annexe III, point 4 a)"."""
    if not reference or language != "fr":
        return reference or ""
    text = re.sub(r"\bAnnexes ([IVX]+) and ([IVX]+)", r"annexes \1 et \2", reference)
    text = re.sub(r"\bAnnex ([IVX]+) Section ([AB]) point (\d+)", r"annexe \1, section \2, point \3", text)
    text = re.sub(r"\bAnnex ([IVX]+) point (\d+)\(([a-z])\)", r"annexe \1, point \2 \3)", text)
    text = re.sub(r"\bAnnex ([IVX]+) point (\d+)", r"annexe \1, point \2", text)
    text = re.sub(r"\bAnnex ([IVX]+) Section ([AB])", r"annexe \1, section \2", text)
    text = re.sub(r"\bAnnex ([IVX]+)", r"annexe \1", text)
    text = text.replace("Art. ", "art. ").replace(", last subparagraph", ", dernier alinéa")
    # Union acts: "Regulation (EU) No 168/2013" -> "règlement (UE) n° 168/2013", "Directive 2014/53/EU" -> "/UE".
    text = re.sub(r"\bRegulation \((EU|EC)\)( No)?", lambda m: "règlement (" + {"EU": "UE", "EC": "CE"}[m.group(1)]
                  + ")" + (" n°" if m.group(2) else ""), text)
    text = re.sub(r"\bDirective( \(EU\))?", lambda m: "directive" + (" (UE)" if m.group(1) else ""), text)
    text = re.sub(r"/(EU|EC)\b", lambda m: "/" + {"EU": "UE", "EC": "CE"}[m.group(1)], text)
    return text.replace(" and ", " et ")


def render_rationale(items: list, language: str = "en", cat: dict | None = None) -> list[str]:
    """The basis sentences in `language`. Older classifications stored {en, fr} sentences; they still render."""
    texts = (cat or load_catalog(CATALOG))["rationale_texts"]
    lines = []
    for item in items or []:
        if "text" not in item:
            lines.append(localised(item, language))
            continue
        template = localised(texts.get(item["text"], item["text"]), language)
        params = {name: _param(name, value, language) for name, value in (item.get("params") or {}).items()}
        try:
            lines.append(template % params)
        except (KeyError, TypeError, ValueError):  # an administrator's catalogue with another wording
            lines.append(template)
    return lines


def _param(name: str, value, language: str) -> str:
    if name in ("article", "articles", "act"):
        values = value if isinstance(value, list) else [value]
        return ", ".join(cite(str(v), language) for v in values)
    if isinstance(value, list):
        return ", ".join(localised(v, language) if isinstance(v, dict) else str(v) for v in value)
    return localised(value, language)


# --- Visibility and validation --------------------------------------------------------------------------------------

def condition_holds(condition: dict | None, answers: dict) -> bool:
    """Whether a `show_if` condition holds for the answers given so far."""
    if not condition:
        return True
    if "all" in condition:
        return all(condition_holds(c, answers) for c in condition["all"])
    if "any" in condition:
        return any(condition_holds(c, answers) for c in condition["any"])
    value = answers.get(condition["question"])
    values = [str(v) for v in value] if isinstance(value, list) else ([] if value in (None, "") else [str(value)])
    if "in" in condition:
        return any(v in condition["in"] for v in values)
    if "not_in" in condition:
        return any(v not in condition["not_in"] for v in values)
    raise ValueError(f"unknown show_if condition in the catalogue: {condition}")


def visible_questions(answers: dict, cat: dict | None = None) -> list[str]:
    """Keys of the questions asked for these answers, in order."""
    cat = cat or catalogue()
    return [q["key"] for q in cat["questions"] if condition_holds(q.get("show_if"), answers)]


def validate_answers(answers: dict, cat: dict | None = None) -> dict:
    """Check answers against the questions; return them normalised (multi answers as sorted lists, hidden ones dropped).

    Every visible question must be answered: a blank is never read as "No". Raises ValidationError keyed by question
    so a form can show each message next to its question.
    """
    cat = cat or catalogue()
    if not isinstance(answers, dict):
        raise ValidationError(_("Answers must be a mapping of question to answer."))
    questions = {q["key"]: q for q in cat["questions"]}
    errors: dict[str, str] = {key: _("Unknown question.") for key in answers if key not in questions}
    clean: dict = {}
    for key, question in questions.items():
        if not condition_holds(question.get("show_if"), clean):
            continue
        value = answers.get(key)
        required = question.get("required", True)
        if question["type"] == "text":
            text = "" if value is None else str(value).strip()
            if not text:
                if required:
                    errors[key] = _("This question must be answered.")
                continue
            limit = int(question.get("max_length", 500))
            if len(text) > limit:
                errors[key] = _("At most %(n)s characters.") % {"n": limit}
            clean[key] = text[:limit]
            continue
        choices = {str(c["value"]): c for c in question["choices"]}
        if question["type"] == "multi":
            values = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
            values = sorted({str(v) for v in values if str(v) != ""})
            bad = [v for v in values if v not in choices]
            if bad:
                errors[key] = _("Unknown choice: %(values)s.") % {"values": ", ".join(bad)}
            elif not values:
                if required:
                    errors[key] = _("Tick every answer that applies, or “none of these” or “don't know”.")
                continue
            elif len(values) > 1 and any(choices[v].get("exclusive") for v in values):
                errors[key] = _("“None of these” and “don't know” cannot be combined with another answer.")
            clean[key] = values
        else:
            if value in (None, "") or isinstance(value, (list, dict)):
                if required or isinstance(value, (list, dict)):
                    errors[key] = _("This question must be answered.")
                continue
            if str(value) not in choices:
                errors[key] = _("Unknown choice: %(values)s.") % {"values": value}
            clean[key] = str(value)
    if errors:
        raise ValidationError(errors)
    return clean


def missing_answers(answers: dict, cat: dict | None = None) -> dict[str, str]:
    """{question key: message} for what stops a proposal (empty when the answers are complete and valid)."""
    try:
        validate_answers(answers, cat)
    except ValidationError as error:
        return {key: " ".join(messages) for key, messages in error.message_dict.items()}
    return {}


# --- The proposal -------------------------------------------------------------------------------------------------

def _selected(question: dict, value) -> list[dict]:
    values = value if isinstance(value, list) else [value]
    return [c for c in question["choices"] if str(c["value"]) in values]


def _date_of(applies_from, routes: list[str], cat: dict) -> tuple[str | None, str | None]:
    if applies_from is None:
        return None, None
    dates = cat["dates"]
    if applies_from == "high_risk":
        keys = [cat["routes"][route]["date"] for route in routes if route in cat["routes"]]
        key = min(keys, key=lambda k: dates[k]["date"]) if keys else "high_risk_annex_iii"
    else:
        key = applies_from
    return key, dates[key]["date"]


class _Evaluation:
    """The state the obligations' `when` conditions are checked against."""

    def __init__(self, *, answers, system_tier, routes, effective, gpai, systemic, open_source_exempt, upstream,
                 derogation, choice_groups):
        self.answers, self.system_tier, self.routes, self.effective = answers, system_tier, routes, effective
        self.gpai, self.systemic, self.open_source_exempt = gpai, systemic, open_source_exempt
        self.upstream, self.derogation, self.choice_groups = upstream, derogation, choice_groups

    def holds(self, condition: dict) -> bool:  # noqa: PLR0911 (one branch per kind of condition, as documented)
        if "not" in condition:
            return not self.holds(condition["not"])
        if "any" in condition:
            return any(self.holds(c) for c in condition["any"])
        if "tier" in condition:
            return self.system_tier == condition["tier"]
        if "tier_in" in condition:
            return self.system_tier in condition["tier_in"]
        if "route" in condition:
            return condition["route"] in self.routes
        if "route_in" in condition:
            return any(route in self.routes for route in condition["route_in"])
        if "routes_only" in condition:
            return bool(self.routes) and set(self.routes) <= set(condition["routes_only"])
        if "gpai" in condition:
            return self.gpai == bool(condition["gpai"])
        if "systemic" in condition:
            return self.systemic == bool(condition["systemic"])
        if "open_source_exempt" in condition:
            return self.open_source_exempt == bool(condition["open_source_exempt"])
        if "upstream_gpai" in condition:
            return self.upstream == bool(condition["upstream_gpai"])
        if "derogation" in condition:
            return self.derogation == bool(condition["derogation"])
        if "annex_iii_other_than" in condition:
            return any(m["route"] == "annex_iii" and m["value"] not in condition["annex_iii_other_than"]
                       for m in self.effective)
        if "answer" in condition:
            value = self.answers.get(condition["answer"])
            values = value if isinstance(value, list) else ([] if value is None else [value])
            if "includes" in condition:
                return condition["includes"] in values
            if "equals" in condition:
                return value == condition["equals"]
            if "in" in condition:
                return any(v in condition["in"] for v in values)
            if "includes_group" in condition:
                return any(self.choice_groups.get((condition["answer"], v)) == condition["includes_group"]
                           for v in values)
        raise ValueError(f"unknown obligation condition in the catalogue: {condition}")


def propose(answers: dict, cat: dict | None = None) -> Proposal:  # noqa: C901, PLR0912, PLR0915 (the Act's order)
    """The tier, role, duties and basis that follow from `answers` under the catalogue."""
    cat = cat or catalogue()
    answers = validate_answers(answers, cat)
    tiers = {t["key"]: t for t in cat["tiers"]}
    roles = {r["key"]: r for r in cat["roles"]}
    questions = [q for q in cat["questions"] if q["key"] in answers]
    rationale: list[dict] = []

    def say(text, **params):
        rationale.append({"text": text, "params": params})

    unknowns = [q["key"] for q in questions if q["type"] != "text"
                and any(c.get("unknown") for c in _selected(q, answers[q["key"]]))]
    unknown_labels = [next(q["text"] for q in cat["questions"] if q["key"] == key) for key in unknowns]
    base = {"catalogue_version": str(cat["version"]), "provisional": bool(unknowns), "unknowns": unknowns}

    # 1. Scope first.
    out_reasons = [(c.get("article") or q.get("article", ""), c["label"]) for q in questions if q["type"] != "text"
                   for c in _selected(q, answers[q["key"]]) if (c.get("effect") or {}).get("out_of_scope")]
    if out_reasons:
        for article, label in out_reasons:
            say("out_of_scope", article=article, label=label)
        say("tier", tier=tiers["out_of_scope"]["label"])
        if unknowns:
            say("provisional", questions=unknown_labels)
        return Proposal(tier="out_of_scope", system_tier="out_of_scope", role="", acting_role="", gpai=False,
                        gpai_systemic=False, routes=[], derogation=False, matched=[], obligations=[],
                        rationale=rationale, out_of_scope=True, **base)

    # 2. Role, and everything the answers' effects declare.
    role, upstream = "", False
    matched, exclusions, derogation_articles, blocks_derogation, profiling_unknown = [], [], [], False, False
    for question in questions:
        if question["type"] == "text" or question.get("choices_from"):
            continue
        question_tier = next((c["effect"]["tier"] for c in question["choices"]
                              if (c.get("effect") or {}).get("tier") and not c.get("unknown")), None)
        for choice in _selected(question, answers[question["key"]]):
            effect = choice.get("effect") or {}
            article = choice.get("article") or question.get("article", "")
            if "role" in effect:
                if role and effect["role"] != role and question.get("article"):
                    say("becomes_provider", article=question["article"])
                role = effect["role"]
            upstream |= bool(effect.get("upstream_gpai"))
            if effect.get("derogation"):
                derogation_articles.append(article)
            if effect.get("blocks_derogation"):
                blocks_derogation = True
                profiling_unknown |= bool(choice.get("unknown"))
            if choice.get("excluded"):
                exclusions.append({"question": question["key"], "value": str(choice["value"]), "article": article,
                                   "label": choice["label"], "tier": question_tier or ""})
            if "tier" in effect:
                matched.append({"question": question["key"], "value": str(choice["value"]), "article": article,
                                "label": choice["label"], "tier": effect["tier"], "route": effect.get("route"),
                                "group": choice.get("group"), "unknown": bool(choice.get("unknown"))})

    # 3. Annex I: the legislation named, whether the AI system is the product or its safety component, and whether
    # that legislation requires a third-party conformity assessment (Art. 6(1)).
    annex_i, annex_i_lines = [], []
    laws = answers.get("annex_i_legislation") or []
    legislation_question = next((q for q in cat["questions"] if q["key"] == "annex_i_legislation"), None)
    if legislation_question and laws:
        component = answers.get("annex_i_safety_component", "")
        third_party = answers.get("annex_i_third_party", "")
        component_choice = next((c for c in _component_choices(cat) if c["value"] == component), None)
        for choice in _selected(legislation_question, laws):
            law = choice.get("legislation")
            if law is None:
                if choice.get("unknown"):
                    matched.append({"question": "annex_i_legislation", "value": "dont_know", "article": "Art. 6(1), Annex I",
                                    "label": choice["label"], "tier": "high_risk", "route": "annex_i", "group": None,
                                    "unknown": True})
                continue
            high = component in ("product", "safety_component", "dont_know") and third_party in ("yes", "dont_know")
            route = "annex_i" if law["section"] == "A" else "annex_i_b"
            annex_i.append({"key": law["key"], "section": law["section"], "point": law["point"], "act": law["act"],
                            "label": law["label"], "high_risk": high})
            params = {"article": f"Art. 6(1), {choice['article']}", "act": law["act"], "label": law["label"],
                      "component": (component_choice.get("basis") or component_choice["label"]) if component_choice else ""}
            if high:
                matched.append({"question": "annex_i_legislation", "value": law["key"], "article": params["article"],
                                "label": law["label"], "tier": "high_risk", "route": route, "group": law["section"],
                                "unknown": "dont_know" in (component, third_party), "annex_i": True})
                annex_i_lines.append(("annex_i_high_risk", params))
            elif component == "neither":
                annex_i_lines.append(("annex_i_not_safety", params))
            else:
                annex_i_lines.append(("annex_i_no_third_party", params))

    # 4. The Art. 6(3) derogation lifts the Annex III uses it was claimed for, unless the system profiles people
    # (or nobody knows whether it does). A "don't know" Annex III answer is never lifted.
    derogation = bool(derogation_articles) and not blocks_derogation
    effective = [m for m in matched if not (derogation and m["route"] == "annex_iii" and not m["unknown"])]
    system_tier = "minimal"
    for item in effective:
        if tiers[item["tier"]]["rank"] > tiers[system_tier]["rank"]:
            system_tier = item["tier"]
    routes = list(dict.fromkeys(m["route"] for m in effective if m.get("route"))) if system_tier == "high_risk" else []

    acting_role = role
    acts_as = (roles.get(role) or {}).get("acts_as")
    if acts_as and any(route in routes for route in acts_as.get("when_route_in", [])):
        acting_role = acts_as["role"]

    # 5. General-purpose AI: the model provider's own track.
    gpai = answers.get("gpai_model") in ("yes", "dont_know")
    systemic_answer = answers.get("gpai_systemic", "")
    systemic = gpai and systemic_answer not in ("", "no")
    open_source = gpai and answers.get("gpai_open_source") == "yes"
    open_source_exempt = open_source and not systemic
    gpai_result = ("gpai_model_systemic" if systemic else "gpai_model") if gpai else ""
    upstream_model = answers.get("upstream_gpai_model", "")

    # 6. The duties: those binding the organisation in its (acting) role, and those of others it should know about.
    choice_groups = {(q["key"], str(c["value"])): c.get("group") for q in cat["questions"] for c in q["choices"]}
    state = _Evaluation(answers=answers, system_tier=system_tier, routes=routes, effective=effective, gpai=gpai,
                        systemic=systemic, open_source_exempt=open_source_exempt, upstream=upstream,
                        derogation=derogation and any(m["route"] == "annex_iii" for m in matched),
                        choice_groups=choice_groups)
    parties = {**{r["key"]: r["label"] for r in cat["roles"]}, **cat.get("parties", {})}
    obligations = []
    for obligation in cat["obligations"]:
        allowed = obligation.get("roles", "any")
        binds_us = allowed == "any" or acting_role in allowed or role in allowed
        shown = not binds_us and (acting_role in obligation.get("show_to", []) or role in obligation.get("show_to", []))
        if not (binds_us or shown) or not all(state.holds(c) for c in obligation.get("when") or []):
            continue
        binds = (acting_role if acting_role in allowed else role) if binds_us and allowed != "any" else (
            acting_role if allowed == "any" else allowed[0])
        date_key, date = _date_of(obligation.get("applies_from"), routes, cat)
        obligations.append({"key": obligation["key"], "article": obligation["article"], "title": obligation["title"],
                            "binds": binds, "binds_label": parties.get(binds, binds), "binds_other": not binds_us,
                            "tier": obligation.get("tier", ""), "exclusive": bool(obligation.get("exclusive")),
                            "applies_from_key": date_key, "applies_from": date})
    if any(o["exclusive"] and not o["binds_other"] for o in obligations):
        obligations = [o for o in obligations if o["exclusive"]]
    for item in obligations:
        del item["exclusive"]

    # 7. The tier shown follows the duties: a role-dependent tier (transparency) only when one of its duties binds
    # the organisation, or when a "don't know" put it there.
    tier = system_tier
    if tiers[tier].get("role_dependent") and not any(
            o["tier"] == tier and not o["binds_other"] for o in obligations) and not any(
            m["tier"] == tier and m["unknown"] for m in effective):
        tier = "minimal"

    # The basis, in the order a reader checks it.
    if role:
        say("role", role=roles[role]["label"])
    if acting_role != role:
        say("acts_as_provider", article=acts_as.get("article", ""))
    for text, params in annex_i_lines:
        say(text, **params, tier=tiers["high_risk"]["label"])
    if any(law["high_risk"] and law["section"] == "B" for law in annex_i):
        say("annex_i_section_b")
    for item in matched:
        if not item.get("annex_i"):
            say("matched", article=item["article"], label=item["label"], tier=tiers[item["tier"]]["label"])
    for item in exclusions:
        say("excluded", article=item["article"], label=item["label"],
            tier=tiers[item["tier"]]["label"] if item["tier"] in tiers else "")
    if derogation_articles and any(m["route"] == "annex_iii" for m in matched):
        text = "derogation_applies" if derogation else ("derogation_unknown" if profiling_unknown else "derogation_blocked")
        say(text, articles=derogation_articles)
    if not matched and not annex_i_lines:
        say("no_match")
    if tier != system_tier:
        say("transparency_binds_other", articles=[m["article"] for m in effective if m["tier"] == system_tier])
    say("tier", tier=tiers[tier]["label"])
    if gpai:
        say("gpai_result", label=cat["gpai_results"][gpai_result]["label"])
        if systemic:
            systemic_choice = next((c for q in cat["questions"] if q["key"] == "gpai_systemic"
                                    for c in q["choices"] if c["value"] == systemic_answer), {})
            say("gpai_systemic_basis", article=systemic_choice.get("article", "Art. 51"))
        if open_source:
            say("gpai_open_source_systemic" if systemic else "gpai_open_source")
    if upstream and upstream_model:
        say("upstream_gpai", model=upstream_model)
    if unknowns:
        say("provisional", questions=unknown_labels)

    groups = sorted({m["group"] for m in effective if m["route"] == "annex_iii" and m.get("group")})
    return Proposal(tier=tier, system_tier=system_tier, role=role, acting_role=acting_role, gpai=gpai,
                    gpai_systemic=systemic, routes=routes, derogation=state.derogation, matched=matched,
                    obligations=obligations, rationale=rationale, annex_iii_groups=groups, exclusions=exclusions,
                    annex_i=annex_i, gpai_result=gpai_result, gpai_open_source_exempt=open_source_exempt,
                    upstream_gpai=upstream, upstream_model=upstream_model, **base)


def _component_choices(cat: dict) -> list[dict]:
    return next((q["choices"] for q in cat["questions"] if q["key"] == "annex_i_safety_component"), [])
