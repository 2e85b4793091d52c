from django.urls import path

from hygie.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("entries/<int:entry_id>/confirm/", views.entry_confirm, name="entry_confirm"),
    path("entries/<int:entry_id>/restore/", views.entry_restore, name="entry_restore"),
    path("items/<int:item_id>/moderate/", views.item_moderate, name="item_moderate"),
    path("evidence/<int:evidence_id>/", views.evidence_detail, name="evidence"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
]
