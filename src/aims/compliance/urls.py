from django.urls import path

from . import views, views_assessments, views_controls, views_frameworks, views_obligations, views_soa

app_name = "compliance"

urlpatterns = [
    path("", views.home, name="home"),
    path("frameworks/", views_frameworks.framework_list, name="framework_list"),
    path("frameworks/<int:pk>/", views_frameworks.framework_detail, name="framework_detail"),
    path("requirements/<int:pk>/", views_frameworks.requirement_detail, name="requirement_detail"),
    path("mappings/", views_frameworks.mapping_view, name="mappings"),
    path("controls/", views_controls.control_list, name="control_list"),
    path("controls/new/", views_controls.control_create, name="control_create"),
    path("controls/<int:pk>/", views_controls.control_detail, name="control_detail"),
    path("controls/<int:pk>/edit/", views_controls.control_edit, name="control_edit"),
    path("controls/<int:pk>/tests/", views_controls.test_add, name="test_add"),
    path("controls/<int:pk>/results/", views_controls.test_record, name="test_record"),
    path("soa/", views_soa.soa_page, name="soa"),
    path("soa/entries/<int:pk>/", views_soa.soa_entry, name="soa_entry"),
    path("soa/submit/", views_soa.soa_submit, name="soa_submit"),
    path("soa/versions/", views_soa.soa_versions, name="soa_versions"),
    path("soa/versions/<int:pk>/", views_soa.soa_version, name="soa_version"),
    path("soa/versions/<int:pk>/approve/", views_soa.soa_decide, {"decision": "approve"}, name="soa_approve"),
    path("soa/versions/<int:pk>/return/", views_soa.soa_decide, {"decision": "return"}, name="soa_return"),
    path("soa/export.<str:fmt>", views_soa.soa_export, name="soa_export"),
    path("obligations/", views_obligations.obligation_list, name="obligation_list"),
    path("obligations/<int:pk>/", views_obligations.obligation_detail, name="obligation_detail"),
    path("obligations/<int:pk>/edit/", views_obligations.obligation_edit, name="obligation_edit"),
    path("obligations/<int:pk>/exception/", views_obligations.obligation_exception, name="obligation_exception"),
    path("systems/<int:system_pk>/obligations/", views_obligations.system_obligations, name="system_obligations"),
    path("assessments/", views_assessments.assessment_list, name="assessment_list"),
    path("assessments/start/", views_assessments.assessment_start, name="assessment_start"),
    path("assessments/<int:pk>/", views_assessments.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/assess/", views_assessments.assessment_row, name="assessment_row"),
    path("assessments/<int:pk>/snapshot/", views_assessments.assessment_action, {"action": "snapshot"},
         name="assessment_snapshot"),
    path("assessments/<int:pk>/close/", views_assessments.assessment_action, {"action": "close"},
         name="assessment_close"),
]
