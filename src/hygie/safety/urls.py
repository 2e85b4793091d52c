from django.urls import path

from hygie.safety import views

app_name = "safety"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/status/", views.case_status, name="status"),
    path("report/<int:item_id>/", views.report_item, name="report_item"),
]
