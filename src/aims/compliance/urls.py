from django.urls import path

from . import views, views_frameworks

app_name = "compliance"

urlpatterns = [
    path("", views.home, name="home"),
    path("frameworks/", views_frameworks.framework_list, name="framework_list"),
    path("frameworks/<int:pk>/", views_frameworks.framework_detail, name="framework_detail"),
    path("requirements/<int:pk>/", views_frameworks.requirement_detail, name="requirement_detail"),
    path("mappings/", views_frameworks.mapping_view, name="mappings"),
]
