from django.urls import path

from hygie.safety import views

app_name = "safety"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("export.csv", views.cases_csv, name="cases_csv"),
    path("settings/", views.safety_settings, name="settings"),
    path("settings/templates/", views.ack_template_save, name="ack_template_new"),
    path(
        "settings/templates/<int:ack_template_id>/",
        views.ack_template_save,
        name="ack_template_edit",
    ),
    path("report/<int:item_id>/", views.report_item, name="report_item"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/take/", views.case_take, name="take"),
    path("<int:case_id>/criteria/", views.case_criterion, name="criterion"),
    path("<int:case_id>/seriousness/", views.case_seriousness, name="seriousness"),
    path("<int:case_id>/details/", views.case_details, name="details"),
    path("<int:case_id>/follow-ups/", views.case_follow_up, name="follow_up"),
    path("<int:case_id>/acknowledge/", views.case_acknowledge, name="acknowledge"),
    path("<int:case_id>/duplicates/", views.case_link, name="link"),
    path("<int:case_id>/duplicates/unlink/", views.case_unlink, name="unlink"),
    path("<int:case_id>/forward/", views.case_forward, name="forward"),
    path("<int:case_id>/close/", views.case_close, name="close"),
    path("<int:case_id>/reopen/", views.case_reopen, name="reopen"),
    path("<int:case_id>/e2b.xml", views.case_e2b, name="e2b"),
    path("<int:case_id>/declaration/", views.case_declaration, name="declaration"),
    path("<int:case_id>/declaration/done/", views.case_declared, name="declared"),
]
