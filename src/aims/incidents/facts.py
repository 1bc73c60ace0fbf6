"""The facts that decide which regulatory regimes apply to an incident (the catalogue's `applies_when` names them):
the incident's own facts, what its affected AI systems say, and the organisation's regulatory profile."""

from __future__ import annotations

from .labels import FACT_LABELS as LABELS
from .models import FACT_FIELDS, Category, Incident, RegulatoryProfile


def profile() -> RegulatoryProfile:
    """The organisation's profile (an empty, unsaved one until someone fills it in)."""
    return RegulatoryProfile.objects.order_by("pk").first() or RegulatoryProfile()


def facts_of(incident: Incident, *, systems=None, regulatory_profile: RegulatoryProfile | None = None) -> set[str]:
    """Every fact that holds for `incident` (its systems are read unless given)."""
    facts = {name for name in FACT_FIELDS if getattr(incident, name)}
    if incident.category == Category.PRIVACY_BREACH:
        facts.add("personal_data_breach")
    if systems is None:
        systems = list(incident.systems.all()) if incident.pk else []
    if any(s.ai_act_tier == "high_risk" for s in systems):
        facts.add("high_risk_system")
    if any(s.ai_act_tier == "high_risk" and s.ai_act_role == "deployer" for s in systems):
        facts.add("deployer")
    if any(s.ai_act_role == "provider" for s in systems):
        facts.add("provider")
    regulatory_profile = regulatory_profile or profile()
    if regulatory_profile.nis2_entity:
        facts.add("nis2_entity")
    if regulatory_profile.financial_entity:
        facts.add("financial_entity")
    if regulatory_profile.digital_products_manufacturer:
        facts.add("digital_products_manufacturer")
    return facts


def anchors_of(incident: Incident) -> dict:
    """The incident's events that deadlines count from."""
    return {"aware": incident.aware_at, "detected": incident.detected_at,
            "classified_major": incident.classified_major_at, "fix_available": incident.fix_available_at}
