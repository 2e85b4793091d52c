from django.urls import path

from hygie.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("meta/", views.meta, name="meta"),
]
