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
