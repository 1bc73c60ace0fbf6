"""Risks under the shared entity contract (aims.core.testing_entity). Risks are closed, never deleted."""

import pytest

from aims.core.testing import person_with_role
from aims.core.testing_entity import EntityContract
from aims.risks import services
from aims.risks.models import Risk


@pytest.fixture(autouse=True)
def _active_method(db):
    services.load_default_method(actor=None)


class TestRiskContract(EntityContract):
    model = Risk
    writers = ("administrator", "aims_manager", "risk_manager", "system_owner", "contributor")
    refused = ("auditor", "viewer")
    detail_page = "risks:risk_detail"
    api_path = "/api/v1/risks"

    def create(self, actor, unit):
        return services.create_risk(actor=actor, title="Prompt injection", category="security",
                                    owner=person_with_role("contributor", unit), unit=unit)

    def update(self, actor, obj):
        return services.update_risk(actor=actor, risk=obj, changes={"title": "Indirect prompt injection"})

    def api_payload(self, unit):
        return {"title": "Prompt injection", "category": "security", "owner_id": person_with_role("contributor", unit).pk,
                "unit_id": unit.pk}

    def api_change(self):
        return {"title": "Indirect prompt injection"}
