from django.urls import path

from hygie.channels import views

app_name = "channels"

urlpatterns = [
    path("", views.channel_list, name="list"),
    path("<int:channel_id>/status/", views.channel_status, name="status"),
    path("connect/", views.connect, name="connect"),
    path("connect/bluesky/", views.connect_bluesky, name="connect_bluesky"),
    path("connect/mastodon/", views.connect_mastodon, name="connect_mastodon"),
    path("connect/matrix/", views.connect_matrix, name="connect_matrix"),
    path("connect/whatsapp/", views.connect_whatsapp, name="connect_whatsapp"),
    path("connect/email/", views.connect_email, name="connect_email"),
    path("connect/<slug:network>/authorise/", views.oauth_start, name="oauth_start"),
    path("connect/choose/", views.oauth_choose, name="oauth_choose"),
]
