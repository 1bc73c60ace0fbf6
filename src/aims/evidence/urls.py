from django.urls import path

from . import views, views_actions, views_requests

app_name = "evidence"

urlpatterns = [
    path("", views.evidence_list, name="list"),
    path("new/", views.evidence_create, name="create"),
    path("attach/", views.link_add, name="link_add"),
    path("<int:pk>/", views.evidence_detail, name="detail"),
    path("<int:pk>/edit/", views.evidence_edit, name="edit"),
    path("<int:pk>/versions/", views.version_add, name="version_add"),
    path("<int:pk>/versions/<int:number>/download/", views.version_download, name="download"),
    path("<int:pk>/versions/<int:number>/approve/", views.version_approve, name="version_approve"),
    path("<int:pk>/links/<int:link_pk>/remove/", views_actions.link_remove, name="link_remove"),
    path("<int:pk>/legal-hold/", views_actions.legal_hold, name="legal_hold"),
    path("<int:pk>/reconfirm/", views_actions.reconfirm, name="reconfirm"),
    path("<int:pk>/delete/", views_actions.delete, name="delete"),
    path("requests/", views_requests.request_list, name="request_list"),
    path("requests/new/", views_requests.request_create, name="request_create"),
    path("requests/<int:pk>/", views_requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/answer/", views_requests.request_fulfil, name="request_fulfil"),
    path("requests/<int:pk>/cancel/", views_requests.request_cancel, name="request_cancel"),
]
