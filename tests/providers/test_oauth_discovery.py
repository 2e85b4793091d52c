"""Connecting a channel: account discovery and refresh with the operator's OAuth application."""

# Listing bodies follow shared/research/provider-apis.md; where the digest gives none, the
# shape is the vendor reference's and marked ❓: LinkedIn's organizationAcls and
# organizations, X's /2/users/me, Google's accounts and locations lists.

from __future__ import annotations

import base64
import time

from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import google_business, linkedin_org, x
from tests.providers.contracts import instagram as ig
from tests.providers.fakenet import FakeNetwork, Reply
from tests.providers.oauth_helpers import (
    APP,
    META_V,
    SECOND_PAGE_ID,
    X_TOKEN,
    XV,
    fb_page,
    form,
    http,
    query_of,
)

from hygie.providers.base import Account, OAuthApp
from hygie.providers.facebook_page.provider import FacebookPageProvider
from hygie.providers.google_business.provider import GoogleBusinessProvider
from hygie.providers.instagram.provider import InstagramProvider
from hygie.providers.linkedin_org.provider import LinkedInOrgProvider
from hygie.providers.versions import API_VERSIONS
from hygie.providers.x.provider import XProvider

# --- discovery ------------------------------------------------------------------------------


def test_facebook_offers_every_page_with_its_page_token(net: FakeNetwork) -> None:
    net.route(
        "GET",
        rf"/{META_V}/me/accounts",
        Reply(
            200,
            {
                "data": [fb_page(fb.PAGE_ID, "Pharmacie du Parc", "page-tok")],
                "paging": {
                    "cursors": {"before": "QVFIUb4", "after": "QVFIUaf"},
                    "next": f"https://graph.facebook.com/{META_V}/me/accounts?after=QVFIUaf",
                },
            },
        ),
        times=1,
    )
    net.route(
        "GET",
        rf"/{META_V}/me/accounts",
        Reply(200, {"data": [fb_page(SECOND_PAGE_ID, "Pharmacie de la Gare", "page-tok-2")]}),
    )
    found = FacebookPageProvider.discover_accounts(
        {"access_token": "EAAB-long", "expires_at": time.time() + 5183944},
        app=APP,
        http=http(),
        base_url=net.url,
    )
    assert [(a.handle, a.name, a.credentials, a.settings) for a in found] == [
        (
            "Pharmacie du Parc",
            "Pharmacie du Parc",
            {"access_token": "page-tok"},
            {"page_id": fb.PAGE_ID},
        ),
        (
            "Pharmacie de la Gare",
            "Pharmacie de la Gare",
            {"access_token": "page-tok-2"},
            {"page_id": SECOND_PAGE_ID},
        ),
    ]
    first, second = net.requests
    assert first.headers["authorization"] == "Bearer EAAB-long"
    assert "access_token" in query_of(first.query)["fields"].split(",")
    assert query_of(second.query)["after"] == "QVFIUaf"


def test_instagram_offers_the_professional_account_of_each_page_that_has_one(
    net: FakeNetwork,
) -> None:
    net.route(
        "GET",
        rf"/{META_V}/me/accounts",
        Reply(
            200,
            {
                "data": [
                    fb_page(fb.PAGE_ID, "Pharmacie du Parc", "page-tok"),
                    fb_page(SECOND_PAGE_ID, "Pharmacie de la Gare", "page-tok-2"),
                ]
            },
        ),
    )
    # §2: the IG user id is the Page's instagram_business_account.
    net.route(
        "GET",
        rf"/{META_V}/{fb.PAGE_ID}",
        Reply(200, {"instagram_business_account": {"id": ig.IG_USER_ID}, "id": fb.PAGE_ID}),
    )
    net.route("GET", rf"/{META_V}/{SECOND_PAGE_ID}", Reply(200, {"id": SECOND_PAGE_ID}))
    net.route(
        "GET",
        rf"/{META_V}/{ig.IG_USER_ID}",
        Reply(200, {"id": ig.IG_USER_ID, "username": "pharmacieduparc", "name": "Pharmacie"}),
    )
    (account,) = InstagramProvider.discover_accounts(
        {"access_token": "EAAB-long"}, app=APP, http=http(), base_url=net.url
    )
    assert account.handle == "pharmacieduparc"
    assert account.name == "Pharmacie"
    assert account.credentials == {"access_token": "page-tok"}
    assert account.settings == {"ig_user_id": ig.IG_USER_ID, "page_id": fb.PAGE_ID}
    (page_lookup,) = net.requests_to("GET", rf"/{META_V}/{fb.PAGE_ID}")
    assert query_of(page_lookup.query)["fields"] == "instagram_business_account"
    assert page_lookup.headers["authorization"] == "Bearer page-tok"


def test_instagram_skips_a_page_it_may_not_read(net: FakeNetwork) -> None:
    net.route(
        "GET",
        rf"/{META_V}/me/accounts",
        Reply(200, {"data": [fb_page(fb.PAGE_ID, "Pharmacie du Parc", "page-tok")]}),
    )
    net.route("GET", rf"/{META_V}/{fb.PAGE_ID}", Reply(403, fb.ERROR_BODIES[403]))
    assert (
        InstagramProvider.discover_accounts(
            {"access_token": "EAAB-long"}, http=http(), base_url=net.url
        )
        == []
    )


def test_linkedin_offers_the_organisations_the_member_administers(net: FakeNetwork) -> None:
    other = "urn:li:organization:2414183"
    # ❓ Organization Access Control (roleAssignee finder), not in the digest.
    net.route(
        "GET",
        r"/rest/organizationAcls",
        Reply(
            200,
            {
                "paging": {"start": 0, "count": 100, "total": 2, "links": []},
                "elements": [
                    {
                        "role": "ADMINISTRATOR",
                        "roleAssignee": "urn:li:person:8675309",
                        "state": "APPROVED",
                        "organization": linkedin_org.ORGANIZATION,
                    },
                    {
                        "role": "ADMINISTRATOR",
                        "roleAssignee": "urn:li:person:8675309",
                        "state": "APPROVED",
                        "organization": other,
                    },
                ],
            },
        ),
    )
    net.route(
        "GET",
        r"/rest/organizations/5515715",
        Reply(200, {"id": 5515715, "localizedName": "Pharmacie Alpha", "vanityName": "alpha"}),
    )
    # §4.6 error body: the second organisation's name cannot be read, its URN stands in.
    net.route(
        "GET",
        r"/rest/organizations/2414183",
        Reply(403, {"message": "Not enough permissions", "serviceErrorCode": 100, "status": 403}),
    )
    credentials = {"access_token": "AQV-access", "refresh_token": "AQX-refresh"}
    found = LinkedInOrgProvider.discover_accounts(
        credentials, app=APP, http=http(), base_url=net.url
    )
    assert [(a.handle, a.settings) for a in found] == [
        ("Pharmacie Alpha", {"organization_urn": linkedin_org.ORGANIZATION}),
        (other, {"organization_urn": other}),
    ]
    assert all(a.credentials == credentials for a in found)
    (acls,) = net.requests_to("GET", r"/rest/organizationAcls")
    params = query_of(acls.query)
    assert (params["q"], params["role"], params["state"]) == (
        "roleAssignee",
        "ADMINISTRATOR",
        "APPROVED",
    )
    assert acls.headers["authorization"] == "Bearer AQV-access"
    assert acls.headers["linkedin-version"] == API_VERSIONS["linkedin_org"]
    assert acls.headers["x-restli-protocol-version"] == "2.0.0"


def test_x_offers_the_one_user_the_token_belongs_to(net: FakeNetwork) -> None:
    # ❓ GET /2/users/me answers {"data": {id, name, username}} (X reference, not the digest).
    net.route(
        "GET",
        rf"/{XV}/users/me",
        Reply(
            200,
            {
                "data": {
                    "id": "2244994945",
                    "name": "Pharmacie Alpha",
                    "username": "pharmacie_alpha",
                }
            },
        ),
    )
    credentials = {"access_token": "WkNJR-access", "refresh_token": "bWRWa3gz-refresh"}
    # No client given: discovery opens (and closes) its own.
    (account,) = XProvider.discover_accounts(credentials, app=APP, base_url=net.url)
    assert account.handle == x.account(net.url).handle == "@pharmacie_alpha"
    assert account.name == "Pharmacie Alpha"
    assert account.credentials == credentials
    assert account.settings == {"user_id": "2244994945"}
    assert net.requests[0].headers["authorization"] == "Bearer WkNJR-access"


def test_google_offers_every_location_of_every_account_as_a_v4_resource(
    net: FakeNetwork,
) -> None:
    # ❓ Account Management accounts.list and Business Information locations.list (§6.1 names
    # the APIs; the bodies are their references'): a location is named "locations/{id}".
    net.route(
        "GET",
        r"/v1/accounts",
        Reply(
            200,
            {"accounts": [{"name": "accounts/111", "accountName": "Alpha", "type": "PERSONAL"}]},
        ),
    )
    net.route(
        "GET",
        r"/v1/accounts/111/locations",
        Reply(
            200,
            {
                "locations": [
                    {
                        "name": "locations/222",
                        "title": "Pharmacie Alpha",
                        "storefrontAddress": {"locality": "Lyon"},
                    }
                ],
                "nextPageToken": "page-2",
            },
        ),
        times=1,
    )
    net.route(
        "GET",
        r"/v1/accounts/111/locations",
        Reply(200, {"locations": [{"name": "locations/333", "title": "Pharmacie Alpha Gare"}]}),
    )
    credentials = {"access_token": "ya29-access", "refresh_token": "1//refresh"}
    found = GoogleBusinessProvider.discover_accounts(
        credentials, app=APP, http=http(), base_url=net.url
    )
    assert [(a.handle, a.name, a.settings) for a in found] == [
        ("Pharmacie Alpha", "Pharmacie Alpha (Lyon)", {"location": google_business.LOCATION}),
        (
            "Pharmacie Alpha Gare",
            "Pharmacie Alpha Gare",
            {"location": "accounts/111/locations/333"},
        ),
    ]
    assert all(a.credentials == credentials for a in found)
    first, second = net.requests_to("GET", r"/v1/accounts/111/locations")
    assert "title" in query_of(first.query)["readMask"].split(",")
    assert query_of(second.query)["pageToken"] == "page-2"
    assert all(r.headers["authorization"] == "Bearer ya29-access" for r in net.requests)


# --- refreshing with the operator's application ---------------------------------------------


def with_app(account: Account) -> Account:
    account.app = OAuthApp(client_id="operator-id", client_secret="operator-secret")
    return account


def test_linkedin_refresh_uses_the_operators_application(net: FakeNetwork) -> None:
    net.route(
        "POST",
        r"/oauth/v2/accessToken",
        Reply(200, {"access_token": "tok-2", "expires_in": 5184000}),
    )
    provider = LinkedInOrgProvider(with_app(linkedin_org.account(net.url)), http())
    provider.refresh()
    sent = form(net.requests[0])
    assert (sent["client_id"], sent["client_secret"]) == ("operator-id", "operator-secret")


def test_x_refresh_authenticates_as_the_operators_application(net: FakeNetwork) -> None:
    net.route("POST", rf"/{XV}/oauth2/token", Reply(200, X_TOKEN))
    provider = XProvider(with_app(x.account(net.url)), http())
    provider.refresh()
    request = net.requests[0]
    assert form(request)["client_id"] == "operator-id"
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(b"operator-id:operator-secret").decode()
    )


def test_google_refresh_uses_the_operators_application(net: FakeNetwork) -> None:
    net.route("POST", r"/token", Reply(200, {"access_token": "tok-2", "expires_in": 3599}))
    provider = GoogleBusinessProvider(with_app(google_business.account(net.url)), http())
    provider.refresh()
    sent = form(net.requests[0])
    assert (sent["client_id"], sent["client_secret"]) == ("operator-id", "operator-secret")
