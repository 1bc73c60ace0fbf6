from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("people/", views.people_list, name="people_list"),
    path("modules/<slug:module>/", views.module_placeholder, name="module_placeholder"),
]
