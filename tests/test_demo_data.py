"""The quick start's demo: two organisations, a user for every role, content on every page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from hygie.accounts.models import Membership, Organization, User
from hygie.accounts.roles import Role
from hygie.audit.log import verify_chain
from hygie.channels.models import Channel
from hygie.core.context_processors import NAVIGATION
from hygie.inbox.models import InboxItem
from hygie.moderation.models import QueueEntry
from hygie.publishing.models import Post
from hygie.safety.models import SafetyCase

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_a_second_run_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("load_demo", password="demo-password-123")
    first = capsys.readouterr().out
    assert "admin@demo.hygie.test" in first and "demo-password-123" in first
    counts = (User.objects.count(), Post.objects.count(), InboxItem.objects.count())
    call_command("load_demo")
    assert "already loaded" in capsys.readouterr().out
    assert (User.objects.count(), Post.objects.count(), InboxItem.objects.count()) == counts
    assert verify_chain().ok


def test_the_demo_has_both_organisations_every_role_channels_posts_and_inbox(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", password="demo-password-123")
    pharmacy = Organization.objects.get(name="Pharmacie du Marché")
    lab = Organization.objects.get(slug="laboratoire-aurore")
    roles = set(
        Membership.objects.filter(organization__in=[pharmacy, lab]).values_list(
            "roles__role", flat=True
        )
    )
    assert roles == set(Role.values)
    for org in (pharmacy, lab):
        assert Channel.objects.filter(organization=org).count() >= 3
        assert Post.objects.filter(organization=org, status="scheduled").exists()
        assert Post.objects.filter(organization=org, status="published").exists()
        assert InboxItem.objects.filter(organization=org).exists()
        # Each has a message read as a possible adverse event, with its safety case open.
        assert SafetyCase.objects.filter(organization=org, opened_automatically=True).exists()
    assert QueueEntry.objects.filter(organization=pharmacy, reason="classifier:abuse").exists()


def test_every_page_of_the_navigation_renders_for_the_demo_owner(client: Client) -> None:
    call_command("load_demo", password="demo-password-123")
    client.login(username="titulaire@demo.hygie.test", password="demo-password-123")
    for url_name, _label, _perm in NAVIGATION:
        from django.urls import reverse

        url = reverse(url_name, kwargs={"org_slug": "pharmacie-du-marche"})
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'<main id="content"' in response.content
