"""Complete EU AI Act questionnaire answers for tests and demo data (every question asked is answered).

`answers(...)` starts from an in-scope system that matches nothing and overrides what a case needs; the questions a
case hides (e.g. the Art. 6(3) ones when no Annex III use is ticked) are dropped by the questionnaire itself.
"""

from __future__ import annotations

NOTHING_MATCHES = {
    "ai_system": "yes", "scope_exclusions": ["none"], "eu_nexus": "yes",
    "organisation_role": "deployer", "becomes_provider": "no", "deployer_type": "other",
    "established_outside_eu": "no",
    "prohibited_practices": ["none"], "annex_i_legislation": ["none"], "annex_iii_uses": ["none"],
    "profiling": "no", "art_6_3_conditions": ["none"], "transparency_cases": ["none"],
    "gpai_model": "no", "built_on_gpai": "no",
}


def answers(**overrides) -> dict:
    return {**NOTHING_MATCHES, **overrides}


# A private company screening CVs with a vendor's tool: high-risk (Annex III point 4(a)), deployer duties.
CV_SCREENING = answers(annex_iii_uses=["recruitment"], profiling="yes")
