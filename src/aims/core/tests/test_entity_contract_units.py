"""Organisation units under the shared entity contract (aims.core.testing_entity)."""

import itertools

from aims.core import services
from aims.core.models import OrgUnit
from aims.core.testing_entity import EntityContract

_codes = itertools.count(1)


class TestOrgUnitContract(EntityContract):
    model = OrgUnit
    writers = ("administrator", "aims_manager")
    deleters = ("administrator",)
    refused = ("risk_manager", "system_owner", "contributor", "auditor", "viewer")
    detail_page = "unit_detail"
    api_path = "/api/v1/org-units"
    api_delete = True

    def create(self, actor, unit):
        return services.create_org_unit(actor=actor, name="Claims", code=f"claims-{next(_codes)}", parent=unit)

    def update(self, actor, obj):
        return services.update_org_unit(actor=actor, unit=obj, changes={"name": "Claims & Recovery"})

    def delete(self, actor, obj):
        services.delete_org_unit(actor=actor, unit=obj)

    def api_payload(self, unit):
        return {"name": "Claims", "code": f"claims-{next(_codes)}", "parent_id": unit.pk}

    def api_change(self):
        return {"name": "Claims & Recovery"}
