"""The composer and the reply box show live findings: highlighted words, the cited article,
the suggested fix, the mandatory mentions to insert, and the networks where they cannot fit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hygie.accounts.models import Organization
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.compliance import service
from hygie.inbox.actions import do_ingest_item
from hygie.publishing.actions import do_create_post

pytestmark = pytest.mark.django_db


def live(client: Client, org: Organization, **data: object) -> str:
    url = reverse("compliance:check_post", kwargs={"org_slug": org.slug})
    response = client.post(url, data)
    assert response.status_code == 200
    return response.content.decode()


def test_a_violating_post_is_highlighted_with_its_rule_and_cited_article(
    alice_client: Client, org_a: Organization
) -> None:
    html = live(alice_client, org_a, text="Le Levothyrox, le meilleur pour votre thyroïde !")
    assert 'data-max-severity="block"' in html
    assert 'data-rules="' in html and ">Levothyrox</mark>" in html
    assert "FR-MED-01" in html
    assert "L.5122-6" in html
    assert "https://" in html  # the source is a link


def test_a_compliant_post_has_no_finding(alice_client: Client, org_a: Organization) -> None:
    html = live(alice_client, org_a, text="Canicule : pensez à boire de l'eau régulièrement.")
    assert 'data-max-severity="ok"' in html
    assert "<mark" not in html


def test_missing_mentions_are_offered_for_insertion(
    alice_client: Client, org_a: Organization
) -> None:
    html = live(alice_client, org_a, text="Advil, le réflexe contre les maux de tête !")
    assert 'data-insert="Lire attentivement la notice."' in html
    assert 'data-insert-into="id_text"' in html


def test_mentions_that_cannot_fit_a_short_network_refuse_it(
    alice_client: Client, org_a: Organization, alice: object
) -> None:
    bluesky = do_connect_channel(
        org_a, network=Network.BLUESKY, name="Alpha sky", handle="a.bsky", acting_user=alice
    )
    text = "Advil, le réflexe contre les maux de tête, en vente à la pharmacie ! " * 3
    html = live(alice_client, org_a, text=text, channels=[bluesky.pk])
    assert "Refused on" in html or "Refusé sur" in html
    assert "bluesky" in html


def test_a_post_is_checked_per_network_with_its_variant(
    org_a: Organization, alice: object, channel_a: Channel
) -> None:
    post = do_create_post(
        org_a,
        text="Conseil : buvez de l'eau.",
        channels=[channel_a],
        variants={"facebook_page": "Le Levothyrox, le meilleur pour votre thyroïde !"},
        acting_user=alice,
    )
    result = service.check_post(post)
    assert result.max_severity == "block"
    assert set(result.extra["networks"]) == {"facebook_page"}


def test_a_review_reply_confirming_the_treatment_is_blocked_in_the_reply_box(
    alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    item, _ = do_ingest_item(
        channel_a,
        kind="review",
        external_id="r-1",
        author_name="Jeanne Durand",
        text="Très bon accueil, ils connaissent bien mon traitement.",
        received_at=timezone.now() - timedelta(hours=1),
    )
    url = reverse("compliance:check_reply", kwargs={"org_slug": org_a.slug, "item_id": item.pk})
    html = alice_client.post(url, {"text": "Merci, ravis que votre traitement vous convienne !"})
    assert 'data-max-severity="block"' in html.content.decode()
    assert "FR-PHARMA-07" in html.content.decode()


def test_the_rules_page_lists_the_rules_of_the_organisations_audience(
    alice_client: Client, org_a: Organization
) -> None:
    html = alice_client.get(reverse("compliance:rules", kwargs={"org_slug": org_a.slug}))
    content = html.content.decode()
    assert "FR-PHARMA-07" in content  # a pharmacy rule
    assert "US-OPDP-01" not in content  # a company-only rule


def test_the_composer_asks_for_live_findings(alice_client: Client, org_a: Organization) -> None:
    page = alice_client.get(reverse("publishing:compose", kwargs={"org_slug": org_a.slug}))
    url = reverse("compliance:check_post", kwargs={"org_slug": org_a.slug})
    assert url in page.content.decode()
