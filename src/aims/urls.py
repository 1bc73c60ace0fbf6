from django.urls import include, path

from .api import api
from .incidents import views_disclosure_public as cvd
from .incidents.security_txt import security_txt
from .suppliers.views_public import questionnaire_page

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("inventory/", include("aims.inventory.urls")),
    path("risks/", include("aims.risks.urls")),
    path("compliance/", include("aims.compliance.urls")),
    path("evidence/", include("aims.evidence.urls")),
    path("monitoring/", include("aims.monitoring.urls")),
    path("suppliers/", include("aims.suppliers.urls")),
    path("incidents/", include("aims.incidents.urls")),
    # A supplier's contact answers a due-diligence questionnaire here without an account (the secret is the key).
    path("supplier-questionnaire/<str:secret>/", questionnaire_page, name="supplier_questionnaire"),
    # Anyone reports a vulnerability here without an account; the reporter follows it through a private link.
    path("security/report/", cvd.report_page, name="cvd_report"),
    path("security/report/<str:secret>/", cvd.case_page, name="cvd_case"),
    path(".well-known/security.txt", security_txt, name="security_txt"),
    path("", include("aims.core.urls")),
]

# Error pages in the product's layout and the reader's language (core/views_errors.py).
handler400 = "aims.core.views_errors.bad_request"
handler403 = "aims.core.views_errors.permission_denied"
handler404 = "aims.core.views_errors.page_not_found"
handler500 = "aims.core.views_errors.server_error"
