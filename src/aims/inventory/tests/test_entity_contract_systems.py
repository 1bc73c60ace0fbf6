"""AI systems under the shared entity contract (aims.core.testing_entity)."""

from aims.core.testing import person_with_role
from aims.core.testing_entity import EntityContract
from aims.inventory import services
from aims.inventory.models import AISystem


class TestAISystemContract(EntityContract):
    model = AISystem
    writers = ("administrator", "aims_manager", "system_owner", "contributor")
    deleters = ("administrator", "aims_manager")
    refused = ("risk_manager", "auditor", "viewer")
    detail_page = "inventory:system_detail"
    api_path = "/api/v1/systems"

    def create(self, actor, unit):
        return services.create_system(actor=actor, name="Claims triage", unit=unit, owner=person_with_role("system_owner", unit))

    def update(self, actor, obj):
        return services.update_system(actor=actor, system=obj, changes={"name": "Claims triage v2"})

    def delete(self, actor, obj):
        services.delete_system(actor=actor, system=obj)

    def api_payload(self, unit):
        return {"name": "Claims triage", "unit_id": unit.pk, "owner_id": person_with_role("system_owner", unit).pk}

    def api_change(self):
        return {"name": "Claims triage v2"}
