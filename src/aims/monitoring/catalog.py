"""The monitoring catalogue (catalogs/monitoring.yaml): KPI families, frequencies, closure axes, alert defaults."""

from __future__ import annotations

from django.utils import translation

from aims.catalogs import load_catalog, localised

NAME = "monitoring"


def catalogue() -> dict:
    return load_catalog(NAME)


def version() -> str:
    return str(catalogue()["version"])


def _language(language: str | None) -> str:
    return language or translation.get_language() or "en"


def kpi_entries() -> dict[str, dict]:
    """Catalogue KPIs by key, each with its `family` key added."""
    entries = {}
    for family, data in catalogue()["families"].items():
        for key, entry in (data.get("kpis") or {}).items():
            entries[key] = {**entry, "family": family}
    return entries


def kpi_entry(key: str) -> dict | None:
    return kpi_entries().get(key)


def kpi_label(key: str, language: str | None = None) -> str:
    entry = kpi_entry(key)
    return localised(entry["label"], _language(language)) if entry else ""


def families(language: str | None = None) -> list[dict]:
    """[{key, label, kpis: [{key, label, unit, direction, frequency, suggested, help}]}] in catalogue order."""
    language = _language(language)
    result = []
    for family, data in catalogue()["families"].items():
        result.append({"key": family, "label": localised(data["label"], language), "kpis": [
            {"key": key, "label": localised(entry["label"], language), "unit": entry.get("unit", ""),
             "direction": entry.get("direction", "higher"), "frequency": entry.get("frequency", "daily"),
             "suggested": entry.get("suggested") or {}, "help": localised(entry.get("help", ""), language)}
            for key, entry in (data.get("kpis") or {}).items()]})
    return result


def frequency_hours(frequency: str) -> float:
    return float(catalogue()["frequencies"][frequency]["hours"])


def stale_grace() -> float:
    return float(catalogue().get("stale_grace", 0.5))


def closure_axes(language: str | None = None) -> list[dict]:
    language = _language(language)
    return [{"key": key, **entry, "label": localised(entry["label"], language),
             "help": localised(entry.get("help", ""), language)}
            for key, entry in catalogue()["closure"]["axes"].items()]


def closure_signers() -> dict:
    return catalogue()["closure"].get("signers") or {}


def alert_policy_defaults() -> dict:
    return dict(catalogue().get("alert_policy") or {})
