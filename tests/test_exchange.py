"""The calendar as an ICS feed, posts as CSV out and in (all or nothing)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hygie.accounts.models import Membership, Organization, User
from hygie.channels.models import Channel
from hygie.publishing.actions import do_schedule_post
from hygie.publishing.exchange import _fold, calendar_ics
from hygie.publishing.models import Post

pytestmark = pytest.mark.django_db


def test_the_calendar_feed_lists_the_organisation_posts_for_calendar_apps(
    client: Client, alice: User, org_a: Organization, post_a: Post, populated_b: object
) -> None:
    do_schedule_post(post_a, when=timezone.now() + timedelta(days=2), acting_user=alice)
    token = Membership.objects.get(user=alice, organization=org_a).feed_token
    response = client.get(f"/feeds/{token}.ics")  # no login: the address is the secret
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert f"UID:post-{post_a.pk}@" in body and "buvez de l'eau" in body
    assert "CANARY" not in body  # organisation B's posts are not there
    assert client.get("/feeds/not-a-token.ics").status_code == 404


def test_a_renewed_feed_address_replaces_the_old_one(
    alice_client: Client, alice: User, org_a: Organization
) -> None:
    old = Membership.objects.get(user=alice, organization=org_a).feed_token
    alice_client.post("/o/alpha/calendar/feed/renew/")
    assert alice_client.get(f"/feeds/{old}.ics").status_code == 404


def test_long_ics_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    folded = _fold("DESCRIPTION:" + "é" * 80)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "DESCRIPTION:" + "é" * 80
    ics = calendar_ics("Org; with, specials", [], "https://h", "h")
    assert "X-WR-CALNAME:Hygie · Org\\; with\\, specials" in ics


def test_posts_are_exported_as_csv_with_formulas_neutralised(
    alice: User, alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    from hygie.publishing.actions import do_create_post

    do_create_post(org_a, text='=HYPERLINK("http://evil")', channels=[channel_a], acting_user=alice)
    body = alice_client.get("/o/alpha/posts/export.csv").content.decode()
    assert body.splitlines()[0] == "id,status,scheduled_at,published_at,channels,text"
    assert "'=HYPERLINK" in body and "facebook_page:alpha" in body


def test_a_csv_import_creates_drafts_and_scheduled_posts(
    alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    when = (timezone.now() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Paris"))
    content = (
        "text;scheduled_at;channels\n"
        "Idée de brouillon;;\n"
        f"Campagne grippe;{when:%Y-%m-%d %H:%M};alpha\n"
    ).encode()
    alice_client.post("/o/alpha/posts/import/", {"file": SimpleUploadedFile("p.csv", content)})
    posts = Post.objects.filter(organization=org_a).order_by("pk")
    assert [p.status for p in posts] == ["draft", "scheduled"]
    assert posts[1].scheduled_at == when.replace(second=0, microsecond=0)


def test_a_csv_with_one_bad_line_imports_nothing_and_says_which_line(
    alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    content = b"text,scheduled_at,channels\nBon,,\nMauvais,demain,alpha\nInconnu,,nowhere\n"
    response = alice_client.post(
        "/o/alpha/posts/import/", {"file": SimpleUploadedFile("p.csv", content)}
    )
    page = response.content.decode()
    assert "Line 3" in page or "Ligne 3" in page
    assert "nowhere" in page
    assert not Post.objects.filter(organization=org_a).exists()


def test_a_file_that_is_not_utf8_text_is_refused_clearly(
    alice_client: Client, org_a: Organization
) -> None:
    response = alice_client.post(
        "/o/alpha/posts/import/", {"file": SimpleUploadedFile("p.csv", "texte\né".encode("cp1252"))}
    )
    assert "UTF-8" in response.content.decode()
    assert not Post.objects.filter(organization=org_a).exists()
