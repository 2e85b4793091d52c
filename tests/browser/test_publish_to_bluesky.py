"""End to end: a post composed in Chromium is published by a real worker to a real Bluesky PDS
and read back through the AppView with its image description and its link facet."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from tests.conftest import PASSWORD, tiny_png
from tests.peers.bluesky import BlueskyPeer
from tests.test_background_worker import start_worker, stop

from hygie.accounts.models import Organization, User
from hygie.celery import app
from hygie.publishing.models import PostTarget

pytestmark = [
    pytest.mark.browser,
    pytest.mark.bluesky,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

TEXT = "Campagne de vaccination : infos https://example.org/grippe #vaccination"
ALT = "Affiche de la campagne de vaccination, fond bleu"


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[str]:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    process, hostname = start_worker(tmp_path)
    from tests.test_background_worker import wait_for_heartbeat

    try:
        wait_for_heartbeat(hostname, process, tmp_path / "worker.log")
        yield hostname
    finally:
        stop(process)
        app.conf.task_always_eager = eager


def test_a_post_composed_in_the_browser_reaches_bluesky_with_alt_text_and_link(
    page: Page,
    live_server: LiveServer,
    alice: User,
    org_a: Organization,
    bluesky_peer: BlueskyPeer,
    worker: str,
    tmp_path: Path,
) -> None:
    account = bluesky_peer.create_account("alpha-e2e.test", "app-password-e2e")
    bluesky_peer.wait_indexed(account["did"])
    image = tmp_path / "affiche.png"
    image.write_bytes(tiny_png())

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", alice.email)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")

    page.goto(f"{live_server.url}/o/alpha/channels/connect/bluesky/")
    page.fill("#id_identifier", "alpha-e2e.test")
    page.fill("#id_app_password", "app-password-e2e")
    page.fill("#id_server", bluesky_peer.pds_url)
    page.click("button.primary")
    expect(page.locator("main")).to_contain_text("alpha-e2e.test")

    page.goto(f"{live_server.url}/o/alpha/compose/")
    page.fill("#id_text", TEXT)
    page.get_by_label("Bluesky · alpha-e2e.test").check()
    expect(page.locator("#fit")).to_contain_text("/ 300")  # live fit from htmx
    page.set_input_files("#id_image", str(image))
    page.fill("#id_image_alt", ALT)
    page.click("button[name=publish_now]")

    target = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        target = PostTarget.objects.filter(post__organization=org_a).first()
        if target is not None and target.status in ("published", "failed", "unconfirmed"):
            break
        time.sleep(0.5)
    assert target is not None and target.status == "published", target and target.last_error

    page.reload()
    expect(
        page.get_by_role("link", name="See the post").or_(
            page.get_by_role("link", name="Voir la publication")
        )
    ).to_be_visible()

    token = bluesky_peer.xrpc_post(
        "com.atproto.server.createSession",
        body={"identifier": "alpha-e2e.test", "password": "app-password-e2e"},
    )["accessJwt"]
    view = bluesky_peer.poll(
        lambda: bluesky_peer.xrpc_get("app.bsky.feed.getPostThread", token, uri=target.external_id)[
            "thread"
        ]["post"],
        what="the AppView to show the post",
    )
    assert view["record"]["text"] == TEXT
    assert view["embed"]["images"][0]["alt"] == ALT
    link = next(
        f
        for f in view["record"]["facets"]
        if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"
    )
    assert TEXT.encode()[link["index"]["byteStart"] : link["index"]["byteEnd"]] == (
        b"https://example.org/grippe"
    )
