"""The REST API under /api/v1/: one NinjaAPI, each app adds its router.

Every route needs a token or a session (see core/api_auth.py) unless it says auth=None; errors are structured JSON
(core/api_errors.py). The schema is at /api/v1/openapi.json and the interactive docs at /api/v1/docs.
"""

from ninja import NinjaAPI, Swagger

from aims.core.api_auth import API_AUTH
from aims.core.api_errors import SafeJSONRenderer, install_handlers

api = NinjaAPI(
    title="AIMS API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    renderer=SafeJSONRenderer(),
    # No online validator badge: it would send the schema's address to validator.swagger.io (and the CSP
    # refuses the image anyway).
    docs=Swagger(settings={"validatorUrl": None}),
    description=(
        "Authenticate with a personal token (`Authorization: Bearer aims_...`, created on your profile page) or the "
        "browser session (send the CSRF token on changes). Lists take `limit`, `offset`, `sort` (prefix `-` for "
        "descending) and `q`, and answer `{\"count\": N, \"items\": [...]}`. Objects carry a `version`: send it back "
        "on PATCH; a stale one gets 409. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`."
    ),
)
install_handlers(api)

from aims.core.api import router as core_router  # noqa: E402
from aims.core.api_people import router as people_router  # noqa: E402
from aims.inventory.api import router as inventory_router  # noqa: E402
from aims.inventory.api_classification import router as inventory_classification_router  # noqa: E402
from aims.inventory.api_components import router as inventory_components_router  # noqa: E402
from aims.risks.api import router as risks_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/", people_router)
api.add_router("/", inventory_router)
api.add_router("/", inventory_classification_router)
api.add_router("/", inventory_components_router)
api.add_router("/", risks_router)
