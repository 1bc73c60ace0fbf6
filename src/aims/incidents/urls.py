from django.urls import path

from . import views, views_vulnerabilities

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_create, name="create"),
    path("clocks/", views.clock_list, name="clocks"),
    path("clocks/<int:pk>/submit/", views.clock_submit, name="clock_submit"),
    path("profile/", views.profile, name="profile"),
    path("regimes/<int:pk>/dismiss/", views.regime_dismiss, name="regime_dismiss"),
    path("vulnerabilities/", views_vulnerabilities.vulnerability_list, name="vulnerability_list"),
    path("vulnerabilities/new/", views_vulnerabilities.vulnerability_create, name="vulnerability_create"),
    path("vulnerabilities/<int:pk>/", views_vulnerabilities.vulnerability_detail, name="vulnerability_detail"),
    path("vulnerabilities/<int:pk>/edit/", views_vulnerabilities.vulnerability_edit, name="vulnerability_edit"),
    path("vulnerabilities/<int:pk>/status/", views_vulnerabilities.vulnerability_status,
         name="vulnerability_status"),
    path("vulnerabilities/<int:pk>/mitigations/", views_vulnerabilities.mitigation_add, name="mitigation_add"),
    path("vulnerability-mitigations/<int:pk>/done/", views_vulnerabilities.mitigation_done, name="mitigation_done"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/status/", views.incident_status, name="status"),
    path("<int:pk>/timeline/", views.timeline_add, name="timeline_add"),
    path("<int:pk>/regimes/<slug:regime>/apply/", views.regime_apply, name="regime_apply"),
    path("<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("decisions/<int:pk>/lift/", views.decision_lift, name="decision_lift"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("systems/<int:pk>/", views.system_panel, name="system_panel"),
    path("<int:pk>/review/", views.review_save, name="review_save"),
    path("<int:pk>/review/actions/", views.review_action_add, name="review_action_add"),
    path("<int:pk>/review/<slug:verdict>/", views.review_decide, name="review_decide"),
    path("review-actions/<int:pk>/done/", views.review_action_done, name="review_action_done"),
]
