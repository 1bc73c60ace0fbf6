"""Catalogue data the product ships (YAML): regulatory facts, questionnaires, workflow defaults.

Regulatory facts change (Regulation (EU) 2026/1744 moved the AI Act's high-risk dates), so they live in data files,
never in code. An administrator can replace a shipped file without a release by putting a file of the same name in
`<AIMS_DATA_DIR>/catalogs/`; that copy wins. Every catalogue carries a `version` that records which edition was used.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import yaml
from django.conf import settings

PACKAGED_DIR = Path(__file__).resolve().parent

# Parsed catalogues keyed by (path, modification time): a replaced file is picked up without a restart, and each
# process parses a file once. Callers get deep copies, so nobody can change the shared parse by accident.
_cache: dict[tuple[str, float], dict] = {}


class CatalogError(Exception):
    """A catalogue file is missing or malformed."""


def catalog_path(name: str) -> Path:
    """The file in use for catalogue `name`: the administrator's override if present, else the shipped one."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise CatalogError(f"invalid catalogue name: {name!r}")
    override = Path(settings.DATA_DIR) / "catalogs" / f"{name}.yaml"
    return override if override.is_file() else PACKAGED_DIR / f"{name}.yaml"


def _jsonable(value):
    """YAML gives dates as date objects; catalogues are handed around as JSON-ready data (ISO date strings)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def load_catalog(name: str) -> dict:
    """The catalogue `name` as plain data (dicts, lists, strings; dates as ISO strings): a copy the caller may change."""
    return copy.deepcopy(shared_catalog(name))


def shared_catalog(name: str) -> dict:
    """The catalogue `name` as `load_catalog` gives it, but the one cached object itself, which nobody may change: the
    same object while the file is unchanged, a new one once it is edited, so a reader can key a cache of what it
    derives from it on its identity."""
    path = catalog_path(name)
    try:
        key = (str(path), path.stat().st_mtime)
    except FileNotFoundError:
        raise CatalogError(f"catalogue not found: {name}") from None
    if key not in _cache:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CatalogError(f"{path}: {exc}") from exc
        if not isinstance(data, dict) or "version" not in data:
            raise CatalogError(f"{path}: a catalogue is a mapping with a 'version' key")
        _cache[key] = _jsonable(data)
    return _cache[key]


def localised(text, language: str = "en") -> str:
    """Pick `language` from a {en: ..., fr: ...} mapping (falling back to English); plain strings pass through."""
    if isinstance(text, dict):
        return text.get(language) or text.get("en") or ""
    return "" if text is None else str(text)
