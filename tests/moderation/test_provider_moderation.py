"""Each provider's ``moderate`` against its network's published contract (the fake network)."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest
from tests.providers.contracts import bluesky as bsky
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import instagram as ig
from tests.providers.contracts import mastodon as masto
from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.bluesky.provider import BlueskyProvider
from hygie.providers.errors import Rejected
from hygie.providers.facebook_page.provider import FacebookPageProvider
from hygie.providers.http import ProviderHttp
from hygie.providers.inbound import ModerationAction, ReplyTarget, Unsupported
from hygie.providers.instagram.provider import InstagramProvider
from hygie.providers.mastodon.provider import MastodonProvider
from hygie.providers.registry import PROVIDERS, provider_class

HIDE, UNHIDE, DELETE, BLOCK = (
    ModerationAction.HIDE,
    ModerationAction.UNHIDE,
    ModerationAction.DELETE,
    ModerationAction.BLOCK,
)


def http() -> ProviderHttp:
    return ProviderHttp(timeout=httpx.Timeout(5.0, connect=2.0))


def form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode())


@pytest.mark.parametrize(
    ("kind", "actions"),
    [
        ("facebook_page", {HIDE, UNHIDE, DELETE, BLOCK}),
        ("instagram", {HIDE, UNHIDE, DELETE}),
        ("bluesky", {HIDE, UNHIDE, BLOCK}),
        ("mastodon", {BLOCK}),
        ("linkedin_org", set()),
        ("x", set()),
        ("google_business", set()),
    ],
)
def test_each_network_declares_only_the_moderation_it_allows(
    kind: str, actions: set[ModerationAction]
) -> None:
    assert kind in PROVIDERS
    assert provider_class(kind).moderation == actions


# --- Facebook Page -----------------------------------------------------------------------------


@pytest.fixture
def facebook(net: FakeNetwork) -> FacebookPageProvider:
    return FacebookPageProvider(fb.account(net.url), http())


COMMENT = ReplyTarget(
    kind="comment", external_id=fb.COMMENT_ID, thread_id=fb.POST_ID, author_id=fb.COMMENTER_ID
)


def test_facebook_hides_and_shows_a_comment_again_with_is_hidden(
    net: FakeNetwork, facebook: FacebookPageProvider
) -> None:
    facebook.moderate(HIDE, COMMENT)
    facebook.moderate(UNHIDE, COMMENT)
    hide, unhide = net.requests_to("POST", rf"/{fb.V}/{fb.COMMENT_ID}")
    assert form(hide.body) == {"is_hidden": ["true"]}
    assert form(unhide.body) == {"is_hidden": ["false"]}
    assert hide.headers["authorization"] == "Bearer page-tok"


def test_facebook_deletes_a_comment_and_a_comment_already_gone_is_not_an_error(
    net: FakeNetwork, facebook: FacebookPageProvider
) -> None:
    facebook.moderate(DELETE, COMMENT)
    assert len(net.requests_to("DELETE", rf"/{fb.V}/{fb.COMMENT_ID}")) == 1
    net.route("DELETE", rf"/{fb.V}/{fb.COMMENT_ID}", Reply(400, fb.GONE), first=True)
    facebook.moderate(DELETE, COMMENT)


def test_facebook_blocks_a_commenter_by_user_id_and_a_messenger_sender_by_psid(
    net: FakeNetwork, facebook: FacebookPageProvider
) -> None:
    facebook.moderate(BLOCK, COMMENT)
    message = ReplyTarget(kind="direct_message", external_id="m_1", author_id=fb.COMMENTER_ID)
    facebook.moderate(BLOCK, message)
    by_user, by_psid = net.requests_to("POST", rf"/{fb.V}/{fb.PAGE_ID}/blocked")
    assert by_user.json() == {"user": [fb.COMMENTER_ID]}
    assert by_psid.json() == {"psid": [fb.COMMENTER_ID]}


def test_facebook_says_why_it_refused(net: FakeNetwork, facebook: FacebookPageProvider) -> None:
    net.route(
        "POST",
        rf"/{fb.V}/{fb.COMMENT_ID}",
        Reply(
            403,
            fb.graph_error(
                200,
                "(#200) The pages_manage_engagement permission is missing.",
                error_user_msg="Hygie may not moderate this Page: reconnect it.",
            ),
        ),
        first=True,
    )
    with pytest.raises(Rejected, match="reconnect it"):
        facebook.moderate(HIDE, COMMENT)


def test_facebook_does_not_hide_a_direct_message(facebook: FacebookPageProvider) -> None:
    with pytest.raises(Unsupported):
        facebook.moderate(HIDE, ReplyTarget(kind="direct_message", external_id="m_1"))


# --- Instagram ---------------------------------------------------------------------------------


@pytest.fixture
def instagram(net: FakeNetwork) -> InstagramProvider:
    return InstagramProvider(ig.account(net.url), http())


IG_COMMENT = ReplyTarget(kind="comment", external_id=ig.COMMENT_ID, author_id="ig-1")


def test_instagram_hides_shows_and_deletes_a_comment(
    net: FakeNetwork, instagram: InstagramProvider
) -> None:
    instagram.moderate(HIDE, IG_COMMENT)
    instagram.moderate(UNHIDE, IG_COMMENT)
    instagram.moderate(DELETE, IG_COMMENT)
    hide, unhide = net.requests_to("POST", rf"/{ig.V}/{ig.COMMENT_ID}")
    assert form(hide.body) == {"hide": ["true"]}
    assert form(unhide.body) == {"hide": ["false"]}
    assert len(net.requests_to("DELETE", rf"/{ig.V}/{ig.COMMENT_ID}")) == 1


def test_instagram_cannot_block(net: FakeNetwork, instagram: InstagramProvider) -> None:
    with pytest.raises(Unsupported):
        instagram.moderate(BLOCK, IG_COMMENT)
    assert net.requests == []


# --- Mastodon ----------------------------------------------------------------------------------


@pytest.fixture
def mastodon(net: FakeNetwork) -> MastodonProvider:
    return MastodonProvider(masto.account(net.url), http())


def test_mastodon_blocks_an_account_by_id_or_after_looking_its_address_up(
    net: FakeNetwork, mastodon: MastodonProvider
) -> None:
    mastodon.moderate(BLOCK, ReplyTarget(kind="mention", external_id="1", author_id="971724"))
    assert net.requests_to("GET", r"/api/v1/accounts/lookup") == []
    mastodon.moderate(
        BLOCK, ReplyTarget(kind="mention", external_id="1", author_id="@" + masto.ACCT)
    )
    [lookup] = net.requests_to("GET", r"/api/v1/accounts/lookup")
    assert parse_qs(lookup.query) == {"acct": [masto.ACCT]}
    blocks = net.requests_to("POST", rf"/api/v1/accounts/{masto.ACCOUNT_ID}/block")
    assert len(blocks) == 2 and blocks[0].headers["authorization"] == "Bearer tok"


def test_mastodon_cannot_hide_or_delete(net: FakeNetwork, mastodon: MastodonProvider) -> None:
    for action in (HIDE, UNHIDE, DELETE):
        with pytest.raises(Unsupported):
            mastodon.moderate(action, ReplyTarget(kind="comment", external_id="1"))
    assert net.requests == []


# --- Bluesky -----------------------------------------------------------------------------------


@pytest.fixture
def bluesky(net: FakeNetwork, bsky_repo: bsky.Repository) -> BlueskyProvider:
    return BlueskyProvider(bsky.account(net.url), http())


def reply(uri: str = bsky.REPLY_URI, root: str = bsky.ROOT_URI) -> ReplyTarget:
    return ReplyTarget(
        kind="comment",
        external_id=uri,
        thread_id=root,
        author_id=bsky.TROLL_DID,
        extra={"root_uri": root},
    )


def gate(repo: bsky.Repository) -> dict[str, object]:
    return repo.records[("app.bsky.feed.threadgate", "3lq7xkz5abc2k")]["value"]


def test_bluesky_hides_a_reply_with_the_threadgate_of_the_root_post_anyone_may_still_reply(
    bluesky: BlueskyProvider, bsky_repo: bsky.Repository
) -> None:
    bluesky.moderate(HIDE, reply())
    record = gate(bsky_repo)
    assert record["$type"] == "app.bsky.feed.threadgate"
    assert record["post"] == bsky.ROOT_URI
    assert record["hiddenReplies"] == [bsky.REPLY_URI]
    assert "allow" not in record  # an empty allow list would stop every reply


def test_bluesky_keeps_the_gate_s_rules_and_other_hidden_replies_and_swaps_on_the_read_cid(
    net: FakeNetwork, bluesky: BlueskyProvider, bsky_repo: bsky.Repository
) -> None:
    other = "at://did:plc:other/app.bsky.feed.post/3lq7xm2zzzzzz"
    rules = [{"$type": "app.bsky.feed.threadgate#mentionRule"}]
    bsky_repo.records[("app.bsky.feed.threadgate", "3lq7xkz5abc2k")] = {
        "cid": "bafyreiold",
        "value": {
            "$type": "app.bsky.feed.threadgate",
            "post": bsky.ROOT_URI,
            "createdAt": "2026-11-01T10:00:00.000Z",
            "allow": rules,
            "hiddenReplies": [other],
        },
    }
    bluesky.moderate(HIDE, reply())
    put = net.requests_to("POST", r"/xrpc/com\.atproto\.repo\.putRecord")[-1].json()
    assert put["swapRecord"] == "bafyreiold"
    assert gate(bsky_repo)["allow"] == rules
    assert gate(bsky_repo)["hiddenReplies"] == [other, bsky.REPLY_URI]
    assert gate(bsky_repo)["createdAt"] == "2026-11-01T10:00:00.000Z"

    bluesky.moderate(UNHIDE, reply())
    assert gate(bsky_repo)["hiddenReplies"] == [other]
    assert gate(bsky_repo)["allow"] == rules


def test_bluesky_reads_the_gate_again_when_it_changed_in_between(
    net: FakeNetwork, bluesky: BlueskyProvider
) -> None:
    net.route(
        "POST",
        r"/xrpc/com\.atproto\.repo\.putRecord",
        Reply(400, {"error": "InvalidSwap", "message": "Record was at bafyreinew"}),
        times=1,
        first=True,
    )
    bluesky.moderate(HIDE, reply())
    reads = [
        r
        for r in net.requests_to("GET", r"/xrpc/com\.atproto\.repo\.getRecord")
        if "threadgate" in r.query
    ]
    assert len(reads) == 2


def test_bluesky_hides_nothing_under_someone_else_s_post(
    net: FakeNetwork, bluesky: BlueskyProvider
) -> None:
    foreign = "at://did:plc:someone/app.bsky.feed.post/3lq7xkz5zzzzz"
    with pytest.raises(Unsupported):
        bluesky.moderate(HIDE, reply(root=foreign))
    assert net.requests == []


def test_bluesky_blocks_the_author_with_a_block_record(
    bluesky: BlueskyProvider, bsky_repo: bsky.Repository
) -> None:
    bluesky.moderate(BLOCK, reply())
    [stored] = [
        stored for key, stored in bsky_repo.records.items() if key[0] == "app.bsky.graph.block"
    ]
    assert stored["value"]["$type"] == "app.bsky.graph.block"
    assert stored["value"]["subject"] == bsky.TROLL_DID
    assert stored["value"]["createdAt"].endswith("Z")


def test_bluesky_cannot_delete_someone_else_s_reply(bluesky: BlueskyProvider) -> None:
    with pytest.raises(Unsupported):
        bluesky.moderate(DELETE, reply())
