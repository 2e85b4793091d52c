"""Log in with e-mail and password, reset it by e-mail, and use TOTP two-factor codes."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from tests.conftest import PASSWORD, login

from hygie.accounts import totp
from hygie.accounts.models import Organization, TOTPDevice, User
from hygie.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle() -> None:
    cache.clear()


def test_a_member_logs_in_with_email_and_lands_on_the_calendar(
    client: Client, alice: User, org_a: Organization
) -> None:
    response = client.post(
        "/accounts/login/", {"username": "ALICE@alpha.test", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/o/alpha/calendar/"
    assert AuditEvent.objects.filter(verb="user.logged_in", actor=alice).exists()


def test_a_wrong_password_is_refused_and_recorded(client: Client, alice: User) -> None:
    response = client.post("/accounts/login/", {"username": alice.email, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(verb="user.login_failed", actor_repr=alice.email).exists()


def test_repeated_failures_lock_the_account_for_a_while(client: Client, alice: User) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"username": alice.email, "password": "nope"})
    response = client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many failed attempts" in response.content.decode() or "Trop" in (
        response.content.decode()
    )


def test_logout_needs_a_post_and_ends_the_session(alice_client: Client) -> None:
    assert alice_client.get("/accounts/logout/").status_code == 405
    alice_client.post("/accounts/logout/")
    assert alice_client.get("/o/alpha/calendar/").status_code == 302


def test_pages_of_an_organisation_require_login(client: Client, org_a: Organization) -> None:
    response = client.get("/o/alpha/calendar/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_password_is_reset_through_the_emailed_link(
    client: Client, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password-reset/", {"email": alice.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    form = client.get(link.group(1), follow=True)
    new = "a much better passphrase 2026"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    alice.refresh_from_db()
    assert alice.check_password(new)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: Client, db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert mail.outbox == []


def enrol(client: Client, user: User) -> str:
    client.get("/accounts/2fa/setup/")
    secret = TOTPDevice.objects.get(user=user).secret
    response = client.post("/accounts/2fa/setup/", {"code": pyotp.TOTP(secret).now()})
    assert response.url == "/accounts/2fa/recovery-codes/"
    return secret


def test_a_reviewer_must_set_up_two_factor_before_anything_else(client: Client, rita: User) -> None:
    login(client, rita)
    assert client.get("/o/alpha/calendar/").url == "/accounts/2fa/setup/"
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert "<svg" in page  # the QR code, drawn locally
    enrol(client, rita)
    codes_page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert len(re.findall(r"<code>[0-9a-f]{5}-[0-9a-f]{5}</code>", codes_page)) == 10
    assert client.get("/o/alpha/calendar/").status_code == 200


def test_the_secret_is_encrypted_at_rest(client: Client, rita: User) -> None:
    login(client, rita)
    secret = enrol(client, rita)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE user_id = %s", [rita.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored


def test_after_the_password_a_code_is_asked_and_a_code_is_never_accepted_twice(
    client: Client, rita: User
) -> None:
    login(client, rita)
    secret = enrol(client, rita)
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": rita.email, "password": PASSWORD})
    assert client.get("/o/alpha/calendar/").url.startswith("/accounts/2fa/verify/")
    device = TOTPDevice.objects.get(user=rita)
    # The code used at enrolment belongs to a step already spent: refused.
    used = totp.code_at(secret, device.last_used_step * totp.STEP_SECONDS)
    assert client.post("/accounts/2fa/verify/", {"code": used}).status_code == 200
    assert client.get("/o/alpha/calendar/").status_code == 302
    fresh = totp.code_at(secret, (device.last_used_step + 1) * totp.STEP_SECONDS)
    if (device.last_used_step + 1) * totp.STEP_SECONDS > time.time() + totp.STEP_SECONDS:
        pytest.skip("clock edge: the next step is not valid yet")
    response = client.post("/accounts/2fa/verify/?next=/o/alpha/inbox/", {"code": fresh})
    assert response.url == "/o/alpha/inbox/"
    assert client.get("/o/alpha/calendar/").status_code == 200


def test_a_recovery_code_works_once(client: Client, rita: User) -> None:
    login(client, rita)
    enrol(client, rita)
    page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    code = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", page)[0]
    for expected in (302, 200):
        client.post("/accounts/logout/")
        client.post("/accounts/login/", {"username": rita.email, "password": PASSWORD})
        response = client.post("/accounts/2fa/verify/", {"code": code})
        assert response.status_code == expected


def test_the_verify_step_refuses_an_open_redirect(client: Client, rita: User) -> None:
    login(client, rita)
    secret = enrol(client, rita)
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": rita.email, "password": PASSWORD})
    step = TOTPDevice.objects.get(user=rita).last_used_step + 1
    if step * totp.STEP_SECONDS > time.time() + totp.STEP_SECONDS:
        pytest.skip("clock edge")
    response = client.post(
        "/accounts/2fa/verify/?next=https://evil.test/",
        {"code": totp.code_at(secret, step * totp.STEP_SECONDS)},
    )
    assert response.url == "/"


def test_a_reviewer_cannot_turn_two_factor_off(client: Client, rita: User) -> None:
    login(client, rita)
    enrol(client, rita)
    client.post("/accounts/2fa/disable/", {"password": PASSWORD})
    assert TOTPDevice.objects.filter(user=rita, confirmed_at__isnull=False).exists()


def test_an_owner_may_turn_two_factor_off_with_the_password(
    client: Client, alice: User, org_a: Organization
) -> None:
    login(client, alice)
    secret = enrol(client, alice)
    device = TOTPDevice.objects.get(user=alice)
    step = device.last_used_step + 1
    if step * totp.STEP_SECONDS > time.time() + totp.STEP_SECONDS:
        pytest.skip("clock edge")
    code = totp.code_at(secret, step * totp.STEP_SECONDS)
    client.post("/accounts/2fa/disable/", {"password": "wrong", "code": code})
    assert alice.has_two_factor
    client.post("/accounts/2fa/disable/", {"password": PASSWORD, "code": "000000"})
    assert alice.has_two_factor
    client.post("/accounts/2fa/disable/", {"password": PASSWORD, "code": code})
    assert not alice.has_two_factor


def test_with_only_the_password_every_page_but_the_code_page_is_closed(
    client: Client, alice: User, org_a: Organization, populated_b: object
) -> None:
    """Walk the whole URL configuration with a session that has not given its code."""
    from django.urls import get_resolver
    from tests.test_tenant_isolation import POST_BODY, build_paths, walk

    TOTPDevice.objects.create(user=alice, secret=pyotp.random_base32(), confirmed_at=timezone.now())
    client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    open_prefixes = (
        "/accounts/2fa/verify/",
        "/accounts/logout/",
        "/i18n/",
        "/static/",
        "/healthz",
        "/accounts/login/",
        "/accounts/password-reset/",
        "/accounts/reset/",
        "/accounts/invitation/",
    )
    checked = 0
    for route, _pattern in walk(get_resolver().url_patterns):
        for path in build_paths(route, populated_b, org_a.slug):  # type: ignore[arg-type]
            if path.startswith(open_prefixes):
                continue
            for method in ("get", "post"):
                response = getattr(client, method)(path, POST_BODY if method == "post" else None)
                assert response.status_code == 302, f"{method} {path}: {response.status_code}"
                assert response.url.startswith("/accounts/2fa/verify/"), path
                checked += 1
    assert checked > 30
    assert TOTPDevice.objects.filter(user=alice).exists()
