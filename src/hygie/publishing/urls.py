from django.urls import path

from hygie.publishing import views

app_name = "publishing"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("compose/", views.compose, name="compose"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/unschedule/", views.post_unschedule, name="post_unschedule"),
    path("compose/check/", views.compose_check, name="compose_check"),
    path("posts/export.csv", views.export_csv, name="export_csv"),
    path("posts/import/", views.import_csv, name="import_csv"),
    path("calendar/feed/renew/", views.feed_renew, name="feed_renew"),
    path("calendar/slots/", views.slots, name="slots"),
    path("calendar/slots/<int:slot_id>/remove/", views.slot_remove, name="slot_remove"),
    path("posts/<int:post_id>/reschedule/", views.post_reschedule, name="post_reschedule"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views.campaign_edit, name="campaign_edit"),
    path("posts/<int:post_id>/media/<int:media_id>/", views.media_edit, name="media_edit"),
    path(
        "posts/<int:post_id>/channels/<int:target_id>/retry/",
        views.target_retry,
        name="target_retry",
    ),
    path(
        "posts/<int:post_id>/channels/<int:target_id>/confirm/",
        views.target_confirm,
        name="target_confirm",
    ),
]
