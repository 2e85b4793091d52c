from django.urls import path

from hygie.approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:request_id>/", views.request_detail, name="request"),
    path("<int:request_id>/sign/", views.sign, name="sign"),
    path("<int:request_id>/override/", views.override, name="override"),
    path("submit/<int:post_id>/", views.submit, name="submit"),
    path("workflows/", views.workflows, name="workflows"),
    path("workflows/new/", views.workflow_edit, name="workflow_new"),
    path("workflows/<int:workflow_id>/", views.workflow_edit, name="workflow_edit"),
]
