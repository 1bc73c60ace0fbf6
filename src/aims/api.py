"""The REST API under /api/v1/: one NinjaAPI, each app adds its router.

Every route needs a token or a session (see core/api_auth.py) unless it says auth=None; errors are structured JSON
(core/api_errors.py). The schema is at /api/v1/openapi.json and the interactive docs at /api/v1/docs.
"""

from ninja import NinjaAPI, Swagger

from aims.core import api_schema
from aims.core.api_auth import API_AUTH
from aims.core.api_errors import SafeJSONRenderer, install_handlers
from aims.core.api_utils import list_sorts


class AimsAPI(NinjaAPI):
    """Ninja's API, whose OpenAPI schema also states the error answers, integer ranges and sort values."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return api_schema.complete(schema, list_sorts(self, path_prefix))


api = AimsAPI(
    title="AIMS API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    renderer=SafeJSONRenderer(),
    # No online validator badge: it would send the schema's address to validator.swagger.io (and the CSP
    # refuses the image anyway). The schemas section stays folded: with every module's routes, laying it out kept the
    # page busy for seconds (each operation still shows its own schemas).
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": -1}),
    description=(
        "Authenticate with a personal token (`Authorization: Bearer aims_...`, created on your profile page) or the "
        "browser session (send the CSRF token on changes). Lists take `limit`, `offset`, `sort` (prefix `-` for "
        "descending) and `q`, and answer `{\"count\": N, \"items\": [...]}`. Objects carry a `version`: send it back "
        "on PATCH; a stale one gets 409. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`. "
        "A POST may carry an `Idempotency-Key` header (1-255 characters): a retry with the same key within 24 hours "
        "gets the first answer again (`Idempotent-Replayed: true`) instead of creating a second object."
    ),
)
install_handlers(api)

from aims.core.api import router as core_router  # noqa: E402
from aims.core.api_people import router as people_router  # noqa: E402
from aims.inventory.api import router as inventory_router  # noqa: E402
from aims.inventory.api_classification import router as inventory_classification_router  # noqa: E402
from aims.inventory.api_components import router as inventory_components_router  # noqa: E402
from aims.risks.api import router as risks_router  # noqa: E402
from aims.compliance.api import router as compliance_router  # noqa: E402
from aims.evidence.api import router as evidence_router  # noqa: E402
from aims.monitoring.api import router as monitoring_router  # noqa: E402
from aims.monitoring.api_drift import router as monitoring_drift_router  # noqa: E402
from aims.monitoring.api_review import router as monitoring_review_router  # noqa: E402
from aims.suppliers.api import router as suppliers_router  # noqa: E402
from aims.suppliers.api_contracts import router as supplier_contracts_router  # noqa: E402
from aims.suppliers.api_exchange import router as supplier_exchange_router  # noqa: E402
from aims.incidents.api import router as incidents_router  # noqa: E402
from aims.incidents.api_clocks import router as incident_clocks_router  # noqa: E402
from aims.incidents.api_response import router as incident_response_router  # noqa: E402
from aims.incidents.api_vulnerabilities import router as incidents_vulnerabilities_router  # noqa: E402
from aims.incidents.api_crisis import router as incidents_crisis_router  # noqa: E402
from aims.incidents.api_disclosure import router as incidents_disclosure_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/", people_router)
api.add_router("/", inventory_router)
api.add_router("/", inventory_classification_router)
api.add_router("/", inventory_components_router)
api.add_router("/", risks_router)
api.add_router("/", compliance_router)
api.add_router("/", evidence_router)
api.add_router("/", monitoring_router)
api.add_router("/", monitoring_drift_router)
api.add_router("/", monitoring_review_router)
api.add_router("/", suppliers_router)
api.add_router("/", supplier_contracts_router)
api.add_router("/", supplier_exchange_router)
api.add_router("/", incidents_router)
api.add_router("/", incident_clocks_router)
api.add_router("/", incident_response_router)
api.add_router("/", incidents_vulnerabilities_router)
api.add_router("/", incidents_crisis_router)
api.add_router("/", incidents_disclosure_router)
