"""Give every existing message its author and its own conversation.

Messages stored before conversations existed carry no thread information, so each one becomes
a conversation of its own (thread id = the message's network id), keeping its status and
assignee. Its author is found or created from the handle, or the name when there is none.
"""

from datetime import timedelta

from django.db import migrations

from hygie.inbox import sla

CONVERSATION_KIND = {
    "comment": "comment_thread",
    "mention": "comment_thread",
    "direct_message": "direct",
    "review": "review",
}


def forwards(apps, schema_editor):
    InboxItem = apps.get_model("inbox", "InboxItem")
    Author = apps.get_model("inbox", "Author")
    Conversation = apps.get_model("inbox", "Conversation")
    InboxSettings = apps.get_model("inbox", "InboxSettings")
    policies = {}
    items = InboxItem.objects.filter(conversation__isnull=True).select_related(
        "channel", "organization"
    )
    for item in items.order_by("pk").iterator(chunk_size=500):
        org = item.organization
        if org.pk not in policies:
            stored = InboxSettings.objects.filter(organization=org).first()
            policies[org.pk] = sla.Policy(
                open_saturday=org.kind == "pharmacy", timezone=org.timezone
            ) if stored is None else sla.Policy(
                first_response_hours=stored.first_response_hours,
                resolution_hours=stored.resolution_hours,
                opens_at=stored.opens_at,
                closes_at=stored.closes_at,
                open_saturday=stored.open_saturday,
                timezone=org.timezone,
            )
        policy = policies[org.pk]
        author, _ = Author.objects.get_or_create(
            organization=org,
            network=item.channel.network,
            external_id=(item.author_handle or item.author_name)[:255],
            defaults={"display_name": item.author_name, "handle": item.author_handle},
        )
        done = item.status == "done"
        conversation = Conversation.objects.create(
            organization=org,
            channel=item.channel,
            kind=CONVERSATION_KIND[item.kind],
            thread_external_id=item.external_id,
            author=author,
            status=item.status,
            assigned_to_id=item.assigned_to_id,
            last_message_at=item.received_at,
            first_inbound_at=item.received_at,
            last_inbound_at=item.received_at,
            resolved_at=item.updated_at if done else None,
            first_response_due_at=sla.first_response_due(item.received_at, policy),
            resolution_due_at=item.received_at + timedelta(hours=policy.resolution_hours),
            last_author_name=item.author_name,
            last_excerpt=item.text[:300],
            message_count=1,
        )
        InboxItem.objects.filter(pk=item.pk).update(conversation=conversation, author=author)


def backwards(apps, schema_editor):
    InboxItem = apps.get_model("inbox", "InboxItem")
    for item in InboxItem.objects.select_related("conversation").iterator(chunk_size=500):
        if item.conversation_id is not None:
            InboxItem.objects.filter(pk=item.pk).update(
                status=item.conversation.status,
                assigned_to_id=item.conversation.assigned_to_id,
            )


class Migration(migrations.Migration):
    dependencies = [("inbox", "0002_conversations")]

    operations = [migrations.RunPython(forwards, backwards)]
