from django.urls import include, path

from .api import api

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("inventory/", include("aims.inventory.urls")),
    path("risks/", include("aims.risks.urls")),
    path("", include("aims.core.urls")),
]
