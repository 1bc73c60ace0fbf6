"""CycloneDX JSON checks that a person understands, in linear time.

- JSON syntax errors say where and what is likely wrong ("a trailing comma after the last property on line 8?").
- The official CycloneDX JSON schema (the files cyclonedx-python-lib ships) is checked by jsonschema-rs, a compiled
  validator: the pure-Python `jsonschema` compares every pair of array items for `uniqueItems`, which made a
  1,000-component BOM take seconds and a 20,000-component one never finish (issue 10.3, benchmarks/cyclonedx.py).
- Every schema problem is reported (up to MAX_PROBLEMS), each at its JSON path, the common ones in plain words.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

from .files import MAX_PROBLEMS, Problem

SCHEMA_FILES = {"1.5": "bom-1.5.SNAPSHOT.schema.json", "1.6": "bom-1.6.SNAPSHOT.schema.json",
                "1.7": "bom-1.7.SNAPSHOT.schema.json"}


def _schema_dir() -> Path:
    import cyclonedx.schema._res as resources

    return Path(resources.__file__).parent


def _load(name: str) -> dict:
    return json.loads((_schema_dir() / name).read_text(encoding="utf-8"))


def _retrieve(uri: str) -> dict:
    """The schemas the BOM schema refers to (SPDX licence ids, JSON signatures...) from the same folder: offline."""
    name = uri.rsplit("/", 1)[-1].split("#", 1)[0]
    if not re.fullmatch(r"[A-Za-z0-9._-]+\.schema\.json", name):
        raise ValueError(f"unexpected schema reference: {uri}")
    return _load(name)


@lru_cache(maxsize=4)
def validator(version: str):
    """The compiled validator of CycloneDX `version` (compiled once per process, about 50 ms)."""
    import jsonschema_rs

    return jsonschema_rs.Draft7Validator(_load(SCHEMA_FILES[version]), retriever=_retrieve, validate_formats=True)


def json_path(parts) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


# --- JSON syntax ------------------------------------------------------------------------------------------------------

def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def syntax_problem(text: str, error: json.JSONDecodeError) -> Problem:
    """The decoder's error with a guess at the likely mistake, located at the line a person should look at."""
    before = text[:error.pos].rstrip()
    last = before[-1:] if before else ""
    here = text[error.pos:error.pos + 1]
    hint = ""
    line, col = error.lineno, error.colno
    if text[error.pos:error.pos + 2] in ("//", "/*"):
        hint = _("JSON does not allow comments.")
    elif error.msg.startswith("Expecting property name") and last == ",":
        hint = _("a trailing comma after the last property on line %(line)s?")
        line = _line_of(text, len(before) - 1)
    elif error.msg.startswith("Expecting value") and last == ",":
        hint = _("a trailing comma after the last item on line %(line)s?")
        line = _line_of(text, len(before) - 1)
    elif error.msg.startswith("Expecting property name") and here == "'":
        hint = _("JSON needs double quotes (\") around names and text, not single quotes.")
    elif error.msg.startswith("Expecting ',' delimiter"):
        hint = _("a missing comma between two properties or items, before line %(line)s?")
    elif error.msg.startswith("Unterminated string") or error.msg.startswith("Invalid control character"):
        hint = _("a text value not closed by a double quote, or a line break inside a text?")
    elif error.msg.startswith("Extra data"):
        hint = _("something after the end of the document (a second document, or a stray closing brace)?")
    elif error.msg.startswith("Expecting value") and here in ("", "}", "]"):
        hint = _("a value is missing (the document may be cut short).")
    message = _("The JSON is malformed (%(reason)s).") % {"reason": error.msg}
    if hint:
        message += " " + _("Likely: %(hint)s") % {"hint": hint % {"line": line}}
    return Problem(message, line=error.lineno, col=col)


# --- Schema ---------------------------------------------------------------------------------------------------------------

def _at(document, parts):
    value = document
    for part in parts:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _plain(error, document) -> str:
    """The common schema errors in plain words; others keep the validator's message."""
    kind = type(error.kind).__name__
    parts = list(error.instance_path)
    value = _at(document, parts)
    if kind == "OneOfNotValid" and parts and parts[-1] == "licenses" or (
            isinstance(value, dict) and isinstance(value.get("license"), dict)):
        entries = value if isinstance(value, list) else [value]
        if any(isinstance(e, dict) and isinstance(e.get("license"), dict) and "id" in e["license"]
               and "name" in e["license"] for e in entries):
            return _("A licence has both an SPDX “id” and a “name”: give either an SPDX id or a name.")
        if any(isinstance(e, dict) and "expression" in e and "license" in e for e in entries):
            return _("A licence entry has both “license” and “expression”: give one of them.")
    if kind == "Required":
        name = getattr(error.kind, "property", None)
        name = name if isinstance(name, str) else re.sub(r"^\"?(.*?)\"? is a required property$", r"\1", error.message)
        return _("“%(name)s” is required here.") % {"name": name}
    if kind == "AdditionalProperties":
        unexpected = getattr(error.kind, "unexpected", None) or []
        return _("Unknown property “%(names)s” (check its spelling against the CycloneDX specification).") % {
            "names": "”, “".join(str(u) for u in unexpected)}
    if kind == "Enum":
        return _("“%(value)s” is not one of the values CycloneDX allows here.") % {"value": _short(value)}
    if kind == "Type":
        expected = re.findall(r'"(array|object|string|number|integer|boolean|null)"', error.message)
        return _("Expected %(expected)s here, not %(actual)s.") % {
            "expected": _or(_type_words(name) for name in expected) or error.message,
            "actual": _type_words(_json_type(value))}
    if kind == "Format":
        return _("“%(value)s” is not in the expected format (%(detail)s).") % {"value": _short(value),
                                                                                "detail": error.message}
    if kind == "UniqueItems":
        return _("The list holds the same entry twice.")
    return error.message if len(error.message) < 300 else error.message[:297] + "..."


def _type_words(name: str) -> str:
    return {"array": _("a list"), "object": _("an object"), "string": _("a text"), "number": _("a number"),
            "integer": _("a whole number"), "boolean": _("true or false"), "null": _("null")}.get(name, name)


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {dict: "object", list: "array", str: "string", float: "number", type(None): "null"}.get(type(value), "")


def _or(words) -> str:
    return _(" or ").join(words)


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def schema_problems(document: dict, version: str, limit: int = MAX_PROBLEMS) -> list[Problem]:
    """Every violation of the official CycloneDX `version` schema (up to `limit`), each at its JSON path."""
    problems = []
    for error in validator(version).iter_errors(document):
        problems.append(Problem(_("Does not match the CycloneDX %(version)s schema: %(detail)s")
                                % {"version": version, "detail": _plain(error, document)},
                                path=json_path(error.instance_path)))
        if len(problems) >= limit:
            break
    return problems
