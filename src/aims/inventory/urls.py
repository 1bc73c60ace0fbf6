from django.urls import path

from . import (
    views_classification, views_components, views_docs, views_exchange, views_governance, views_portfolio,
    views_shadow, views_systems,
)

app_name = "inventory"

urlpatterns = [
    path("", views_portfolio.portfolio_page, name="portfolio"),
    # Import and export
    path("export/", views_exchange.portfolio_export, name="portfolio_export"),
    path("import/", views_exchange.import_page, name="import"),
    path("import/template/", views_exchange.import_template, name="import_template"),
    path("systems/<int:pk>/cyclonedx.json", views_exchange.system_cyclonedx, name="system_cyclonedx"),
    # Systems
    path("systems/new/", views_systems.system_create, name="system_create"),
    path("systems/<int:pk>/", views_systems.system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", views_systems.system_edit, name="system_edit"),
    path("systems/<int:pk>/components/link/", views_systems.link_component, name="system_link_component"),
    path("systems/<int:pk>/components/<int:link_pk>/unlink/", views_systems.unlink_component,
         name="system_unlink_component"),
    path("systems/<int:pk>/dependencies/link/", views_systems.link_dependency, name="system_link_dependency"),
    path("systems/<int:pk>/dependencies/<int:link_pk>/unlink/", views_systems.unlink_dependency,
         name="system_unlink_dependency"),
    # Governance: classification, lifecycle, change decisions
    path("systems/<int:pk>/classify/", views_classification.classify, name="system_classify"),
    path("systems/<int:pk>/classify/preview/", views_classification.preview, name="system_classify_preview"),
    path("systems/<int:pk>/classifications/<int:classification_pk>/sign-off/", views_classification.sign_off,
         name="classification_sign_off"),
    path("systems/<int:pk>/go-live-approval/", views_governance.approve_go_live, name="system_approve_go_live"),
    path("systems/<int:pk>/move/", views_governance.move_stage, name="system_move"),
    path("systems/<int:pk>/changes/new/", views_governance.request_change, name="change_request"),
    path("changes/<int:pk>/", views_governance.change_detail, name="change_detail"),
    path("changes/<int:pk>/approve/", views_governance.change_verdict, {"verdict": "approve"}, name="change_approve"),
    path("changes/<int:pk>/reject/", views_governance.change_verdict, {"verdict": "reject"}, name="change_reject"),
    path("changes/<int:pk>/effective/", views_governance.change_effective, name="change_effective"),
    # Documentation
    path("systems/<int:pk>/model-card/", views_docs.model_card_edit, name="model_card_edit"),
    path("systems/<int:pk>/decisions/new/", views_docs.decision_add, name="decision_add"),
    path("systems/<int:pk>/playbooks/new/", views_docs.playbook_create, name="playbook_create"),
    path("systems/<int:pk>/playbooks/<int:playbook_pk>/edit/", views_docs.playbook_edit, name="playbook_edit"),
    # Components and dependencies
    path("components/", views_components.component_list, name="component_list"),
    path("components/new/", views_components.component_create, name="component_create"),
    path("components/<int:pk>/", views_components.component_detail, name="component_detail"),
    path("components/<int:pk>/edit/", views_components.component_edit, name="component_edit"),
    path("components/<int:pk>/dependencies/link/", views_components.component_link_dependency,
         name="component_link_dependency"),
    path("components/<int:pk>/dependencies/<int:link_pk>/unlink/", views_components.component_unlink_dependency,
         name="component_unlink_dependency"),
    path("dependencies/", views_components.dependency_list, name="dependency_list"),
    path("dependencies/new/", views_components.dependency_create, name="dependency_create"),
    path("dependencies/<int:pk>/", views_components.dependency_detail, name="dependency_detail"),
    path("dependencies/<int:pk>/edit/", views_components.dependency_edit, name="dependency_edit"),
    # Shadow AI
    path("shadow-ai/", views_shadow.shadow_list, name="shadow_list"),
    path("shadow-ai/declare/", views_shadow.shadow_declare, name="shadow_declare"),
    path("shadow-ai/<int:pk>/", views_shadow.shadow_detail, name="shadow_detail"),
    path("shadow-ai/<int:pk>/convert/", views_shadow.shadow_convert, name="shadow_convert"),
    path("shadow-ai/<int:pk>/reject/", views_shadow.shadow_reject, name="shadow_reject"),
]
