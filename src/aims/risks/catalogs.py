"""Reading the risk catalogues AIMS ships (YAML in aims/catalogs/risks/): parsing and checking only, no database.

Services (services/catalogs.py) turn the parsed data into rows. Every problem is reported with where it is (file,
line and column for broken YAML; the path of the bad entry otherwise) so a data file can be fixed without guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

import aims

from .choices import RiskCategory

CATALOG_DIR = Path(aims.__file__).resolve().parent / "catalogs" / "risks"
DEFAULT_METHOD_FILE = CATALOG_DIR / "risk-method-default.yaml"
TAXONOMY_FILE = CATALOG_DIR / "ai-risk-taxonomy.yaml"
THREAT_FILES = (CATALOG_DIR / "owasp-llm-2025.yaml", CATALOG_DIR / "crisis-threats.yaml")
IMPACT_TEMPLATE_FILE = CATALOG_DIR / "impact-assessment.yaml"
SUGGESTION_RULES_FILE = CATALOG_DIR / "suggestion-rules.yaml"
ATLAS_SAMPLE_FILE = CATALOG_DIR / "atlas" / "ATLAS-sample.yaml"
QUESTION_TYPES = ("text", "boolean", "choice", "multichoice", "scale")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class CatalogError(ValueError):
    """A catalogue file that cannot be used; the message says where and why."""


@dataclass
class Entry:
    external_id: str
    kind: str
    name_en: str
    name_fr: str = ""
    description_en: str = ""
    description_fr: str = ""
    category: str = ""
    parent: str = ""
    tactics: tuple[str, ...] = ()


@dataclass
class CatalogData:
    key: str
    name_en: str
    name_fr: str = ""
    release: str = ""
    publisher: str = ""
    licence: str = ""
    url: str = ""
    entries: list[Entry] = field(default_factory=list)


def read_yaml(source: Path | str, *, text: str | None = None):
    """Parse YAML safely; broken YAML raises CatalogError with the line and column (1-based) of the problem."""
    name = str(source)
    try:
        if text is None:
            text = Path(source).read_text(encoding="utf-8")
        return yaml.safe_load(text)
    except FileNotFoundError:
        raise CatalogError(f"{name}: file not found") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise CatalogError(f"{name}: invalid YAML at {where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{name}: invalid YAML: {exc}") from None


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _require_mapping(data, name: str, what: str) -> dict:
    if not isinstance(data, dict):
        raise CatalogError(f"{name}: {what} must be a mapping")
    return data


def _catalog_header(data: dict, name: str) -> CatalogData:
    header = _require_mapping(data.get("catalog"), name, "'catalog'")
    key, name_en = _text(header.get("key")), _text(header.get("name_en"))
    if not key or not name_en:
        raise CatalogError(f"{name}: catalog.key and catalog.name_en are required")
    return CatalogData(key=key, name_en=name_en, name_fr=_text(header.get("name_fr")),
                       release=str(header.get("version") or ""), publisher=_text(header.get("publisher")),
                       licence=_text(header.get("licence")), url=_text(header.get("url")))


def _entry(raw, where: str, *, kind: str, id_field: str, parent: str = "", category: str = "") -> Entry:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: must be a mapping")
    external_id, name_en = _text(raw.get(id_field)), _text(raw.get("name_en"))
    if not external_id or not name_en:
        raise CatalogError(f"{where}: '{id_field}' and 'name_en' are required")
    category = _text(raw.get("category")) or category
    if category and category not in RiskCategory.values:
        raise CatalogError(f"{where}: unknown category '{category}' (expected one of {', '.join(RiskCategory.values)})")
    return Entry(external_id=external_id, kind=kind, name_en=name_en, name_fr=_text(raw.get("name_fr")),
                 description_en=_text(raw.get("description_en")), description_fr=_text(raw.get("description_fr")),
                 category=category, parent=parent)


def parse_taxonomy(path: Path = TAXONOMY_FILE) -> CatalogData:
    """The AIMS taxonomy: its categories must be exactly the RiskCategory keys the risk register uses."""
    data = _require_mapping(read_yaml(path), str(path), "the file")
    catalog = _catalog_header(data, str(path))
    categories = data.get("categories")
    if not isinstance(categories, list):
        raise CatalogError(f"{path}: 'categories' must be a list")
    for c_index, raw in enumerate(categories):
        where = f"{path}: categories[{c_index}]"
        category = _entry(raw, where, kind="category", id_field="key", category=_text((raw or {}).get("key")))
        catalog.entries.append(category)
        for r_index, risk in enumerate(raw.get("risks") or []):
            catalog.entries.append(_entry(risk, f"{where}.risks[{r_index}]", kind="risk_type", id_field="key",
                                          parent=category.external_id, category=category.external_id))
    found = {e.external_id for e in catalog.entries if e.kind == "category"}
    if found != set(RiskCategory.values):
        raise CatalogError(f"{path}: categories must be exactly {', '.join(RiskCategory.values)}")
    _check_unique(catalog, str(path))
    return catalog


def parse_threat_file(path: Path) -> CatalogData:
    data = _require_mapping(read_yaml(path), str(path), "the file")
    catalog = _catalog_header(data, str(path))
    threats = data.get("threats")
    if not isinstance(threats, list) or not threats:
        raise CatalogError(f"{path}: 'threats' must be a non-empty list")
    catalog.entries = [_entry(raw, f"{path}: threats[{i}]", kind="threat", id_field="id") for i, raw in enumerate(threats)]
    _check_unique(catalog, str(path))
    return catalog


def _check_unique(catalog: CatalogData, name: str) -> None:
    seen: set[str] = set()
    for entry in catalog.entries:
        if entry.external_id in seen:
            raise CatalogError(f"{name}: identifier '{entry.external_id}' appears twice")
        seen.add(entry.external_id)


def read_default_method(path: Path = DEFAULT_METHOD_FILE, language: str = "en") -> dict:
    """The shipped method as keyword arguments for RiskMethod (validated by the model when it is saved); its name,
    description and acceptance criteria in `language` (they become the organisation's own text)."""
    data = _require_mapping(read_yaml(path), str(path), "the file")
    fields = ("likelihood_scale", "impact_scale", "levels", "matrix", "appetite_level", "appetite_by_category")
    missing = [f for f in fields if f not in data]
    if missing:
        raise CatalogError(f"{path}: missing {', '.join(missing)}")
    def text(name: str) -> str:  # the reader's language, else English (or the older one-language key)
        return _text(data.get(f"{name}_{language}")) or _text(data.get(f"{name}_en")) or _text(data.get(name))

    return {
        "name": text("name") or "AIMS default method", "description": text("description"),
        "acceptance_criteria": text("acceptance_criteria"), "source": f"catalog:{_text(data.get('key'))}",
        **{f: data[f] for f in fields},
    }


# --- Impact assessment questionnaires -----------------------------------------------------------------------------

def _check_question(q, where: str, keys: set[str]) -> None:
    if not isinstance(q, dict):
        raise CatalogError(f"{where}: must be a mapping")
    key = _text(q.get("key"))
    if not _KEY.match(key):
        raise CatalogError(f"{where}: 'key' must be lower-case letters, digits and _")
    if key in keys:
        raise CatalogError(f"{where}: question key '{key}' appears twice")
    keys.add(key)
    if q.get("type") not in QUESTION_TYPES:
        raise CatalogError(f"{where}: 'type' must be one of {', '.join(QUESTION_TYPES)}")
    if not _text(q.get("label_en")) or not _text(q.get("label_fr")):
        raise CatalogError(f"{where}: 'label_en' and 'label_fr' are required")
    if q["type"] in ("choice", "multichoice"):
        options = q.get("options")
        if not isinstance(options, list) or len(options) < 2 or any(
            not isinstance(o, dict) or not _text(o.get("key")) or not _text(o.get("label_en")) or not _text(o.get("label_fr"))
            for o in options
        ):
            raise CatalogError(f"{where}: a choice needs at least two options with key, label_en and label_fr")
    if q["type"] == "scale" and not (isinstance(q.get("max"), int) and 2 <= q["max"] <= 10):
        raise CatalogError(f"{where}: a scale needs 'max' between 2 and 10")


@lru_cache(maxsize=8)
def impact_template(path: Path = IMPACT_TEMPLATE_FILE) -> dict:
    """The questionnaire, checked once per process: {key, version, name_en, name_fr, sections: [...]}."""
    data = _require_mapping(read_yaml(path), str(path), "the file")
    if not _text(data.get("key")) or not str(data.get("version") or ""):
        raise CatalogError(f"{path}: 'key' and 'version' are required")
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        raise CatalogError(f"{path}: 'sections' must be a non-empty list")
    keys: set[str] = set()
    for s_index, section in enumerate(sections):
        where = f"{path}: sections[{s_index}]"
        if not isinstance(section, dict) or not isinstance(section.get("questions"), list):
            raise CatalogError(f"{where}: needs 'questions'")
        for q_index, question in enumerate(section["questions"]):
            _check_question(question, f"{where}.questions[{q_index}]", keys)
    data["version"] = str(data["version"])
    return data


def template_questions(template: dict) -> dict[str, dict]:
    return {q["key"]: q for section in template["sections"] for q in section["questions"]}


# --- Suggestion rules ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def suggestion_rules(path: Path = SUGGESTION_RULES_FILE) -> tuple[dict, ...]:
    """Rules: {key, name_en, name_fr, when: {characteristic: value or [values]}, suggest: [{key, category, title_en, title_fr,
    rationale_en, rationale_fr, threats: [[catalog key, id]...]}]}. All `when` conditions must hold; a key shared by several rules is proposed once."""
    data = _require_mapping(read_yaml(path), str(path), "the file")
    rules = data.get("rules")
    if not isinstance(rules, list):
        raise CatalogError(f"{path}: 'rules' must be a list")
    for r_index, rule in enumerate(rules):
        where = f"{path}: rules[{r_index}]"
        if not isinstance(rule, dict) or not _text(rule.get("key")) or not isinstance(rule.get("when"), dict):
            raise CatalogError(f"{where}: needs 'key' and a 'when' mapping")
        if not _text(rule.get("name_en")) or not _text(rule.get("name_fr")):
            raise CatalogError(f"{where}: 'name_en' and 'name_fr' are required (people read why a risk is suggested)")
        if not isinstance(rule.get("suggest"), list) or not rule["suggest"]:
            raise CatalogError(f"{where}: needs a non-empty 'suggest' list")
        for s_index, item in enumerate(rule["suggest"]):
            spot = f"{where}.suggest[{s_index}]"
            if not isinstance(item, dict) or not _KEY.match(_text(item.get("key"))):
                raise CatalogError(f"{spot}: needs a 'key' of lower-case letters, digits and _")
            if item.get("category") not in RiskCategory.values:
                raise CatalogError(f"{spot}: unknown category '{item.get('category')}'")
            if not _text(item.get("title_en")) or not _text(item.get("title_fr")):
                raise CatalogError(f"{spot}: 'title_en' and 'title_fr' are required")
            threats = item.get("threats") or []
            if not isinstance(threats, list) or any(
                not isinstance(t, list) or len(t) != 2 or not all(isinstance(x, str) for x in t) for t in threats
            ):
                raise CatalogError(f"{spot}: 'threats' must be a list of [catalogue key, identifier] pairs")
    return tuple(rules)


def rule_name(key: str, language: str = "en") -> str:
    """Why a suggestion was made, in words: the name of the rule `key` (the key itself if the rule is gone)."""
    for rule in suggestion_rules():
        if rule["key"] == key:
            return rule.get(f"name_{language}") or rule["name_en"]
    return key


def suggestion_title(key: str, language: str = "en") -> str:
    """The title of the suggestion `key` in `language` (the key itself if no rule proposes it any more)."""
    for rule in suggestion_rules():
        for item in rule["suggest"]:
            if item["key"] == key:
                return item.get(f"title_{language}") or item["title_en"]
    return key
