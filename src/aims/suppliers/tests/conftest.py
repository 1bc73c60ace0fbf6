"""Fixtures for the supplier tests: people in roles over the shared `org` tree, a supplier ready for approval."""

import pytest

from aims.core.testing import person_with_role
from aims.suppliers import services

ALL_CLAUSES = ["incident_notification", "change_notice", "audit_rights", "data_return", "reversibility",
               "liability_ip", "ai_act_documentation"]


@pytest.fixture
def manager(org):
    """AIMS manager over the whole organisation: writes suppliers and approves their onboarding."""
    return person_with_role("aims_manager", home_unit=org["root"])


@pytest.fixture
def procurement(org):
    """A system owner over North: registers and owns North's suppliers, may not approve them."""
    return person_with_role("system_owner", org["north"])


@pytest.fixture
def backup(org):
    return person_with_role("system_owner", org["north"])


@pytest.fixture
def make_supplier(procurement, backup, org):
    def make(**fields):
        fields.setdefault("legal_name", "Lumen Language Models Ltd")
        fields.setdefault("unit", org["north"])
        fields.setdefault("owner", procurement)
        fields.setdefault("backup", backup)
        return services.create_supplier(actor=procurement, **fields)
    return make


@pytest.fixture
def ready_supplier(make_supplier, procurement):
    """Owner, backup, every clause and a completed assessment at 80: nothing missing."""
    supplier = make_supplier(clauses=ALL_CLAUSES)
    assessment = services.start_assessment(actor=procurement, supplier=supplier)
    services.complete_assessment(actor=procurement, assessment=assessment, score=80)
    supplier.refresh_from_db()
    return supplier
