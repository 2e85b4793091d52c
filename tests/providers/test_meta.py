"""Facebook Page and Instagram specifics: Graph error codes, albums, the container flow."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import instagram as ig
from tests.providers.fakenet import FakeNetwork, Reply, fake_network
from tests.providers.test_contract import ALT, POST, tiny_png

from hygie.providers.base import MediaItem, OutboundPost
from hygie.providers.errors import AuthExpired, ProviderError, RateLimited, Rejected, Transient
from hygie.providers.facebook_page.provider import FacebookPageProvider
from hygie.providers.http import ProviderHttp
from hygie.providers.instagram.provider import InstagramProvider
from hygie.providers.meta_graph import classify_graph

TEXT = "Vaccination grippe : sans rendez-vous le matin."


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def http() -> ProviderHttp:
    return ProviderHttp(timeout=httpx.Timeout(5.0, connect=2.0))


def facebook(net: FakeNetwork) -> FacebookPageProvider:
    return FacebookPageProvider(fb.account(net.url), http())


def instagram(net: FakeNetwork, sleeps: list[float] | None = None) -> InstagramProvider:
    recorded = sleeps if sleeps is not None else []
    return InstagramProvider(ig.account(net.url), http(), sleep=recorded.append)


def image(name: str) -> MediaItem:
    return MediaItem(tiny_png(), "image/png", f"{ALT} ({name})", name, 1, 1)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (fb.ERROR_BODIES[401], AuthExpired),
        (fb.graph_error(17, "(#17) User request limit reached"), RateLimited),
        (
            fb.graph_error(
                506, "Duplicate status message", error_user_msg="Cette publication existe déjà."
            ),
            Rejected,
        ),
        (fb.graph_error(1, "An unknown error occurred"), Transient),
    ],
)
def test_graph_error_codes_map_correctly_even_under_http_400(
    net: FakeNetwork, body: dict[str, Any], error: type[ProviderError]
) -> None:
    net.route("POST", rf"/{fb.V}/{fb.PAGE_ID}/feed", Reply(400, body))
    with pytest.raises(error) as raised:
        facebook(net).publish(OutboundPost(TEXT), idempotency_key="k")
    assert raised.value.status == 400
    if error is Rejected:
        assert raised.value.message == "Cette publication existe déjà."
        assert raised.value.code == "506"


def test_rate_limits_read_the_business_use_case_header_when_there_is_no_retry_after() -> None:
    usage = {
        fb.PAGE_ID: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 20,
                "total_time": 30,
                "estimated_time_to_regain_access": 3,
            }
        ]
    }
    response = httpx.Response(
        403,
        json=fb.graph_error(80001, "There have been too many calls to this Page account"),
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    error = classify_graph(response)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 180 and error.scope == "channel"
    app_wide = classify_graph(httpx.Response(400, json=ig.ERROR_BODIES[429]))
    assert isinstance(app_wide, RateLimited)
    assert app_wide.scope == "app" and app_wide.retry_after is None


def test_a_text_post_goes_to_the_feed_with_its_link(net: FakeNetwork) -> None:
    fb.install_happy_path(net)
    result = facebook(net).publish(
        OutboundPost(TEXT, link="https://example.org/grippe"), idempotency_key="k"
    )
    assert result.url == fb.PERMALINK
    feed = net.requests_to("POST", rf"/{fb.V}/{fb.PAGE_ID}/feed")[0].json()
    assert feed == {"message": TEXT, "link": "https://example.org/grippe"}


def test_several_images_use_attached_media(net: FakeNetwork) -> None:
    ids = iter(["9001", "9002", "9003"])
    net.route("POST", rf"/{fb.V}/{fb.PAGE_ID}/photos", lambda _r: Reply(200, {"id": next(ids)}))
    fb.install_happy_path(net)
    post = OutboundPost(TEXT, media=(image("a.png"), image("b.png"), image("c.png")))
    result = facebook(net).publish(post, idempotency_key="k")
    assert result.external_id == fb.POST_ID and result.url == fb.PERMALINK
    photos = net.requests_to("POST", rf"/{fb.V}/{fb.PAGE_ID}/photos")
    assert len(photos) == 3
    for photo, name in zip(photos, ("a.png", "b.png", "c.png"), strict=True):
        assert b'name="published"\r\n\r\nfalse' in photo.body
        assert f"{ALT} ({name})".encode() in photo.body  # alt_text_custom
    feed = net.requests_to("POST", rf"/{fb.V}/{fb.PAGE_ID}/feed")[0].json()
    assert feed == {
        "message": TEXT,
        "attached_media": [{"media_fbid": "9001"}, {"media_fbid": "9002"}, {"media_fbid": "9003"}],
    }


def test_without_a_permalink_the_facebook_url_is_built_from_the_post_id(
    net: FakeNetwork,
) -> None:
    net.route("GET", rf"/{fb.V}/{fb.POST_ID}", Reply(500, fb.ERROR_BODIES[500]))
    fb.install_happy_path(net)
    result = facebook(net).publish(POST, idempotency_key="k")
    assert result.url == f"https://www.facebook.com/{fb.POST_ID}"


def test_deleting_a_facebook_post_that_is_gone_is_not_an_error(net: FakeNetwork) -> None:
    fb.install_happy_path(net)
    provider = facebook(net)
    provider.delete(f"{fb.PAGE_ID}_1")
    assert provider.get_post(f"{fb.PAGE_ID}_1") is None


def test_facebook_find_published_matches_the_exact_message_since_the_attempt(
    net: FakeNetwork,
) -> None:
    posts = {
        "data": [
            {
                "id": f"{fb.PAGE_ID}_2",
                "message": TEXT + " (bis)",
                "created_time": "2026-11-22T10:05:00+0000",
                "permalink_url": "https://www.facebook.com/2",
            },
            {
                "id": f"{fb.PAGE_ID}_3",
                "message": TEXT,
                "created_time": "2026-11-22T10:04:00+0000",
                "permalink_url": "https://www.facebook.com/3",
            },
        ]
    }
    net.route("GET", rf"/{fb.V}/{fb.PAGE_ID}/published_posts", Reply(200, posts))
    since = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    found = facebook(net).find_published(OutboundPost(TEXT), idempotency_key="k", since=since)
    assert found is not None and found.external_id == f"{fb.PAGE_ID}_3"
    query = net.requests_to("GET", rf"/{fb.V}/{fb.PAGE_ID}/published_posts")[0].query
    assert f"since={int(since.timestamp())}" in query


def test_the_instagram_container_poll_waits_through_in_progress_then_publishes(
    net: FakeNetwork,
) -> None:
    net.route(
        "GET",
        rf"/{ig.V}/{ig.CONTAINER_ID}",
        Reply(200, {"status_code": "IN_PROGRESS", "id": ig.CONTAINER_ID}),
        times=2,
    )
    ig.install_happy_path(net)
    sleeps: list[float] = []
    result = instagram(net, sleeps).publish(POST, idempotency_key="k")
    assert result.external_id == ig.MEDIA_ID and result.url == ig.PERMALINK
    assert len(net.requests_to("GET", rf"/{ig.V}/{ig.CONTAINER_ID}")) == 3
    assert sleeps == [InstagramProvider.poll_interval] * 2
    assert len(net.requests_to(*ig.PUBLISH)) == 1


def test_an_instagram_container_in_error_is_rejected_and_nothing_is_published(
    net: FakeNetwork,
) -> None:
    net.route(
        "GET",
        rf"/{ig.V}/{ig.CONTAINER_ID}",
        Reply(
            200,
            {
                "status_code": "ERROR",
                "status": "Error: media download failed",
                "id": ig.CONTAINER_ID,
            },
        ),
    )
    ig.install_happy_path(net)
    with pytest.raises(Rejected, match="ERROR"):
        instagram(net).publish(POST, idempotency_key="k")
    assert net.requests_to(*ig.PUBLISH) == []


def test_a_container_still_processing_after_every_poll_is_transient(net: FakeNetwork) -> None:
    net.route(
        "GET",
        rf"/{ig.V}/{ig.CONTAINER_ID}",
        Reply(200, {"status_code": "IN_PROGRESS", "id": ig.CONTAINER_ID}),
    )
    ig.install_happy_path(net)
    provider = instagram(net)
    provider.poll_tries = 3
    with pytest.raises(Transient):
        provider.publish(POST, idempotency_key="k")
    assert net.requests_to(*ig.PUBLISH) == []


def test_an_instagram_post_without_a_public_image_url_is_rejected_before_any_request(
    net: FakeNetwork,
) -> None:
    ig.install_happy_path(net)
    post = OutboundPost(TEXT, media=(image("affiche.png"), image("inconnue.png")))
    with pytest.raises(Rejected, match="public URL"):
        instagram(net).publish(post, idempotency_key="k")
    assert net.requests == []


def test_instagram_refuses_an_image_the_network_cannot_download(net: FakeNetwork) -> None:
    net.route("POST", rf"/{ig.V}/{ig.IG_USER_ID}/media", Reply(400, ig.ERROR_BODIES[400]))
    with pytest.raises(Rejected) as raised:
        instagram(net).publish(POST, idempotency_key="k")
    assert "8 MiB" in raised.value.message and raised.value.code == "36000/2207004"


def test_several_instagram_images_make_a_carousel(net: FakeNetwork) -> None:
    children = iter(["111", "112"])

    def container(request: Any) -> Reply:
        fields = request.json()
        if fields.get("media_type") == "CAROUSEL":
            return Reply(200, {"id": ig.CONTAINER_ID})
        return Reply(200, {"id": next(children)})

    net.route("POST", rf"/{ig.V}/{ig.IG_USER_ID}/media", container)
    net.route("GET", rf"/{ig.V}/11[12]", Reply(200, {"status_code": "FINISHED"}))
    ig.install_happy_path(net)
    provider = InstagramProvider(ig.account(net.url), http(), sleep=lambda _s: None)
    provider.account.settings["media_urls"]["b.png"] = "https://media.hygie.test/b.png"
    post = OutboundPost(TEXT, media=(image("affiche.png"), image("b.png")))
    assert provider.publish(post, idempotency_key="k").external_id == ig.MEDIA_ID
    created = [r.json() for r in net.requests_to("POST", rf"/{ig.V}/{ig.IG_USER_ID}/media")]
    assert created[0] == {
        "image_url": ig.IMAGE_URL,
        "is_carousel_item": True,
        "alt_text": f"{ALT} (affiche.png)",
    }
    assert created[1]["image_url"] == "https://media.hygie.test/b.png"
    assert created[2] == {"media_type": "CAROUSEL", "children": "111,112", "caption": TEXT}
    published = net.requests_to(*ig.PUBLISH)[0].json()
    assert published == {"creation_id": ig.CONTAINER_ID}


def test_instagram_find_published_matches_the_caption(net: FakeNetwork) -> None:
    media = {
        "data": [
            {
                "id": "1801",
                "caption": TEXT,
                "permalink": "https://www.instagram.com/p/old/",
                "timestamp": "2026-11-21T09:00:00+0000",
            },
            {
                "id": "1802",
                "caption": "Autre chose",
                "permalink": "https://www.instagram.com/p/b/",
                "timestamp": "2026-11-22T10:03:00+0000",
            },
            {
                "id": "1803",
                "caption": TEXT,
                "permalink": "https://www.instagram.com/p/new/",
                "timestamp": "2026-11-22T10:04:00+0000",
            },
        ]
    }
    net.route("GET", rf"/{ig.V}/{ig.IG_USER_ID}/media", Reply(200, media))
    since = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    provider = instagram(net)
    found = provider.find_published(OutboundPost(TEXT), idempotency_key="k", since=since)
    assert found is not None
    assert (found.external_id, found.url) == ("1803", "https://www.instagram.com/p/new/")
    missing = provider.find_published(
        OutboundPost("Jamais publié"), idempotency_key="k", since=since
    )
    assert missing is None


def test_instagram_cannot_delete_and_says_so(net: FakeNetwork) -> None:
    assert "delete" not in InstagramProvider.capabilities
    with pytest.raises(Rejected, match="Instagram app"):
        instagram(net).delete(ig.MEDIA_ID)
    assert net.requests == []


def test_instagram_needs_an_image_but_not_a_caption() -> None:
    provider = InstagramProvider(ig.account("http://127.0.0.1:9"))
    assert {v.code for v in provider.validate(OutboundPost(TEXT))} == {"image_required"}
    assert provider.validate(OutboundPost("", media=(image("affiche.png"),))) == []
