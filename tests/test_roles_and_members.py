"""Roles decide what each member may do; the owner manages members; invariants hold."""

from __future__ import annotations

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
    assert "/accounts/reset/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(verb="membership.created", organization=org_a).exists()


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
