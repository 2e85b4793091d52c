from django.urls import path

from hygie.triage import views

app_name = "triage"
urlpatterns = [path("settings/", views.triage_settings, name="settings")]
