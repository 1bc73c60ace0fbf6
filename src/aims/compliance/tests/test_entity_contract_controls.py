"""Controls under the shared entity contract (aims.core.testing_entity). Controls are retired, never deleted."""

import pytest

from aims.compliance import services
from aims.compliance.models import Control
from aims.core.testing import person_with_role
from aims.core.testing_entity import EntityContract


class TestControlContract(EntityContract):
    model = Control
    writers = ("administrator", "aims_manager")
    refused = ("auditor", "viewer", "risk_manager", "system_owner", "contributor")
    detail_page = "compliance:control_detail"
    api_path = "/api/v1/controls"

    def create(self, actor, unit):
        return services.create_control(actor=actor, title="Human review of declined applications",
                                       owner=person_with_role("viewer", unit), unit=unit)

    def update(self, actor, obj):
        return services.update_control(actor=actor, control=obj, changes={"title": "Human review of every decline"})

    def api_payload(self, unit):
        return {"title": "Human review", "owner_id": person_with_role("viewer", unit).pk, "unit_id": unit.pk}

    def api_change(self):
        return {"title": "Human review of every decline"}


@pytest.fixture(autouse=True)
def _no_frameworks_needed(db):
    yield
