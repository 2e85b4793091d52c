"""Writing a post, scheduling it in the organisation's time zone, seeing it on the calendar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.actions import do_set_channel_status
from hygie.channels.models import Channel
from hygie.publishing.actions import do_schedule_post
from hygie.publishing.models import Post, PostTarget

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_a_post_is_composed_and_scheduled_in_the_organisation_time_zone(
    alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    when = (
        (timezone.now() + timedelta(days=3))
        .astimezone(PARIS)
        .replace(hour=18, minute=0, second=0, microsecond=0)
    )
    response = alice_client.post(
        "/o/alpha/compose/",
        {
            "text": "Vaccination grippe : sans rendez-vous le matin.",
            "channels": [channel_a.pk],
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    post = Post.objects.get(organization=org_a)
    assert response.url == f"/o/alpha/posts/{post.pk}/"
    assert post.status == "scheduled"
    assert post.scheduled_at == when
    assert list(post.channels.all()) == [channel_a]
    verbs = list(AuditEvent.objects.filter(organization=org_a).values_list("verb", flat=True))
    assert "post.created" in verbs and "post.scheduled" in verbs
    calendar = alice_client.get(f"/o/alpha/calendar/?month={when:%Y-%m}").content.decode()
    assert "Vaccination grippe" in calendar
    assert "18:00" in calendar


def test_a_time_in_the_past_is_refused_and_nothing_is_saved(
    alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    response = alice_client.post(
        "/o/alpha/compose/",
        {
            "text": "Trop tard",
            "channels": [channel_a.pk],
            "scheduled_at": "2020-01-01T10:00",
        },
    )
    assert response.status_code == 200
    assert "Trop tard" in response.content.decode()  # the text typed is kept in the form
    assert not Post.objects.filter(organization=org_a).exists()


def test_a_draft_needs_no_channel_but_scheduling_does(
    alice: User, alice_client: Client, org_a: Organization
) -> None:
    alice_client.post("/o/alpha/compose/", {"text": "Idée de post"})
    post = Post.objects.get(organization=org_a)
    assert post.status == "draft"
    with translation.override("en"), pytest.raises(ActionError, match="at least one channel"):
        do_schedule_post(post, when=timezone.now() + timedelta(days=1), acting_user=alice)


def test_a_disabled_channel_cannot_receive_a_scheduled_post(
    alice: User, org_a: Organization, channel_a: Channel, post_a: Post
) -> None:
    do_set_channel_status(channel_a, status="disabled", acting_user=alice)
    with pytest.raises(ActionError, match="not active"):
        do_schedule_post(post_a, when=timezone.now() + timedelta(days=1), acting_user=alice)


def test_a_contributor_saves_a_draft_but_cannot_schedule(
    client: Client, org_a: Organization, channel_a: Channel
) -> None:
    from tests.conftest import login, make_user

    from hygie.accounts.actions import do_add_member

    user = make_user("contrib@alpha.test")
    do_add_member(org_a, email=user.email, full_name="", roles=["contributor"], acting_user=None)
    login(client, user)
    when = timezone.now() + timedelta(days=2)
    response = client.post(
        "/o/alpha/compose/",
        {
            "text": "Brouillon",
            "channels": [channel_a.pk],
            "scheduled_at": when.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert not Post.objects.filter(organization=org_a).exists()


def test_the_calendar_navigates_months_and_rejects_nonsense(alice_client: Client) -> None:
    assert alice_client.get("/o/alpha/calendar/?month=2027-02").status_code == 200
    assert alice_client.get("/o/alpha/calendar/?month=garbage").status_code == 200
    assert alice_client.get("/o/alpha/calendar/?month=2027-13").status_code == 200


def test_a_scheduled_post_goes_back_to_draft(
    alice: User, alice_client: Client, post_a: Post
) -> None:
    do_schedule_post(post_a, when=timezone.now() + timedelta(days=1), acting_user=alice)
    alice_client.post(f"/o/alpha/posts/{post_a.pk}/unschedule/")
    post_a.refresh_from_db()
    assert post_a.status == "draft"


def test_an_image_needs_a_description_and_is_recognised_by_its_bytes(
    alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from tests.conftest import tiny_png

    response = alice_client.post(
        "/o/alpha/compose/",
        {
            "text": "Affiche",
            "image": SimpleUploadedFile("affiche.png", tiny_png()),
        },
    )
    assert response.status_code == 200  # no description: refused, nothing saved
    assert not Post.objects.filter(organization=org_a).exists()
    alice_client.post(
        "/o/alpha/compose/",
        {
            "text": "Affiche",
            "image": SimpleUploadedFile("affiche.png", tiny_png()),
            "image_alt": "Affiche de la campagne",
        },
    )
    media = Post.objects.get(organization=org_a).media.get()
    assert (media.mime_type, media.width, media.height) == ("image/png", 1, 1)
    public = alice_client.get(f"/media/p/{media.public_token}/")
    assert public["Content-Type"] == "image/png"
    fake = SimpleUploadedFile("virus.png", b"MZ\x90\x00 not an image")
    response = alice_client.post(
        f"/o/alpha/posts/{media.post_id}/", {"text": "Affiche", "image": fake, "image_alt": "x"}
    )
    assert "not a PNG" in response.content.decode() or "PNG" in response.content.decode()
    assert Post.objects.get(organization=org_a).media.count() == 1


def test_the_composer_shows_how_the_text_fits_each_chosen_network(
    alice: User, alice_client: Client, org_a: Organization
) -> None:
    from hygie.channels.actions import do_connect_channel

    x = do_connect_channel(org_a, network="x", name="X", handle="@alpha", acting_user=alice)
    insta = do_connect_channel(
        org_a, network="instagram", name="IG", handle="alpha", acting_user=alice
    )
    text = "é" * 281
    body = alice_client.post(
        "/o/alpha/compose/check/", {"text": text, "channels": [x.pk, insta.pk]}
    ).content.decode()
    assert "281 / 280" in body and "1 caractère(s) en trop" in body
    assert "une image est requise" in body  # Instagram


def test_a_failed_channel_is_published_again_and_an_unconfirmed_one_confirmed(
    alice: User,
    alice_client: Client,
    org_a: Organization,
    post_a: Post,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from hygie.publishing.models import TargetStatus

    target = post_a.targets.get()
    PostTarget.objects.filter(pk=target.pk).update(status=TargetStatus.FAILED, last_error="boom")
    page = alice_client.get(f"/o/alpha/posts/{post_a.pk}/").content.decode()
    assert ("boom" in page and "Publish again" in page) or "Publier" in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alice_client.post(f"/o/alpha/posts/{post_a.pk}/channels/{target.pk}/retry/")
    assert len(callbacks) == 1  # the new attempt is queued after commit
    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHING
    PostTarget.objects.filter(pk=target.pk).update(status=TargetStatus.UNCONFIRMED)
    alice_client.post(
        f"/o/alpha/posts/{post_a.pk}/channels/{target.pk}/confirm/", {"url": "javascript:alert(1)"}
    )
    target.refresh_from_db()
    assert target.status == TargetStatus.UNCONFIRMED
    alice_client.post(
        f"/o/alpha/posts/{post_a.pk}/channels/{target.pk}/confirm/",
        {"url": "https://www.facebook.com/alpha/posts/1"},
    )
    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHED


def test_the_queue_fills_the_next_free_posting_slot(
    alice: User, alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    from datetime import time

    from hygie.publishing.actions import do_add_slot, next_free_slot

    now = timezone.now()
    tomorrow = (now + timedelta(days=1)).astimezone(PARIS)
    do_add_slot(org_a, weekday=tomorrow.weekday(), at=time(18, 0), acting_user=alice)
    first = next_free_slot(org_a, now)
    assert first is not None and first.weekday() == tomorrow.weekday() and first.hour == 18
    alice_client.post("/o/alpha/compose/", {"text": "Un", "channels": [channel_a.pk], "queue": "1"})
    alice_client.post(
        "/o/alpha/compose/", {"text": "Deux", "channels": [channel_a.pk], "queue": "1"}
    )
    one, two = Post.objects.filter(organization=org_a).order_by("pk")
    assert one.scheduled_at == first
    assert two.scheduled_at == first + timedelta(days=7)  # the slot is taken: next week


def test_queueing_without_slots_says_what_to_do(
    alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    response = alice_client.post(
        "/o/alpha/compose/", {"text": "Un", "channels": [channel_a.pk], "queue": "1"}
    )
    assert "posting slot" in response.content.decode() or "créneau" in response.content.decode()
    assert not Post.objects.filter(organization=org_a).exists()


def test_dragging_a_post_to_another_day_keeps_its_time(
    alice: User, alice_client: Client, post_a: Post
) -> None:
    when = (
        (timezone.now() + timedelta(days=2))
        .astimezone(PARIS)
        .replace(hour=18, minute=30, second=0, microsecond=0)
    )
    do_schedule_post(post_a, when=when, acting_user=alice)
    target_day = (when + timedelta(days=3)).date()
    response = alice_client.post(
        f"/o/alpha/posts/{post_a.pk}/reschedule/",
        {"date": target_day.isoformat()},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    post_a.refresh_from_db()
    moved = post_a.scheduled_at.astimezone(PARIS)  # type: ignore[union-attr]
    assert (moved.date(), moved.hour, moved.minute) == (target_day, 18, 30)
    past = alice_client.post(
        f"/o/alpha/posts/{post_a.pk}/reschedule/",
        {"date": "2020-01-01"},
        headers={"HX-Request": "true"},
    )
    assert past.status_code == 409


def test_campaigns_group_posts_and_filter_the_calendar(
    alice: User, alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    alice_client.post(
        "/o/alpha/campaigns/",
        {
            "name": "Mois sans tabac",
            "color": "#aa3300",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
        },
    )
    from hygie.publishing.models import Campaign

    campaign = Campaign.objects.get(organization=org_a)
    when = (timezone.now() + timedelta(days=1)).astimezone(PARIS)
    alice_client.post(
        "/o/alpha/compose/",
        {
            "text": "Arrêter de fumer",
            "channels": [channel_a.pk],
            "campaign": campaign.pk,
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    alice_client.post(
        "/o/alpha/compose/",
        {
            "text": "Autre sujet",
            "channels": [channel_a.pk],
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    page = alice_client.get(f"/o/alpha/calendar/?month={when:%Y-%m}&campaign={campaign.pk}")
    body = page.content.decode()
    assert "Arrêter de fumer" in body and "Autre sujet" not in body
    assert "#aa3300" in body
    week = alice_client.get(f"/o/alpha/calendar/?view=week&week={when.date()}").content.decode()
    assert "Arrêter de fumer" in week and "Autre sujet" in week
    bad = alice_client.post(
        "/o/alpha/campaigns/",
        {"name": "X", "color": "#000000", "starts_on": "2026-12-01", "ends_on": "2026-11-01"},
    )
    assert Campaign.objects.filter(organization=org_a).count() == 1
    assert bad.status_code == 200


def test_a_network_gets_its_own_text_when_the_post_has_a_variant(
    alice: User, alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    from hygie.channels.actions import do_connect_channel
    from hygie.publishing.engine import outbound
    from hygie.publishing.models import PublishAttempt

    x = do_connect_channel(org_a, network="x", name="X", handle="@alpha", acting_user=alice)
    alice_client.post(
        "/o/alpha/compose/",
        {
            "text": "Texte long pour Facebook, avec tous les détails.",
            "channels": [channel_a.pk, x.pk],
            "variant_x": "Version courte #grippe",
        },
    )
    post = Post.objects.get(organization=org_a)
    assert post.text_for("x") == "Version courte #grippe"
    assert post.text_for("facebook_page").startswith("Texte long")
    body = alice_client.post(
        "/o/alpha/compose/check/",
        {"text": post.text, "channels": [x.pk], "variant_x": "Version courte #grippe <b>"},
    ).content.decode()
    assert "own text" in body or "texte propre" in body
    assert '<span class="tag">#grippe</span>' in body and "&lt;b&gt;" in body
    target = post.targets.get(channel=x)
    attempt = PublishAttempt.objects.create(target=target, next_try_at=timezone.now())
    assert outbound(attempt).text == "Version courte #grippe"
