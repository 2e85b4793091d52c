"""Secrets are encrypted at rest and keys can be rotated without losing any."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel
from hygie.lib import crypto

pytestmark = pytest.mark.django_db


def stored(channel: Channel) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_channel WHERE id = %s", [channel.pk])
        return str(cursor.fetchone()[0])


def test_channel_credentials_are_stored_encrypted(org_a: Organization, alice: User) -> None:
    channel = do_connect_channel(
        org_a,
        network="mastodon",
        name="m",
        handle="@a@b.c",
        credentials='{"access_token": "tok-123"}',
        acting_user=alice,
    )
    assert "tok-123" not in stored(channel)
    assert Channel.objects.get(pk=channel.pk).credentials == '{"access_token": "tok-123"}'


def test_rotating_keys_reencrypts_every_secret_and_the_old_key_can_go(
    org_a: Organization, alice: User, settings: object
) -> None:
    channel = do_connect_channel(
        org_a,
        network="mastodon",
        name="m",
        handle="@a@b.c",
        credentials="secret-token",
        acting_user=alice,
    )
    old_keys = list(settings.HYGIE_ENCRYPTION_KEYS)  # type: ignore[attr-defined]
    new_key = Fernet.generate_key().decode()
    with override_settings(HYGIE_ENCRYPTION_KEYS=[new_key, *old_keys]):
        call_command("rotate_encryption", stdout=io.StringIO())
    with override_settings(HYGIE_ENCRYPTION_KEYS=[new_key]):
        assert Channel.objects.get(pk=channel.pk).credentials == "secret-token"
    with pytest.raises(crypto.DecryptionError):
        Channel.objects.get(pk=channel.pk).credentials  # noqa: B018  (old key alone fails)
