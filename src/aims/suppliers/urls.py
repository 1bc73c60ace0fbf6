from django.urls import path

from . import views, views_audits, views_contracts, views_import

app_name = "suppliers"

urlpatterns = [
    path("", views.supplier_list, name="supplier_list"),
    path("new/", views.supplier_create, name="supplier_create"),
    path("export/", views.supplier_export, name="supplier_export"),
    path("import/", views_import.supplier_import, name="supplier_import"),
    path("<int:pk>/", views.supplier_detail, name="supplier_detail"),
    path("<int:pk>/edit/", views.supplier_edit, name="supplier_edit"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/remove/", views.contact_remove, name="contact_remove"),
    path("<int:pk>/certifications/", views.certification_add, name="certification_add"),
    path("<int:pk>/certifications/<int:certification_pk>/remove/", views.certification_remove,
         name="certification_remove"),
    path("<int:pk>/supplies/", views.supply_add, name="supply_add"),
    path("<int:pk>/supplies/<int:supply_pk>/remove/", views.supply_remove, name="supply_remove"),
    path("<int:pk>/assessments/", views.assessment_start, name="assessment_start"),
    path("<int:pk>/assessments/<int:assessment_pk>/score/", views.assessment_complete, name="assessment_complete"),
    path("<int:pk>/submit/", views.supplier_submit, name="supplier_submit"),
    path("<int:pk>/approve/", views.supplier_approve, name="supplier_approve"),
    path("<int:pk>/return/", views.supplier_return, name="supplier_return"),
    path("<int:pk>/suspend/", views.supplier_suspend, name="supplier_suspend"),
    path("<int:pk>/questionnaires/", views.questionnaire_send, name="questionnaire_send"),
    path("<int:pk>/questionnaires/<int:questionnaire_pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("<int:pk>/questionnaires/<int:questionnaire_pk>/review/", views.questionnaire_review,
         name="questionnaire_review"),
    path("<int:pk>/questionnaires/<int:questionnaire_pk>/follow-up/", views.questionnaire_return,
         name="questionnaire_return"),
    path("<int:pk>/questionnaires/<int:questionnaire_pk>/revoke/", views.questionnaire_revoke,
         name="questionnaire_revoke"),
    # Contracts with their clause checklist (views_contracts.py)
    path("<int:pk>/contracts/new/", views_contracts.contract_create, name="contract_create"),
    path("<int:pk>/contracts/<int:contract_pk>/", views_contracts.contract_detail, name="contract_detail"),
    path("<int:pk>/contracts/<int:contract_pk>/edit/", views_contracts.contract_edit, name="contract_edit"),
    # Audits, exit plan, change events (views_audits.py)
    path("<int:pk>/audits/new/", views_audits.audit_create, name="audit_create"),
    path("<int:pk>/audits/<int:audit_pk>/", views_audits.audit_detail, name="audit_detail"),
    path("<int:pk>/audits/<int:audit_pk>/findings/", views_audits.finding_add, name="finding_add"),
    path("<int:pk>/audits/<int:audit_pk>/findings/<int:finding_pk>/actions/", views_audits.audit_action_add,
         name="audit_action_add"),
    path("<int:pk>/audits/<int:audit_pk>/actions/<int:audit_action_pk>/done/", views_audits.audit_action_done,
         name="audit_action_done"),
    path("<int:pk>/exit-plan/", views_audits.exit_plan, name="exit_plan"),
    path("<int:pk>/exit-plan/edit/", views_audits.exit_plan_edit, name="exit_plan_edit"),
    path("<int:pk>/changes/", views_audits.change_record, name="change_record"),
]

# The supply chain (views_supply_chain.py): kept apart from the register's routes above.
from . import views_supply_chain  # noqa: E402

urlpatterns += [
    path("dependencies/", views_supply_chain.dependency_view, name="dependency_view"),
]

# A supplier's CycloneDX BOM (views_bom.py)
from . import views_bom  # noqa: E402

urlpatterns += [
    path("<int:pk>/bom/", views_bom.supplier_bom, name="supplier_bom"),
]
