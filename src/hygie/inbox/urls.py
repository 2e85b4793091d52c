from django.urls import path

from hygie.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("c/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("c/<int:conversation_id>/status/", views.conversation_status, name="conversation_status"),
    path("c/<int:conversation_id>/assign/", views.conversation_assign, name="conversation_assign"),
    path("c/<int:conversation_id>/notes/", views.conversation_note, name="conversation_note"),
    path("c/<int:conversation_id>/reply/", views.conversation_reply, name="conversation_reply"),
    path("c/<int:conversation_id>/reply/retry/", views.reply_retry, name="reply_retry"),
    path("c/<int:conversation_id>/reply/confirm/", views.reply_confirm, name="reply_confirm"),
    path(
        "c/<int:conversation_id>/presence/",
        views.conversation_presence,
        name="conversation_presence",
    ),
    path(
        "c/<int:conversation_id>/saved-reply/", views.saved_reply_render, name="saved_reply_render"
    ),
    path(
        "c/<int:conversation_id>/authors/<int:author_id>/merge/",
        views.author_merge,
        name="author_merge",
    ),
    path(
        "c/<int:conversation_id>/authors/<int:author_id>/unmerge/",
        views.author_unmerge,
        name="author_unmerge",
    ),
    path(
        "c/<int:conversation_id>/authors/<int:author_id>/contact/",
        views.author_contact,
        name="author_contact",
    ),
    path("replies/", views.saved_reply_list, name="saved_replies"),
    path("replies/<int:reply_id>/", views.saved_reply_edit, name="saved_reply_edit"),
    path("replies/<int:reply_id>/delete/", views.saved_reply_delete, name="saved_reply_delete"),
    path("settings/", views.inbox_settings, name="settings"),
    # Addresses of single messages (the safety pages link to them): their conversation.
    path("<int:item_id>/", views.item_detail, name="detail"),
    path("<int:item_id>/status/", views.item_status, name="status"),
    path("<int:item_id>/assign-me/", views.item_assign_me, name="assign_me"),
]
