"""Messages stored before conversations existed each get a conversation and an author."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("inbox", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_every_existing_message_becomes_a_conversation_keeping_status_and_assignee() -> None:
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    # The inbox and the apps whose migrations need a later inbox schema than BEFORE.
    graph = executor.loader.graph
    moved = {"inbox"} | {
        key[0]
        for key in graph.nodes
        if any(dep[0] == "inbox" and dep != BEFORE[0] for dep in graph.node_map[key].parents)
    }
    others = [node for node in leaves if node[0] not in moved]
    after = [node for node in leaves if node[0] in moved]  # the schema every test expects
    executor.migrate(BEFORE)
    # Every other app as it is now, the inbox as it was.
    old = executor.loader.project_state([*others, *BEFORE]).apps
    user = old.get_model("accounts", "User").objects.create(email="m@x.test", full_name="M")
    org = old.get_model("accounts", "Organization").objects.create(
        name="Officine", slug="officine", kind="pharmacy"
    )
    channel = old.get_model("channels", "Channel").objects.create(
        organization=org, network="facebook_page", name="Page", handle="page"
    )
    item_model = old.get_model("inbox", "InboxItem")
    when = timezone.now() - timedelta(days=1)
    common = {"organization": org, "channel": channel, "received_at": when}
    item_model.objects.create(
        kind="comment",
        external_id="c1",
        author_name="Léa",
        author_handle="@lea",
        text="Un",
        **common,
    )
    item_model.objects.create(
        kind="direct_message",
        external_id="d1",
        author_name="Léa",
        author_handle="@lea",
        text="Deux",
        status="done",
        assigned_to=user,
        **common,
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state([*others, *after]).apps
    items = {i.external_id: i for i in new.get_model("inbox", "InboxItem").objects.all()}
    comment, dm = items["c1"].conversation, items["d1"].conversation
    assert comment.pk != dm.pk
    assert (comment.kind, comment.status, comment.thread_external_id) == (
        "comment_thread",
        "new",
        "c1",
    )
    assert (dm.kind, dm.status, dm.assigned_to_id) == ("direct", "done", user.pk)
    assert dm.resolved_at is not None and comment.resolved_at is None
    assert comment.first_inbound_at == comment.last_message_at == when
    assert comment.first_response_due_at is not None and comment.message_count == 1
    assert items["c1"].author_id == items["d1"].author_id  # the same account (@lea)
