from django.urls import path

from hygie.publishing import views, views_exchange, views_planning

app_name = "publishing"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("compose/", views.compose, name="compose"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/unschedule/", views.post_unschedule, name="post_unschedule"),
    path("compose/check/", views.compose_check, name="compose_check"),
    path("posts/export.csv", views_exchange.export_csv, name="export_csv"),
    path("posts/import/", views_exchange.import_csv, name="import_csv"),
    path("calendar/feed/renew/", views_exchange.feed_renew, name="feed_renew"),
    path("calendar/slots/", views_planning.slots, name="slots"),
    path("calendar/slots/<int:slot_id>/remove/", views_planning.slot_remove, name="slot_remove"),
    path("posts/<int:post_id>/reschedule/", views_planning.post_reschedule, name="post_reschedule"),
    path("campaigns/", views_planning.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views_planning.campaign_edit, name="campaign_edit"),
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
