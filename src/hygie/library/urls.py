from django.urls import path

from hygie.library import views

app_name = "library"

urlpatterns = [
    path("", views.home, name="home"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/delete/", views.template_delete, name="template_delete"),
    path("announcements/", views.announcements_page, name="announcements"),
]
