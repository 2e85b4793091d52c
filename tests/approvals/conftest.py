"""Approval personas: Paula is organisation A's responsible pharmacist (the pharmacien
titulaire), with an authenticator; posts whose compliance check needs approval, or blocks."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from tests.conftest import make_user

from hygie.accounts import totp
from hygie.accounts.actions import do_add_member
from hygie.accounts.models import Organization, TOTPDevice, User
from hygie.accounts.roles import Role
from hygie.channels.models import Channel
from hygie.publishing.actions import do_create_post
from hygie.publishing.models import Post

# What the real checker says of these, for a pharmacy (tests/compliance covers why).
NEEDS_APPROVAL_TEXT = "-20% sur tous les médicaments ce week-end !"
BLOCKED_TEXT = "🎉 JEU CONCOURS : likez, partagez et taguez 3 amis pour gagner un coffret soin !"
HARMLESS_TEXT = "Conseil : buvez de l'eau."


def enrol(user: User) -> str:
    """Give ``user`` a confirmed authenticator; return its secret."""
    secret = totp.new_secret()
    TOTPDevice.objects.create(user=user, secret=secret, confirmed_at=timezone.now())
    return secret


def code(secret: str) -> str:
    return totp.code_at(secret, time.time())


@pytest.fixture
def paula(org_a: Organization) -> User:
    paula = make_user("paula@alpha.test", "Paula Titulaire")
    do_add_member(
        org_a,
        email=paula.email,
        full_name="",
        roles=[Role.RESPONSIBLE_PHARMACIST],
        acting_user=None,
    )
    return paula


@pytest.fixture
def paula_secret(paula: User) -> str:
    return enrol(paula)


@pytest.fixture
def flagged_post(org_a: Organization, alice: User, channel_a: Channel) -> Post:
    return do_create_post(org_a, text=NEEDS_APPROVAL_TEXT, channels=[channel_a], acting_user=alice)


@pytest.fixture
def blocked_post(org_a: Organization, alice: User, channel_a: Channel) -> Post:
    return do_create_post(org_a, text=BLOCKED_TEXT, channels=[channel_a], acting_user=alice)
