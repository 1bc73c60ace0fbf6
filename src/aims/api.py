"""The REST API under /api/v1/: one NinjaAPI, each app adds its router."""

from ninja import NinjaAPI

api = NinjaAPI(title="AIMS API", version="1", urls_namespace="api")

from aims.core.api import router as core_router  # noqa: E402

api.add_router("/", core_router)
