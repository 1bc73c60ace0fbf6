"""Demo data of the risk module, registered with the demo registry (aims.core.demo): the shipped catalogues, the default
4x4 method (active), and an HR chatbot owned by the HR system owner, with its suggested risks.

Everything goes through the services, as a person would, so the demo's ledger reads like real use.
"""

from __future__ import annotations

from aims.core.demo import Organisation
from aims.core.models import User
from aims.inventory.models import AISystem

from . import services

CHATBOT_REFERENCE = "AIS-DEMO-HR-BOT"
CHATBOT_OWNER = "sophie.durand@example.com"


def load(organisation: Organisation) -> AISystem | None:
    """Load once; returns the demo chatbot (None when the HR unit or its owner is missing)."""
    admin, units = organisation.admin, organisation.units
    services.load_builtin_catalogs(actor=None)
    services.load_default_method(actor=None)
    existing = AISystem.objects.filter(reference_code=CHATBOT_REFERENCE).first()
    if existing is not None:
        return existing
    owner = User.objects.filter(email=CHATBOT_OWNER).first()
    hr = units.get("hr")
    if owner is None or hr is None:
        return None
    from aims.inventory import services as inventory

    chatbot = inventory.create_system(
        actor=admin, name="HR assistant chatbot", unit=hr, owner=owner, reference_code=CHATBOT_REFERENCE,
        purpose="Answers employees' questions about leave, payroll and HR policies in a chat window, using a "
                "large language model (LLM) over the HR knowledge base.",
        intended_use="Internal self-service for employees; escalates to an HR officer when unsure.",
        personal_data=True, external_exposure="internal", criticality="medium",
        reason="demo data",
    )  # registering it records its suggested risks (risks/receivers.py)
    return chatbot
