"""Roles decide what each member may do; the owner manages members; invariants hold."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from tests.conftest import login, make_user

from hygie.accounts.actions import ActionError, do_add_member, do_set_member_roles
from hygie.accounts.models import Membership, Organization, User
from hygie.accounts.roles import ROLE_PERMISSIONS, Perm, Role, permissions_for
from hygie.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_role_has_a_permission_set_and_the_analyst_only_reads() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role.values)
    writes = {p for p in vars(Perm).values() if isinstance(p, str) and not p.endswith(".view")}
    assert not permissions_for([Role.ANALYST]) & writes


def test_permissions_of_several_roles_add_up() -> None:
    both = permissions_for([Role.CONTRIBUTOR, Role.PV_OFFICER])
    assert Perm.POSTS_COMPOSE in both and Perm.SAFETY_MANAGE in both


def test_the_owner_adds_a_member_who_gets_an_invitation(
    alice_client: Client, org_a: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            "/o/alpha/settings/members/add/",
            {"email": "New.Person@Alpha.test", "full_name": "New Person", "roles": ["contributor"]},
        )
    assert response.status_code == 302
    member = Membership.objects.get(organization=org_a, user__email="new.person@alpha.test")
    assert member.role_names == ["contributor"]
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(verb="membership.created", organization=org_a).exists()
    # The invitation link (valid a week, from HYGIE_BASE_URL) lets the newcomer set a password.
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/invitation/\S+/)", mail.outbox[0].body)
    assert link is not None
    anonymous = Client()
    form = anonymous.get(link.group(1), follow=True)
    new = "une phrase de passe solide 2026"
    anonymous.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert anonymous.login(username="new.person@alpha.test", password=new)
    assert AuditEvent.objects.filter(verb="user.password_set").exists()


def test_an_invitation_link_still_works_after_three_days_but_not_after_eight(
    org_a: Organization,
) -> None:
    from datetime import datetime, timedelta

    from hygie.accounts.tokens import InvitationTokenGenerator

    membership = do_add_member(
        org_a, email="late@alpha.test", full_name="", roles=["analyst"], acting_user=None
    )
    generator = InvitationTokenGenerator()
    token = generator.make_token(membership.user)
    later = InvitationTokenGenerator()
    later._now = lambda: datetime.now() + timedelta(days=3)  # type: ignore[method-assign]  # noqa: DTZ005
    assert later.check_token(membership.user, token)
    later._now = lambda: datetime.now() + timedelta(days=8)  # type: ignore[method-assign]  # noqa: DTZ005
    assert not later.check_token(membership.user, token)


def test_a_contributor_cannot_manage_members_nor_see_the_audit_trail(
    client: Client, org_a: Organization
) -> None:
    user = make_user("c@alpha.test")
    do_add_member(org_a, email=user.email, full_name="", roles=[Role.CONTRIBUTOR], acting_user=None)
    login(client, user)
    assert (
        client.post(
            "/o/alpha/settings/members/add/", {"email": "x@y.z", "roles": ["owner"]}
        ).status_code
        == 403
    )
    assert client.get("/o/alpha/settings/audit/").status_code == 403
    assert client.get("/o/alpha/compose/").status_code == 200
    assert client.get("/o/alpha/inbox/").status_code == 403


def test_the_analyst_reads_but_cannot_compose(client: Client, org_a: Organization) -> None:
    user = make_user("an@alpha.test")
    do_add_member(org_a, email=user.email, full_name="", roles=[Role.ANALYST], acting_user=None)
    login(client, user)
    assert client.get("/o/alpha/analytics/").status_code == 200
    assert client.get("/o/alpha/calendar/").status_code == 200
    assert client.get("/o/alpha/compose/").status_code == 403
    assert client.post("/o/alpha/compose/", {"text": "x"}).status_code == 403


def test_the_last_owner_cannot_be_demoted_or_removed(alice: User, org_a: Organization) -> None:
    membership = Membership.objects.get(user=alice, organization=org_a)
    with pytest.raises(ActionError, match="at least one owner"):
        do_set_member_roles(membership, roles=[Role.ANALYST], acting_user=alice)
    assert membership.roles.get().role == Role.OWNER


def test_unknown_roles_are_refused(org_a: Organization) -> None:
    with pytest.raises(ActionError, match="Unknown role"):
        do_add_member(org_a, email="z@alpha.test", full_name="", roles=["king"], acting_user=None)
    assert not User.objects.filter(email="z@alpha.test").exists()


def test_a_member_of_two_organisations_switches_between_them(
    client: Client, alice: User, org_a: Organization, org_b: Organization
) -> None:
    do_add_member(org_b, email=alice.email, full_name="", roles=[Role.ANALYST], acting_user=None)
    login(client, alice)
    page = client.get("/o/alpha/calendar/").content.decode()
    assert "/o/beta/calendar/" in page  # the switcher offers the other organisation
    assert client.get("/o/beta/calendar/").status_code == 200
    # Home now leads to the organisation used last.
    assert client.get("/").url == "/o/beta/calendar/"
    # In B she is only an analyst.
    assert client.get("/o/beta/compose/").status_code == 403


def test_a_deactivated_member_loses_access(
    client: Client, alice: User, bob: User, org_a: Organization
) -> None:
    login(client, alice)
    membership = Membership.objects.get(user=bob, organization=org_a)
    client.post(f"/o/alpha/settings/members/{membership.pk}/", {"deactivate": "1"})
    login(client, bob)
    assert client.get("/o/alpha/calendar/").status_code == 404


def test_the_analyst_can_change_nothing_through_any_url(
    client: Client, org_b: Organization, populated_b: dict[str, Any]
) -> None:
    """Walk every URL of the organisation with POST as an analyst: all refused, nothing moves."""
    from django.urls import get_resolver
    from tests.test_tenant_isolation import POST_BODY, build_paths, org_b_snapshot, walk

    analyst = populated_b["membership"].user
    login(client, analyst)
    before = org_b_snapshot(org_b)
    checked = 0
    # A member's own settings are not the organisation's: renewing one's calendar address is.
    personal = {"calendar/feed/renew/"}
    for route, _pattern in walk(get_resolver().url_patterns):
        if "<slug:org_slug>" not in route or any(route.endswith(p) for p in personal):
            continue
        for path in build_paths(route, populated_b, org_b.slug):
            response = client.post(path, POST_BODY)
            assert response.status_code in (403, 405), f"POST {path}: {response.status_code}"
            checked += 1
    assert checked > 10
    assert org_b_snapshot(org_b) == before
