from django.urls import path

from hygie.compliance import views

app_name = "compliance"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("check/post/", views.check_post, name="check_post"),
    path("check/reply/<int:item_id>/", views.check_reply, name="check_reply"),
]
