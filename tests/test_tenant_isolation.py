"""A member of organisation A can read or change nothing of organisation B, through any URL.

The URL patterns are read from the URL configuration itself, so a view added later is covered
without touching this file; a URL argument this test does not know makes it fail, on purpose.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from tests.conftest import CANARY, login

from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent

# Each URL argument, and the object of organisation B (or the slug) that fills it.
ARGUMENT_SOURCES = {
    "post_id": "post",
    "item_id": "item",
    "contact_id": "contact",
    "case_id": "case",
    "channel_id": "channel",
    "member_id": "membership",
    "media_id": "media",
    "target_id": "target",
    "campaign_id": "campaign",
    "slot_id": "slot",
    "template_id": "content_template",
    "product_id": "org_product",
    "request_id": "approval_request",
    "workflow_id": "workflow",
    "conversation_id": "conversation",
    "author_id": "author",
    "reply_id": "saved_reply",
    "rule_id": "moderation_rule",
    "entry_id": "queue_entry",
    "evidence_id": "evidence",
    "ack_template_id": "ack_template",
}
# URLs outside any organisation: they must not show B's data either, which the canary checks.
NOT_ORG_SCOPED = {"uidb64", "token", "network"}

# A plausible body for every form of the application: POSTs must be refused or be harmless.
POST_BODY = {
    "text": "changed by A",
    "status": "done",
    "name": "changed by A",
    "kind": "other",
    "roles": ["owner"],
    "email": "intruder@alpha.test",
    "timezone": "Europe/Paris",
    "deactivate": "1",
    "note": "changed by A",
}


def walk(resolvers: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += walk(entry.url_patterns, route)
        elif isinstance(entry.pattern, RoutePattern) or route:
            found.append((route, entry))
    return found


def org_b_snapshot(org_b: Organization) -> str:
    rows = []
    for model in apps.get_models():
        field_names = {f.name for f in model._meta.get_fields()}
        if "organization" in field_names and model is not AuditEvent:
            rows += list(model.objects.filter(organization=org_b).order_by("pk"))
    rows += list(Organization.objects.filter(pk=org_b.pk))
    return serializers.serialize("json", rows)


def build_paths(route: str, objects: dict[str, Any], slug: str) -> list[str]:
    """Fill a route such as ``o/<slug:org_slug>/posts/<int:post_id>/`` for organisation B."""
    pattern = RoutePattern(route)
    values: dict[str, str] = {}
    for name in pattern.converters:
        if name == "org_slug":
            values[name] = slug
        elif name in ARGUMENT_SOURCES:
            values[name] = str(objects[ARGUMENT_SOURCES[name]].pk)
        elif name in NOT_ORG_SCOPED:
            values[name] = "x" if name == "network" else "x1"
        else:
            pytest.fail(f"URL argument {name!r} in {route!r}: add it to ARGUMENT_SOURCES")
    path = "/" + route
    for name, value in values.items():
        converter = pattern.converters[name]
        prefix = {
            "IntConverter": "int",
            "SlugConverter": "slug",
            "StringConverter": "str",
            "PathConverter": "path",
            "UUIDConverter": "uuid",
        }[type(converter).__name__]
        path = path.replace(f"<{prefix}:{name}>", value).replace(f"<{name}>", value)
    return [path]


@pytest.mark.django_db
def test_no_url_lets_a_member_of_a_see_or_change_anything_of_b(
    client: Client,
    alice: User,
    org_a: Organization,
    org_b: Organization,
    populated_b: dict[str, Any],
) -> None:
    login(client, alice)
    routes = walk(get_resolver().url_patterns)
    assert len(routes) > 20, "the URL configuration was not walked"
    before = org_b_snapshot(org_b)
    audit_before = AuditEvent.objects.filter(organization=org_b).count()
    checked = 0
    for route, _pattern in routes:
        if route.startswith("static/"):
            continue
        paths = []
        if "<slug:org_slug>" in route:
            # B's slug with B's ids (not a member), and A's own slug with B's ids (IDOR).
            paths += build_paths(route, populated_b, org_b.slug)
            if any(arg in route for arg in ARGUMENT_SOURCES):
                paths += build_paths(route, populated_b, org_a.slug)
        else:
            paths += build_paths(route, populated_b, org_b.slug)
        for path in paths:
            for method in ("get", "post"):
                response = getattr(client, method)(path, POST_BODY if method == "post" else None)
                body = response.content.decode(errors="replace")
                assert CANARY not in body, f"{method.upper()} {path} showed B's data"
                if "/o/beta/" in path or any(a in route for a in ARGUMENT_SOURCES):
                    assert response.status_code in (403, 404, 405), (
                        f"{method.upper()} {path} answered {response.status_code} to A's member"
                    )
                checked += 1
        login(client, alice)  # a logout URL may have ended the session
    assert checked > 40
    assert org_b_snapshot(org_b) == before, "a request from A changed B's data"
    assert AuditEvent.objects.filter(organization=org_b).count() == audit_before
