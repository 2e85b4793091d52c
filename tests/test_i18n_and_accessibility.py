"""French by default, English on request; pages have landmarks and labelled controls."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_the_interface_is_french_by_default(alice_client: Client) -> None:
    page = alice_client.get("/o/alpha/calendar/").content.decode()
    assert '<html lang="fr">' in page
    assert "Calendrier" in page and "Boîte de réception" in page


def test_english_is_chosen_with_the_language_switcher(alice_client: Client) -> None:
    alice_client.post("/i18n/setlang/", {"language": "en", "next": "/o/alpha/calendar/"})
    page = alice_client.get("/o/alpha/calendar/").content.decode()
    assert '<html lang="en">' in page
    assert ">Calendar<" in page and ">Inbox<" in page


def test_every_compiled_catalogue_matches_its_source() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_messages.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_french_catalogue_is_complete() -> None:
    import polib

    po = polib.pofile(str(ROOT / "src/hygie/locale/fr/LC_MESSAGES/django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


@pytest.mark.parametrize(
    "path",
    [
        "/o/alpha/calendar/",
        "/o/alpha/compose/",
        "/o/alpha/inbox/",
        "/o/alpha/settings/",
        "/o/alpha/contacts/new/",
        "/accounts/profile/",
    ],
)
def test_pages_have_landmarks_and_every_field_has_a_label(alice_client: Client, path: str) -> None:
    page = alice_client.get(path).content.decode()
    for landmark in (
        '<header class="topbar" role="banner">',
        '<main id="content"',
        'role="contentinfo"',
        'class="skip-link" href="#content"',
    ):
        assert landmark in page, f"{path} lacks {landmark}"
    labels = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        field_id = re.search(r'id="([^"]+)"', tag)
        assert field_id and field_id.group(1) in labels, f"{path}: unlabelled {tag}"
