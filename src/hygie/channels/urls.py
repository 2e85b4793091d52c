from django.urls import path

from hygie.channels import views

app_name = "channels"

urlpatterns = [
    path("", views.channel_list, name="list"),
    path("<int:channel_id>/status/", views.channel_status, name="status"),
]
