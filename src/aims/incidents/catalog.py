"""The incidents catalogue (catalogs/incidents.yaml): the severity scale, as data."""

from __future__ import annotations

from aims.catalogs import localised, shared_catalog
from aims.core.labels import language

NAME = "incidents"


def severity_scale() -> list[dict]:
    """[{key, label, help}] lowest first, labels in the reader's language."""
    lang = language()
    return [{"key": entry["key"], "label": localised(entry["label"], lang), "help": localised(entry.get("help"), lang)}
            for entry in shared_catalog(NAME)["severity"]]


def severity_keys() -> list[str]:
    return [entry["key"] for entry in shared_catalog(NAME)["severity"]]


def severity_choices() -> list[tuple[str, str]]:
    return [(entry["key"], entry["label"]) for entry in severity_scale()]


def severity_label(key: str) -> str:
    return dict(severity_choices()).get(key, key)


def severity_rank(key: str) -> int:
    keys = severity_keys()
    return keys.index(key) + 1 if key in keys else 0


# --- Containment decisions (catalogue data) ---------------------------------------------------------------------------

def containment_kinds() -> list[dict]:
    """[{key, label, help, effect, in_force, alters_system, needs_component}] in the catalogue's order, words in the
    reader's language."""
    lang = language()
    return [{"key": entry["key"], "label": localised(entry["label"], lang), "help": localised(entry.get("help"), lang),
             "effect": localised(entry.get("effect"), lang), "in_force": bool(entry.get("in_force")),
             "alters_system": bool(entry.get("alters_system")), "needs_component": bool(entry.get("needs_component"))}
            for entry in shared_catalog(NAME).get("containment") or ()]


def containment_kind(key: str) -> dict | None:
    return next((kind for kind in containment_kinds() if kind["key"] == key), None)


def containment_choices() -> list[tuple[str, str]]:
    return [(kind["key"], kind["label"]) for kind in containment_kinds()]


def containment_label(key: str) -> str:
    kind = containment_kind(key)
    return kind["label"] if kind else key


def review_required(severity: str) -> bool:
    """Does closing an incident of `severity` need an approved post-incident review (catalogue's threshold)?"""
    threshold = shared_catalog(NAME).get("review_required_from")
    return bool(threshold) and severity_rank(severity) >= severity_rank(threshold) > 0


# --- Vulnerabilities (catalogue data) ---------------------------------------------------------------------------------

def _vulnerabilities() -> dict:
    return shared_catalog(NAME).get("vulnerabilities") or {}


def severity_for_score(score: float) -> str:
    """The severity of the scale a CVSS score falls in (the catalogue's bands, highest first)."""
    bands = sorted(_vulnerabilities().get("cvss_severity") or (), key=lambda band: -float(band["from"]))
    for band in bands:
        if score >= float(band["from"]):
            return band["severity"]
    return severity_keys()[0]


def mitigation_due_days(severity: str) -> int | None:
    """How many days a mitigation of a vulnerability of `severity` has (None: the catalogue sets no deadline)."""
    days = (_vulnerabilities().get("mitigation_due_days") or {}).get(severity)
    return int(days) if days is not None else None


def remind_every_days() -> int:
    return int(_vulnerabilities().get("remind_every_days") or 7)
