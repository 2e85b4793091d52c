"""LinkedIn, X and Google Business Profile: what the shared contract does not cover."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from tests.providers.contracts import google_business, linkedin_org, x
from tests.providers.fakenet import FakeNetwork, Reply, fake_network
from tests.providers.test_contract import ALT, POST, tiny_png

from hygie.providers.base import MediaItem, OutboundPost
from hygie.providers.errors import (
    AuthExpired,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)
from hygie.providers.google_business.provider import GoogleBusinessProvider
from hygie.providers.http import ProviderHttp
from hygie.providers.linkedin_org.provider import (
    LinkedInOrgProvider,
    escape_little_text,
    seconds_until_utc_midnight,
)
from hygie.providers.versions import API_VERSIONS
from hygie.providers.x.provider import XProvider

XV = API_VERSIONS["x"]
GV = API_VERSIONS["google_business"]


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def http() -> ProviderHttp:
    return ProviderHttp(timeout=httpx.Timeout(5.0, connect=2.0))


def linkedin(net: FakeNetwork) -> LinkedInOrgProvider:
    return LinkedInOrgProvider(linkedin_org.account(net.url), http())


def x_provider(net: FakeNetwork) -> XProvider:
    return XProvider(x.account(net.url), http())


def google(net: FakeNetwork) -> GoogleBusinessProvider:
    return GoogleBusinessProvider(google_business.account(net.url), http())


def form(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}


# --- LinkedIn --------------------------------------------------------------------------------


def test_linkedin_sends_the_version_headers_and_reads_the_id_from_x_restli_id(
    net: FakeNetwork,
) -> None:
    linkedin_org.install_happy_path(net)
    result = linkedin(net).publish(POST, idempotency_key="hygie-attempt-1")
    assert result.external_id == linkedin_org.SHARE
    assert result.url == f"https://www.linkedin.com/feed/update/{linkedin_org.SHARE}/"
    rest_calls = [r for r in net.requests if r.path.startswith("/rest/")]
    assert len(rest_calls) == 2  # initializeUpload, then the post
    for request in rest_calls:
        assert request.headers["linkedin-version"] == API_VERSIONS["linkedin_org"]
        assert request.headers["x-restli-protocol-version"] == "2.0.0"
        assert request.headers["authorization"] == "Bearer tok"
    upload = net.requests_to("PUT", r"/dms-uploads/.*")[0]
    assert upload.headers["authorization"] == "Bearer tok"
    assert "linkedin-version" not in upload.headers  # the upload edge takes the token only


def test_linkedin_reads_back_and_deletes_the_post_by_its_encoded_urn(net: FakeNetwork) -> None:
    linkedin_org.install_happy_path(net)
    provider = linkedin(net)
    again = provider.get_post(linkedin_org.SHARE)
    assert again is not None and again.external_id == linkedin_org.SHARE
    provider.delete(linkedin_org.SHARE)
    assert net.requests_to("DELETE", r"/rest/posts/urn%3Ali%3Ashare%3A7196000000000000000")
    assert provider.get_post("urn:li:share:1") is None


def test_linkedin_escapes_reserved_characters_in_commentary(net: FakeNetwork) -> None:
    text = r"Spring update (beta) #santé @Pharma [1] {x} <y> a*b_c~d|e \ fin"
    assert escape_little_text(text) == (
        r"Spring update \(beta\) \#santé \@Pharma \[1\] \{x\} \<y\> a\*b\_c\~d\|e \\ fin"
    )
    linkedin_org.install_happy_path(net)
    linkedin(net).publish(
        OutboundPost(text="Spring update (beta) is live"), idempotency_key="hygie-attempt-2"
    )
    body = net.requests_to("POST", r"/rest/posts")[-1].json()
    assert body["commentary"] == "Spring update \\(beta\\) is live"
    assert "content" not in body


def test_linkedin_posts_several_images_as_a_multi_image(net: FakeNetwork) -> None:
    linkedin_org.install_happy_path(net)
    images = tuple(MediaItem(tiny_png(), "image/png", f"{ALT} {n}", f"a{n}.png") for n in (1, 2))
    linkedin(net).publish(
        OutboundPost(text="Deux affiches", media=images), idempotency_key="hygie-attempt-3"
    )
    content = net.requests_to("POST", r"/rest/posts")[-1].json()["content"]
    assert content == {
        "multiImage": {
            "images": [
                {"id": linkedin_org.IMAGE, "altText": f"{ALT} 1"},
                {"id": linkedin_org.IMAGE, "altText": f"{ALT} 2"},
            ]
        }
    }


def test_linkedin_without_an_organization_is_rejected_before_any_request(
    net: FakeNetwork,
) -> None:
    account = linkedin_org.account(net.url)
    account.settings = {}
    with pytest.raises(Rejected):
        LinkedInOrgProvider(account, http()).publish(POST, idempotency_key="hygie-attempt-4")
    assert net.requests == []


def test_linkedin_daily_quota_waits_until_midnight_utc(net: FakeNetwork) -> None:
    net.route("POST", r"/rest/posts", Reply(429, linkedin_org.ERROR_BODIES[429]))
    with pytest.raises(RateLimited) as raised:
        linkedin(net).publish(OutboundPost(text="Bonjour"), idempotency_key="hygie-attempt-5")
    assert raised.value.retry_after is not None
    assert abs(raised.value.retry_after - seconds_until_utc_midnight()) < 60
    noon = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert seconds_until_utc_midnight(noon) == 12 * 3600


def test_linkedin_refresh_stores_the_new_tokens(net: FakeNetwork) -> None:
    net.route(
        "POST",
        r"/oauth/v2/accessToken",
        Reply(
            200,
            {
                "access_token": "tok-2",
                "expires_in": 5184000,
                "refresh_token": "refresh-1",
                "refresh_token_expires_in": 31_000_000,
            },
        ),
    )
    provider = linkedin(net)
    provider.refresh()
    sent = form(net.requests_to("POST", r"/oauth/v2/accessToken")[0].body)
    assert sent == {
        "grant_type": "refresh_token",
        "refresh_token": "refresh-1",
        "client_id": "client-id",
        "client_secret": "client-secret",
    }
    credentials = provider.account.credentials
    assert credentials["access_token"] == "tok-2" and provider.credentials_changed
    assert abs(credentials["expires_at"] - (time.time() + 5184000)) < 60
    assert not provider.needs_refresh()


def test_linkedin_refused_refresh_is_auth_expired(net: FakeNetwork) -> None:
    net.route(
        "POST",
        r"/oauth/v2/accessToken",
        Reply(
            400, {"error": "invalid_grant", "error_description": "The refresh token has expired"}
        ),
    )
    provider = linkedin(net)
    with pytest.raises(AuthExpired, match="expired"):
        provider.refresh()
    assert provider.account.credentials["access_token"] == "tok"


def test_linkedin_token_url_is_linkedin_in_production() -> None:
    provider = LinkedInOrgProvider(linkedin_org.account("http://unused"))
    provider.account.base_url = None
    assert provider._token_endpoint() == "https://www.linkedin.com/oauth/v2/accessToken"


# --- X ---------------------------------------------------------------------------------------


def test_x_counts_weighted_length() -> None:
    provider = XProvider(x.account("http://127.0.0.1:9"))

    def codes(text: str) -> set[str]:
        return {v.code for v in provider.validate(OutboundPost(text=text))}

    assert "too_long" in codes("a" * 279 + "東")  # 279 + 2 = 281
    assert "too_long" not in codes("a" * 280)
    assert "too_long" not in codes("東" * 140)  # 140 × 2 = 280
    assert "too_long" in codes("東" * 141)
    assert "too_long" not in codes("a" * 256 + " https://example.org/" + "x" * 300)  # URL = 23


def test_x_alt_text_goes_through_media_metadata(net: FakeNetwork) -> None:
    x.install_happy_path(net)
    x_provider(net).publish(POST, idempotency_key="hygie-attempt-6")
    paths = [r.path for r in net.requests]
    assert paths == [f"/{XV}/media/upload", f"/{XV}/media/metadata", f"/{XV}/tweets"]
    metadata = net.requests_to("POST", rf"/{XV}/media/metadata")[0].json()
    assert metadata == {"id": x.MEDIA_ID, "metadata": {"alt_text": {"text": ALT}}}
    assert ALT.encode() not in net.requests_to("POST", rf"/{XV}/media/upload")[0].body


@pytest.mark.parametrize("prefix", ["https://api.twitter.com", "https://api.x.com"])
def test_x_usage_capped_problem_is_rate_limited(prefix: str, net: FakeNetwork) -> None:
    net.route(
        "POST",
        rf"/{XV}/tweets",
        Reply(
            429,
            {
                "title": "UsageCapExceeded",
                "detail": "Usage cap exceeded: Monthly product cap",
                "type": f"{prefix}/2/problems/usage-capped",
                "period": "Monthly",
                "scope": "Product",
            },
            {"x-rate-limit-reset": str(int(time.time()) + 60)},
        ),
    )
    with pytest.raises(RateLimited) as raised:
        x_provider(net).publish(OutboundPost(text="Bonjour"), idempotency_key="hygie-attempt-7")
    assert raised.value.code == "usage-capped" and raised.value.scope == "app"
    assert raised.value.retry_after is not None and raised.value.retry_after >= 3600


def test_x_rate_limit_waits_until_x_rate_limit_reset(net: FakeNetwork) -> None:
    net.route(
        "POST",
        rf"/{XV}/tweets",
        Reply(
            429,
            x.ERROR_BODIES[429],
            {
                "x-rate-limit-limit": "200",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(time.time()) + 600),
            },
        ),
    )
    with pytest.raises(RateLimited) as raised:
        x_provider(net).publish(OutboundPost(text="Bonjour"), idempotency_key="hygie-attempt-8")
    assert raised.value.retry_after is not None and 590 <= raised.value.retry_after <= 600


def test_x_duplicate_content_is_rejected_with_the_detail(net: FakeNetwork) -> None:
    net.route("POST", rf"/{XV}/tweets", Reply(403, x.ERROR_BODIES[403]))
    with pytest.raises(Rejected) as raised:
        x_provider(net).publish(OutboundPost(text="Bonjour"), idempotency_key="hygie-attempt-9")
    assert raised.value.code == "duplicate"
    assert "duplicate content" in raised.value.message


def test_x_reads_a_deleted_post_as_missing(net: FakeNetwork) -> None:
    x.install_happy_path(net)
    assert x_provider(net).get_post("1") is None


def test_x_finds_a_published_post_by_its_text_without_urls(net: FakeNetwork) -> None:
    x.install_happy_path(net)
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
    net.route(
        "GET",
        rf"/{XV}/users/2244994945/tweets",
        Reply(
            200,
            {
                "data": [
                    {"id": "1", "text": "Autre chose", "created_at": "2026-11-22T10:00:00.000Z"},
                    x.TWEET,
                ],
                "meta": {"result_count": 2},
            },
        ),
    )
    found = x_provider(net).find_published(
        POST, idempotency_key="hygie-attempt-10", since=datetime(2026, 11, 22, 9, tzinfo=UTC)
    )
    assert found is not None and found.external_id == x.TWEET_ID
    listing = net.requests_to("GET", rf"/{XV}/users/2244994945/tweets")[0]
    assert "start_time=2026-11-22T09%3A00%3A00Z" in listing.query
    other = OutboundPost(text="Un autre texte https://example.org")
    assert (
        x_provider(net).find_published(
            other, idempotency_key="hygie-attempt-11", since=datetime(2026, 11, 22, tzinfo=UTC)
        )
        is None
    )


def test_x_refresh_stores_the_rotated_refresh_token(net: FakeNetwork) -> None:
    net.route(
        "POST",
        rf"/{XV}/oauth2/token",
        Reply(
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": "tok-2",
                "scope": "tweet.read tweet.write users.read offline.access media.write",
                "refresh_token": "refresh-2",
            },
        ),
    )
    provider = x_provider(net)
    provider.refresh()
    sent = form(net.requests_to("POST", rf"/{XV}/oauth2/token")[0].body)
    assert sent == {
        "refresh_token": "refresh-1",
        "grant_type": "refresh_token",
        "client_id": "rG9n6402A3dbUJKzXTNX4oWHJ",
    }
    credentials = provider.account.credentials
    assert credentials["access_token"] == "tok-2" and credentials["refresh_token"] == "refresh-2"
    assert abs(credentials["expires_at"] - (time.time() + 7200)) < 60


def test_x_refused_refresh_is_auth_expired(net: FakeNetwork) -> None:
    net.route(
        "POST",
        rf"/{XV}/oauth2/token",
        Reply(
            400,
            {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            },
        ),
    )
    with pytest.raises(AuthExpired):
        x_provider(net).refresh()


# --- Google Business Profile -----------------------------------------------------------------


def test_google_without_a_public_image_url_is_rejected_before_any_request(
    net: FakeNetwork,
) -> None:
    account = google_business.account(net.url)
    account.settings = {**account.settings, "media_urls": {}}
    with pytest.raises(Rejected, match="public URL"):
        GoogleBusinessProvider(account, http()).publish(POST, idempotency_key="hygie-attempt-12")
    assert net.requests == []


def test_google_posts_a_standard_update_with_a_learn_more_link(net: FakeNetwork) -> None:
    google_business.install_happy_path(net)
    post = OutboundPost(text="Nouvelle gamme", link="https://example.org/gamme", language="fr")
    google(net).publish(post, idempotency_key="hygie-attempt-13")
    body = net.requests_to("POST", rf"/{GV}/{google_business.LOCATION}/localPosts")[0].json()
    assert body == {
        "languageCode": "fr",
        "summary": "Nouvelle gamme",
        "topicType": "STANDARD",
        "callToAction": {"actionType": "LEARN_MORE", "url": "https://example.org/gamme"},
    }


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (400, Rejected, ""),
        (401, AuthExpired, "UNAUTHENTICATED"),
        (403, Rejected, "PERMISSION_DENIED"),
        (429, RateLimited, "RESOURCE_EXHAUSTED"),
        (500, Transient, ""),
        (503, Transient, "UNAVAILABLE"),
    ],
)
def test_google_error_bodies_map_per_status(
    status: int, error: type[ProviderError], code: str, net: FakeNetwork
) -> None:
    net.route(
        "POST",
        rf"/{GV}/{google_business.LOCATION}/localPosts",
        Reply(status, google_business.ERROR_BODIES[status]),
    )
    with pytest.raises(error) as raised:
        google(net).publish(OutboundPost(text="Bonjour"), idempotency_key="hygie-attempt-14")
    assert type(raised.value) is error and raised.value.status == status
    assert raised.value.code == code
    message = google_business.ERROR_BODIES[status]["error"]["message"]
    assert message in raised.value.message


def test_google_rate_limit_reads_the_retry_delay(net: FakeNetwork) -> None:
    body: dict[str, Any] = {
        "error": {
            "code": 429,
            "message": "Quota exceeded",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "30s"}],
        }
    }
    net.route("POST", rf"/{GV}/{google_business.LOCATION}/localPosts", Reply(429, body))
    with pytest.raises(RateLimited) as raised:
        google(net).publish(OutboundPost(text="Bonjour"), idempotency_key="hygie-attempt-15")
    assert raised.value.retry_after == 30


def test_google_finds_a_published_post_by_summary_and_creation_time(net: FakeNetwork) -> None:
    older = {
        **google_business.LOCAL_POST,
        "name": f"{google_business.LOCATION}/localPosts/1",
        "createTime": "2026-02-01T10:00:00Z",
    }
    net.route(
        "GET",
        rf"/{GV}/{google_business.LOCATION}/localPosts",
        Reply(200, {"localPosts": [older, google_business.LOCAL_POST]}),
    )
    post = OutboundPost(text=str(google_business.LOCAL_POST["summary"]))
    found = google(net).find_published(
        post, idempotency_key="hygie-attempt-16", since=datetime(2026, 3, 1, 9, tzinfo=UTC)
    )
    assert found is not None and found.external_id == google_business.NAME
    assert (
        google(net).find_published(
            post, idempotency_key="hygie-attempt-17", since=datetime(2026, 3, 2, tzinfo=UTC)
        )
        is None
    )


def test_google_refresh_keeps_the_refresh_token_and_refusal_is_auth_expired(
    net: FakeNetwork,
) -> None:
    net.route(
        "POST",
        r"/token",
        Reply(
            200,
            {
                "access_token": "tok-2",
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/business.manage",
            },
        ),
        times=1,
    )
    net.route(
        "POST",
        r"/token",
        Reply(
            400,
            {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        ),
    )
    provider = google(net)
    provider.refresh()
    assert provider.account.credentials["access_token"] == "tok-2"
    assert provider.account.credentials["refresh_token"] == "refresh-1"
    assert form(net.requests[0].body)["grant_type"] == "refresh_token"
    with pytest.raises(AuthExpired, match="revoked"):
        provider.refresh()
