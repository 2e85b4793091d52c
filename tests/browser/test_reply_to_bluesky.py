"""End to end: a Bluesky reply to the organisation's post is answered from the inbox page in
Chromium, sent by a real worker to a real PDS, and read back from the AppView under the reply."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from tests.conftest import PASSWORD
from tests.peers.bluesky import BlueskyPeer
from tests.peers.test_bluesky_replies import a_thread, receive
from tests.test_background_worker import start_worker, stop, wait_for_heartbeat

from hygie.accounts.models import Organization, User
from hygie.celery import app
from hygie.inbox.models import OutboundReply, ReplyStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.bluesky,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

ANSWER = "Bonjour Léa, c'est sans rendez-vous le matin. Bonne journée !"


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[str]:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    process, hostname = start_worker(tmp_path)
    try:
        wait_for_heartbeat(hostname, process, tmp_path / "worker.log")
        yield hostname
    finally:
        stop(process)
        app.conf.task_always_eager = eager


def test_a_bluesky_reply_is_answered_from_the_inbox_and_shows_up_in_the_thread(
    page: Page,
    live_server: LiveServer,
    alice: User,
    org_a: Organization,
    bluesky_peer: BlueskyPeer,
    worker: str,
) -> None:
    thread = a_thread(bluesky_peer, org_a, alice, "browser")
    item = receive(bluesky_peer, thread)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", alice.email)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")

    page.goto(f"{live_server.url}/o/alpha/inbox/")
    page.locator(f"a[href$='/inbox/c/{item.conversation_id}/']").first.click()
    expect(page.locator("main")).to_contain_text("Il faut prendre rendez-vous ?")
    page.locator("#reply-area > summary").click()
    page.fill("#id_reply", ANSWER)
    page.locator("#id_reply").press("End")  # keyup: the live compliance check runs
    expect(page.locator("#reply-compliance section.compliance")).to_have_attribute(
        "data-max-severity", "ok"
    )
    page.click("#reply-send")

    reply = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reply = OutboundReply.objects.filter(conversation_id=item.conversation_id).first()
        if reply is not None and reply.status != ReplyStatus.SENDING:
            break
        time.sleep(0.5)
    assert reply is not None and reply.status == ReplyStatus.SENT, reply and reply.last_error

    page.reload()
    expect(page.locator("li[data-direction='outbound']")).to_contain_text(ANSWER)

    view = bluesky_peer.poll(
        lambda: bluesky_peer.xrpc_get(
            "app.bsky.feed.getPostThread", thread.person["accessJwt"], uri=thread.reply["uri"]
        )["thread"].get("replies"),
        what="the AppView to show the answer under the reply",
    )
    assert [r["post"]["record"]["text"] for r in view] == [ANSWER]
    assert view[0]["post"]["uri"] == reply.external_id
    assert view[0]["post"]["author"]["did"] == thread.org["did"]
