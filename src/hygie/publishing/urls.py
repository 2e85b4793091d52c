from django.urls import path

from hygie.publishing import views

app_name = "publishing"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("compose/", views.compose, name="compose"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/unschedule/", views.post_unschedule, name="post_unschedule"),
]
