"""Evidence types and their retention, request reminders and freshness thresholds: data from
catalogs/evidence_types.yaml (an administrator may override it), never constants in code."""

from __future__ import annotations

from aims.catalogs import load_catalog, localised

CATALOG = "evidence_types"


def catalogue() -> dict:
    return load_catalog(CATALOG)


def types() -> list[dict]:
    return catalogue()["types"]


def type_of(key: str) -> dict | None:
    return next((t for t in types() if t["key"] == key), None)


def type_choices(language: str = "en") -> list[tuple[str, str]]:
    return [(t["key"], localised(t["label"], language)) for t in types()]


def type_label(key: str, language: str = "en") -> str:
    found = type_of(key)
    return localised(found["label"], language) if found else key


def default_type() -> str:
    return catalogue().get("default_type", "other")


def request_rules() -> dict:
    return {"remind_days_before_due": 3, "remind_every_days": 3, "escalate_after_days": 5,
            **(catalogue().get("requests") or {})}


def expiring_within_days() -> int:
    return int((catalogue().get("freshness") or {}).get("expiring_within_days", 30))
