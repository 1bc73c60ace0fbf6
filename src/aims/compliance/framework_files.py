"""Reading framework and cross-mapping files (YAML, or CSV for requirements): parsing and checking only, no database.

Every problem is collected, with where it is (line of a CSV, index and reference of a YAML entry), so that an
administrator fixes a file in one go; nothing is loaded unless the whole file is right (services/frameworks.py).
The formats are documented in docs/frameworks.md.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import aims
import yaml

from aims.catalogs import load_catalog
from aims.risks.catalogs import CatalogError
from aims.risks.catalogs import read_yaml as _read_yaml_with_positions

PACKAGED_DIR = Path(aims.__file__).resolve().parent / "catalogs" / "frameworks"
PACKAGED_FRAMEWORKS = ("iso42001.yaml", "eu-ai-act.yaml", "nist-ai-rmf.yaml")
PACKAGED_MAPPINGS = "mappings.yaml"
FRAMEWORK_FORMAT, MAPPINGS_FORMAT = "aims-framework", "aims-mappings"
CSV_COLUMNS = ("ref", "code", "kind", "parent", "title_en", "title_fr", "guidance_en", "guidance_fr", "assessable",
               "maps_to")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_KIND = re.compile(r"^[a-z][a-z_]{0,29}$")
MAX_REF, MAX_TITLE, MAX_GUIDANCE = 80, 2000, 10000
TRUE, FALSE = {"true", "yes", "1", "oui"}, {"false", "no", "0", "non"}


def read_yaml(path: Path | str, *, text: str | None = None):
    """libyaml's parser when it is there (a framework file is parsed ten times faster); the pure-Python one, which
    reports the line and column of a problem, when it is not or when the file is broken."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            content = text if text is not None else Path(path).read_text(encoding="utf-8")
            return yaml.load(content, Loader=loader)  # noqa: S506 (the C *safe* loader)
        except (yaml.YAMLError, UnicodeDecodeError, FileNotFoundError):
            pass  # parse again below for a message with the position
    return _read_yaml_with_positions(path, text=text)


class FrameworkFileError(CatalogError):
    """A file that cannot be loaded; `problems` lists every issue found (the message joins them)."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        super().__init__(f"{source}: " + "; ".join(problems) if len(problems) == 1 else
                         f"{source}: {len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class RequirementData:
    ref: str
    code: str
    kind: str
    title_en: str
    title_fr: str = ""
    guidance_en: str = ""
    guidance_fr: str = ""
    parent: str = ""
    assessable: bool | None = None  # None: decided from the tree (leaves are assessable)
    facts: dict = field(default_factory=dict)


@dataclass
class FrameworkData:
    key: str
    version: str
    name_en: str
    name_fr: str = ""
    short_name_en: str = ""
    short_name_fr: str = ""
    description_en: str = ""
    description_fr: str = ""
    publisher: str = ""
    licence: str = ""
    url: str = ""
    source: str = ""
    requirements: list[RequirementData] = field(default_factory=list)
    # (ref in this framework, "<framework>/<ref>" it maps to), resolved when loading.
    mappings: list[tuple[str, str]] = field(default_factory=list)

    def finish(self) -> FrameworkData:
        """Leaves are assessable unless the file says otherwise."""
        parents = {r.parent for r in self.requirements if r.parent}
        for requirement in self.requirements:
            if requirement.assessable is None:
                requirement.assessable = requirement.ref not in parents
        return self


@dataclass
class MappingsData:
    version: str
    origin: str
    pairs: list[tuple[str, str]]  # ("<framework>/<ref>", "<framework>/<ref>")


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _bilingual(value, where: str, name: str, problems: list[str], *, required: bool = False,
               limit: int = MAX_TITLE) -> tuple[str, str]:
    if value is None or value == "":
        if required:
            problems.append(f"{where}: '{name}' is required (give at least {name}.en)")
        return "", ""
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict) or set(value) - {"en", "fr"}:
        problems.append(f"{where}: '{name}' must be a text or a mapping with 'en' and 'fr'")
        return "", ""
    en, fr = _text(value.get("en")), _text(value.get("fr"))
    if required and not en:
        problems.append(f"{where}: '{name}.en' is required")
    for language, text in (("en", en), ("fr", fr)):
        if len(text) > limit:
            problems.append(f"{where}: '{name}.{language}' is longer than {limit} characters")
    return en, fr


def _boolean(value, where: str, problems: list[str]) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    problems.append(f"{where}: 'assessable' must be true or false, not '{value}'")
    return None


def _requirement(raw, where: str, problems: list[str]) -> RequirementData | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    ref = _text(raw.get("ref"))
    where = f"{where} (ref '{ref}')" if ref else where
    if not ref:
        problems.append(f"{where}: 'ref' is required")
    elif len(ref) > MAX_REF or "/" in ref:
        problems.append(f"{where}: 'ref' must be at most {MAX_REF} characters and contain no '/'")
    kind = _text(raw.get("kind")) or "requirement"
    if not _KIND.match(kind):
        problems.append(f"{where}: 'kind' must be lower-case letters and _ (e.g. clause, control, subcategory)")
    code = _text(raw.get("code")) or ref
    if len(code) > MAX_REF:
        problems.append(f"{where}: 'code' is longer than {MAX_REF} characters")
    title_en, title_fr = _bilingual(raw.get("title"), where, "title", problems, required=True)
    guidance_en, guidance_fr = _bilingual(raw.get("guidance"), where, "guidance", problems, limit=MAX_GUIDANCE)
    unknown = set(raw) - {"ref", "code", "kind", "parent", "title", "guidance", "assessable"}
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return RequirementData(ref=ref, code=code, kind=kind, title_en=title_en, title_fr=title_fr,
                           guidance_en=guidance_en, guidance_fr=guidance_fr, parent=_text(raw.get("parent")),
                           assessable=_boolean(raw.get("assessable"), where, problems))


def _check_tree(requirements: list[RequirementData], problems: list[str]) -> None:
    refs: dict[str, RequirementData] = {}
    for index, requirement in enumerate(requirements):
        if requirement.ref and requirement.ref in refs:
            problems.append(f"requirement {index + 1}: ref '{requirement.ref}' appears twice")
        refs.setdefault(requirement.ref, requirement)
    for requirement in requirements:
        if requirement.parent and requirement.parent not in refs:
            problems.append(f"ref '{requirement.ref}': parent '{requirement.parent}' is not defined in the file")
    for requirement in requirements:  # a parent chain must end (no cycles)
        seen, current = set(), requirement
        while current is not None and current.parent:
            if current.ref in seen:
                problems.append(f"ref '{requirement.ref}': its parents form a cycle")
                break
            seen.add(current.ref)
            current = refs.get(current.parent)


def _header(data: dict, source: str, problems: list[str], *, derived: bool) -> FrameworkData:
    key = _text(data.get("key"))
    if not _KEY.match(key):
        problems.append("'key' is required: lower-case letters, digits and _, starting with a letter (2-40)")
    version = _text(data.get("version"))
    if not version and not derived:
        problems.append("'version' is required (the catalogue version that assessments record)")
    name_en, name_fr = _bilingual(data.get("name"), "header", "name", problems, required=True, limit=200)
    short_en, short_fr = _bilingual(data.get("short_name"), "header", "short_name", problems, limit=40)
    description_en, description_fr = _bilingual(data.get("description"), "header", "description", problems,
                                                limit=MAX_GUIDANCE)
    return FrameworkData(key=key, version=version, name_en=name_en, name_fr=name_fr, short_name_en=short_en,
                         short_name_fr=short_fr, description_en=description_en,
                         description_fr=description_fr, publisher=_text(data.get("publisher"))[:200],
                         licence=_text(data.get("licence"))[:300], url=_text(data.get("url"))[:500], source=source)


def _mapping_entries(raw, problems: list[str]) -> list[tuple[str, str]]:
    pairs = []
    if raw is None:
        return pairs
    if not isinstance(raw, list):
        problems.append("'mappings' must be a list of {ref, to: [framework/ref, ...]}")
        return pairs
    for index, entry in enumerate(raw, start=1):
        where = f"mappings[{index}]"
        if not isinstance(entry, dict) or not _text(entry.get("ref")) or not isinstance(entry.get("to"), list):
            problems.append(f"{where}: needs 'ref' and a list 'to' of framework/ref")
            continue
        for target in entry["to"]:
            target = _text(target)
            if target.count("/") < 1:
                problems.append(f"{where}: '{target}' must be written framework/ref, e.g. iso42001/A.6.2.6")
                continue
            pairs.append((_text(entry["ref"]), target))
    return pairs


def parse_yaml(path: Path | str, *, text: str | None = None) -> FrameworkData:
    source = Path(path).name
    data = read_yaml(path, text=text)
    problems: list[str] = []
    if not isinstance(data, dict):
        raise FrameworkFileError(source, ["the file must be a mapping (see docs/frameworks.md)"])
    if data.get("format") != FRAMEWORK_FORMAT:
        problems.append(f"'format: {FRAMEWORK_FORMAT}' is required on the first lines")
    derived = data.get("derive_from")
    framework = _header(data, source, problems, derived=bool(derived))
    if derived:
        if derived != "ai_act":
            problems.append("'derive_from' may only be 'ai_act' (the EU AI Act classification catalogue)")
        else:
            _derive_ai_act(framework, data, problems)
    else:
        raw = data.get("requirements")
        if not isinstance(raw, list) or not raw:
            problems.append("'requirements' must be a non-empty list")
        else:
            framework.requirements = [r for i, item in enumerate(raw, start=1)
                                      if (r := _requirement(item, f"requirements[{i}]", problems)) is not None]
    framework.mappings = _mapping_entries(data.get("mappings"), problems)
    _check_tree(framework.requirements, problems)
    if problems:
        raise FrameworkFileError(source, problems)
    return framework.finish()


def parse_csv(path: Path | str, *, key: str, version: str, name_en: str, name_fr: str = "",
              text: str | None = None) -> FrameworkData:
    """A CSV of requirements (columns CSV_COLUMNS, a header line first); the framework's key, version and name come
    from the command line because a CSV has no place for them."""
    source = Path(path).name
    problems: list[str] = []
    framework = _header({"key": key, "version": version, "name": {"en": name_en, "fr": name_fr}}, source, problems,
                        derived=False)
    try:
        content = text if text is not None else Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FrameworkFileError(source, ["file not found"]) from None
    except UnicodeDecodeError as exc:
        raise FrameworkFileError(source, [f"not UTF-8 text (byte {exc.start})"]) from None
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in ("ref", "title_en") if c not in (reader.fieldnames or [])]
    if missing:
        raise FrameworkFileError(source, [f"the header line must name the columns {', '.join(CSV_COLUMNS)} "
                                          f"(missing: {', '.join(missing)})"])
    unknown = sorted(set(reader.fieldnames or []) - set(CSV_COLUMNS))
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    for row in reader:
        where = f"line {reader.line_num}"
        item = {"ref": row.get("ref"), "code": row.get("code"), "kind": row.get("kind"), "parent": row.get("parent"),
                "title": {"en": row.get("title_en") or "", "fr": row.get("title_fr") or ""},
                "guidance": {"en": row.get("guidance_en") or "", "fr": row.get("guidance_fr") or ""},
                "assessable": row.get("assessable")}
        requirement = _requirement(item, where, problems)
        if requirement is None:
            continue
        framework.requirements.append(requirement)
        for target in re.split(r"[;\n]", row.get("maps_to") or ""):
            target = target.strip()
            if not target:
                continue
            if "/" not in target:
                problems.append(f"{where}: maps_to '{target}' must be written framework/ref")
            else:
                framework.mappings.append((requirement.ref, target))
    if not framework.requirements and not problems:
        problems.append("the file has no requirement rows")
    _check_tree(framework.requirements, problems)
    if problems:
        raise FrameworkFileError(source, problems)
    return framework.finish()


def parse_framework_file(path: Path | str, **csv_header) -> FrameworkData:
    if str(path).lower().endswith(".csv"):
        missing = [name for name in ("key", "version", "name_en") if not csv_header.get(name)]
        if missing:
            raise FrameworkFileError(Path(path).name, [
                "a CSV file needs the framework's " + ", ".join(f"--{m.replace('_', '-')}" for m in missing)])
        return parse_csv(path, **csv_header)
    return parse_yaml(path)


# --- The EU AI Act, derived from the classification catalogue -------------------------------------------------------

def _tiers_of(obligation: dict) -> list[str]:
    tiers = [obligation["tier"]] if obligation.get("tier") else []
    for condition in obligation.get("when") or []:
        if "tier" in condition:
            tiers.append(condition["tier"])
        tiers.extend(condition.get("tier_in", []))
    return list(dict.fromkeys(tiers))


def _derive_ai_act(framework: FrameworkData, data: dict, problems: list[str]) -> None:
    """Requirements from catalogs/ai_act.yaml's obligations (one source of truth with the classification), grouped
    as this file says, with this file's guidance."""
    catalogue = load_catalog("ai_act")
    framework.version = framework.version or str(catalogue["version"])
    dates = catalogue.get("dates", {})
    guidance = data.get("guidance") or {}
    obligations = {o["key"]: o for o in catalogue.get("obligations", [])}
    grouped: dict[str, str] = {}
    for index, group in enumerate(data.get("groups") or [], start=1):
        key = _text((group or {}).get("key"))
        if not key:
            problems.append(f"groups[{index}]: 'key' is required")
            continue
        title_en, title_fr = _bilingual(group.get("title"), f"groups[{index}]", "title", problems, required=True)
        framework.requirements.append(RequirementData(ref=f"group.{key}", code="", kind="group", title_en=title_en,
                                                      title_fr=title_fr, assessable=False))
        for obligation_key in group.get("obligations") or []:
            grouped[obligation_key] = f"group.{key}"
    ungrouped = [key for key in obligations if key not in grouped]
    if ungrouped:
        other = data.get("ungrouped") or {}
        title_en, title_fr = _bilingual(other.get("title") or {"en": "Other obligations"}, "ungrouped", "title",
                                        problems)
        other_ref = f"group.{_text(other.get('key')) or 'other'}"
        framework.requirements.append(RequirementData(ref=other_ref, code="", kind="group", title_en=title_en,
                                                      title_fr=title_fr, assessable=False))
        grouped.update({key: other_ref for key in ungrouped})
    for key, obligation in obligations.items():
        applies_from = obligation.get("applies_from")
        facts = {"article": obligation.get("article", ""), "roles": obligation.get("roles", "any"),
                 "tiers": _tiers_of(obligation), "applies_from_key": applies_from}
        if applies_from == "high_risk":
            facts["applies_from_by_route"] = {k.removeprefix("high_risk_"): v["date"] for k, v in dates.items()
                                              if k.startswith("high_risk_")}
        elif applies_from:
            facts["applies_from"] = dates.get(applies_from, {}).get("date")
        title = obligation.get("title") or {}
        text = guidance.get(key) or {}
        framework.requirements.append(RequirementData(
            ref=key, code=obligation.get("article", key), kind="obligation", title_en=_text(title.get("en")),
            title_fr=_text(title.get("fr")), guidance_en=_text(text.get("en")), guidance_fr=_text(text.get("fr")),
            parent=grouped.get(key, ""), assessable=True, facts=facts))
    unknown = sorted(set(guidance) - set(obligations))
    if unknown:
        problems.append(f"guidance for obligations the AI Act catalogue does not define: {', '.join(unknown)}")


# --- Cross-mappings -----------------------------------------------------------------------------------------------------

def parse_mappings(path: Path | str, *, text: str | None = None) -> MappingsData:
    source = Path(path).name
    data = read_yaml(path, text=text)
    problems: list[str] = []
    if not isinstance(data, dict) or data.get("format") != MAPPINGS_FORMAT:
        raise FrameworkFileError(source, [f"'format: {MAPPINGS_FORMAT}' is required"])
    pairs: list[tuple[str, str]] = []
    for index, entry in enumerate(data.get("mappings") or [], start=1):
        where = f"mappings[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("to"), list) or "/" not in _text(entry.get("from")):
            problems.append(f"{where}: needs 'from: framework/ref' and a list 'to' of framework/ref")
            continue
        for target in entry["to"]:
            if "/" not in _text(target):
                problems.append(f"{where}: '{target}' must be written framework/ref")
            else:
                pairs.append((_text(entry["from"]), _text(target)))
    if problems:
        raise FrameworkFileError(source, problems)
    return MappingsData(version=_text(data.get("version")), origin=source, pairs=pairs)
