from django.urls import path

from . import views_alerts, views_closure, views_dashboards, views_drift, views_kpis

app_name = "monitoring"

urlpatterns = [
    path("", views_dashboards.operational, name="dashboard"),
    path("tactical/", views_dashboards.tactical, name="tactical"),
    path("strategic/", views_dashboards.strategic, name="strategic"),
    path("systems/<int:system_pk>/", views_kpis.system_page, name="system"),
    path("systems/<int:system_pk>/kpis/new/", views_kpis.kpi_create, name="kpi_create"),
    path("systems/<int:system_pk>/tokens/new/", views_kpis.token_create, name="token_create"),
    path("systems/<int:system_pk>/policy/", views_kpis.policy_edit, name="policy_edit"),
    path("systems/<int:system_pk>/drift/reference/", views_drift.reference_upload, name="drift_reference"),
    path("systems/<int:system_pk>/drift/run/", views_drift.run_request, name="drift_run"),
    path("systems/<int:system_pk>/drift/settings/", views_drift.drift_settings, name="drift_settings"),
    path("drift/<int:pk>/", views_drift.drift_detail, name="drift_detail"),
    path("drift/<int:pk>/progress/", views_drift.drift_progress, name="drift_progress"),
    path("systems/<int:system_pk>/closure/start/", views_closure.closure_start, name="closure_start"),
    path("closure/<int:pk>/", views_closure.closure_detail, name="closure_detail"),
    path("closure/<int:pk>/save/", views_closure.closure_save, name="closure_save"),
    path("closure/<int:pk>/sign/", views_closure.closure_sign, name="closure_sign"),
    path("tokens/<int:pk>/revoke/", views_kpis.token_revoke, name="token_revoke"),
    path("kpis/<int:pk>/", views_kpis.kpi_detail, name="kpi_detail"),
    path("kpis/<int:pk>/edit/", views_kpis.kpi_edit, name="kpi_edit"),
    path("kpis/<int:pk>/thresholds/", views_kpis.kpi_thresholds, name="kpi_thresholds"),
    path("kpis/<int:pk>/measurements/", views_kpis.kpi_measure, name="kpi_measure"),
    path("alerts/", views_alerts.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views_alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views_alerts.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/resolve/", views_alerts.alert_resolve, name="alert_resolve"),
    path("suggestions/<int:pk>/confirm/", views_alerts.suggestion_confirm, name="suggestion_confirm"),
    path("suggestions/<int:pk>/dismiss/", views_alerts.suggestion_dismiss, name="suggestion_dismiss"),
]
