"""Writes to the inbox: ingestion, conversations, notes, saved replies, authors, settings.

Each action is atomic and appends an audit event in the same transaction. Ingestion is
idempotent on the network's message id: a second delivery changes nothing.

The actions live in modules by subject: ``ingestion`` (inbound messages into their
conversation, ``do_record_outbound`` for what the organisation sent), ``conversations``
(status, assignment, internal notes), ``saved_replies`` (saved replies and their rendering),
``authors`` (merging and unmerging people, linking a contact), ``inbox_settings``
(``settings_for``, ``policy_for`` and saving the settings) and ``sending`` (the checks, the
request, the outcome and the retries of a reply; exactly once, see ``outbox.py``). Import them
from here: ``from hygie.inbox.actions import …``.
"""

from hygie.inbox.actions.authors import do_link_author_contact, do_merge_authors, do_unmerge_author
from hygie.inbox.actions.conversations import (
    MAX_NOTE,
    do_add_note,
    do_assign_conversation,
    do_set_conversation_status,
)
from hygie.inbox.actions.inbox_settings import (
    SETTINGS_FIELDS,
    do_save_inbox_settings,
    policy_for,
    settings_for,
)
from hygie.inbox.actions.ingestion import (
    EXCERPT,
    do_ingest_item,
    do_record_outbound,
    thread_id_for,
)
from hygie.inbox.actions.saved_replies import (
    do_create_saved_reply,
    do_delete_saved_reply,
    do_update_saved_reply,
    render_saved_reply,
    reply_values,
)
from hygie.inbox.actions.sending import (
    COLLISION_WINDOW,
    MAX_REPLY,
    ReplyRefused,
    do_confirm_reply_sent,
    do_record_reply_sent,
    do_retry_reply,
    do_send_reply,
    first_attempt,
    reply_check,
    reply_refusal,
    whatsapp_window_closed,
)

__all__ = [
    "COLLISION_WINDOW",
    "EXCERPT",
    "MAX_NOTE",
    "MAX_REPLY",
    "SETTINGS_FIELDS",
    "ReplyRefused",
    "do_add_note",
    "do_assign_conversation",
    "do_confirm_reply_sent",
    "do_create_saved_reply",
    "do_delete_saved_reply",
    "do_ingest_item",
    "do_link_author_contact",
    "do_merge_authors",
    "do_record_outbound",
    "do_record_reply_sent",
    "do_retry_reply",
    "do_save_inbox_settings",
    "do_send_reply",
    "do_set_conversation_status",
    "do_unmerge_author",
    "do_update_saved_reply",
    "first_attempt",
    "policy_for",
    "render_saved_reply",
    "reply_check",
    "reply_refusal",
    "reply_values",
    "settings_for",
    "thread_id_for",
    "whatsapp_window_closed",
]
