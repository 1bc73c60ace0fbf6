"""Suppliers under the shared entity contract (aims.core.testing_entity): never deleted (their history is evidence;
they are suspended instead)."""

from aims.core.testing_entity import EntityContract
from aims.suppliers import services
from aims.suppliers.models import Supplier


class TestSupplierContract(EntityContract):
    model = Supplier
    writers = ("administrator", "aims_manager", "system_owner")
    refused = ("risk_manager", "contributor", "auditor", "viewer")
    detail_page = "suppliers:supplier_detail"
    api_path = "/api/v1/suppliers"

    def create(self, actor, unit):
        return services.create_supplier(actor=actor, legal_name="Lumen Language Models Ltd", unit=unit)

    def update(self, actor, obj):
        return services.update_supplier(actor=actor, supplier=obj, changes={"country": "IE"})

    def api_payload(self, unit):
        return {"legal_name": "Lumen Language Models Ltd", "unit_id": unit.pk, "country": "IE"}

    def api_change(self):
        return {"services": "Hosted LLM API"}
