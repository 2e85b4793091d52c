from django.urls import path

from hygie.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.item_list, name="list"),
    path("<int:item_id>/", views.item_detail, name="detail"),
    path("<int:item_id>/status/", views.item_status, name="status"),
    path("<int:item_id>/assign-me/", views.item_assign_me, name="assign_me"),
]
