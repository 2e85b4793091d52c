"""Post length as each network counts it, and Bluesky rich-text facets (pure, no database)."""

from __future__ import annotations

import pytest

from hygie.providers.text import (
    LengthRule,
    bluesky_facets,
    find_urls,
    fits,
    graphemes,
    mastodon_length,
    measure,
    utf8_len,
    x_weighted_length,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽
FRENCH_FLAG = "\U0001f1eb\U0001f1f7"  # 🇫🇷
KEYCAP_ONE = "1\ufe0f\u20e3"  # 1️⃣
RESOLVER = {"alice.bsky.social": "did:plc:alice123"}.get


# graphemes / utf8_len


def test_graphemes_of_the_empty_string_is_zero() -> None:
    assert graphemes("") == 0
    assert utf8_len("") == 0


def test_graphemes_counts_e_with_a_combining_acute_accent_as_one() -> None:
    assert graphemes("e\u0301") == 1
    assert graphemes("Cafe\u0301") == 4


def test_graphemes_counts_a_zwj_family_a_flag_and_a_keycap_as_one_each() -> None:
    assert graphemes(FAMILY) == 1
    assert graphemes(FRENCH_FLAG) == 1
    assert graphemes(KEYCAP_ONE) == 1
    assert graphemes(THUMBS_UP_MEDIUM) == 1


def test_utf8_len_counts_bytes_not_characters() -> None:
    assert utf8_len("été") == 5
    assert utf8_len("東京") == 6
    assert utf8_len(FAMILY) == 25


# find_urls


def test_find_urls_returns_code_point_spans_of_http_and_https_urls() -> None:
    text = "Voir http://a.example/x et https://b.example."
    assert find_urls(text) == [
        (5, 23, "http://a.example/x"),
        (27, 44, "https://b.example"),
    ]


def test_find_urls_keeps_accented_characters_in_the_path() -> None:
    text = "Lisez https://example.com/été, merci"
    assert find_urls(text) == [(6, 29, "https://example.com/été")]


def test_find_urls_strips_trailing_sentence_punctuation() -> None:
    for tail in [".", ",", ";", ":", "!", "?", "...", "!?", "'", '"']:
        assert find_urls(f"https://example.com/a{tail}") == [(0, 21, "https://example.com/a")], tail


def test_find_urls_keeps_balanced_parentheses_and_drops_the_enclosing_one() -> None:
    text = "(voir https://fr.wikipedia.org/wiki/Paris_(France)). Fin"
    [(start, end, url)] = find_urls(text)
    assert url == "https://fr.wikipedia.org/wiki/Paris_(France)"
    assert text[start:end] == url
    assert find_urls("(https://example.com/a)")[0][2] == "https://example.com/a"


def test_find_urls_stops_at_french_guillemets() -> None:
    assert [u for _s, _e, u in find_urls("«https://example.com/page»")] == [
        "https://example.com/page"
    ]
    assert [u for _s, _e, u in find_urls("« https://example.com/page\u202f»")] == [
        "https://example.com/page"
    ]


def test_find_urls_ignores_bare_domains_and_an_empty_host() -> None:
    assert find_urls("example.com/path") == []
    assert find_urls("https:// rien") == []
    assert find_urls("") == []


# X


def test_x_gives_the_digest_vector_36() -> None:
    assert x_weighted_length("Café 東京 👍🏽 https://example.com/a/very/long/path") == 36


def test_x_counts_280_ascii_characters_as_280() -> None:
    assert x_weighted_length("a" * 280) == 280


def test_x_counts_140_cjk_characters_as_280() -> None:
    assert x_weighted_length("東" * 140) == 280


def test_x_counts_a_url_as_23_characters_whatever_its_length() -> None:
    assert x_weighted_length("https://a.co") == 23
    assert x_weighted_length("https://example.com/" + "x" * 200) == 23
    assert x_weighted_length("https://a.co https://b.co.") == 23 + 1 + 23 + 1


def test_x_counts_a_zwj_family_emoji_as_2() -> None:
    assert x_weighted_length(FAMILY) == 2


def test_x_counts_flags_keycaps_and_skin_tones_as_2_each() -> None:
    assert x_weighted_length(FRENCH_FLAG) == 2
    assert x_weighted_length(KEYCAP_ONE) == 2
    assert x_weighted_length(THUMBS_UP_MEDIUM) == 2
    assert x_weighted_length("\u2764\ufe0f") == 2  # ❤️


def test_x_normalises_a_combining_accent_to_one_light_character() -> None:
    assert x_weighted_length("Cafe\u0301") == 4


def test_x_counts_typographic_punctuation_in_the_light_ranges_as_1() -> None:
    # ’ U+2019, “ ” U+201C/U+201D, – U+2013 and … U+2026 (outside the ranges, weighs 2).
    assert x_weighted_length("l’été “ok” –") == 12
    assert x_weighted_length("…") == 2


def test_x_counts_french_guillemets_and_apostrophes_as_1() -> None:
    text = "« L'hiver arrive » : vaccinez-vous !"
    assert x_weighted_length(text) == len(text)


def test_x_counts_the_empty_string_as_zero() -> None:
    assert x_weighted_length("") == 0


# Mastodon


def test_mastodon_counts_graphemes_and_urls_as_23() -> None:
    assert mastodon_length("Café " + FAMILY) == 6
    assert mastodon_length("Voir https://example.com/" + "x" * 100) == 5 + 23


def test_mastodon_url_length_can_follow_the_instance_configuration() -> None:
    assert mastodon_length("https://example.com/abc", url_length=30) == 30


def test_mastodon_counts_a_remote_mention_as_the_local_part() -> None:
    assert mastodon_length("@alice@mastodon.social bonjour") == len("@alice bonjour")
    assert mastodon_length("@bob salut") == len("@bob salut")


def test_mastodon_leaves_mentions_inside_urls_to_the_url_count() -> None:
    assert mastodon_length("https://mastodon.social/@alice@example.org") == 23


# Bluesky facets


def test_bluesky_facets_match_the_digest_vector() -> None:
    text = "Bonjour @alice.bsky.social ! Lisez https://example.com/été #Santé ✨"
    assert bluesky_facets(text, RESOLVER) == [
        {
            "index": {"byteStart": 8, "byteEnd": 26},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice123"}],
        },
        {
            "index": {"byteStart": 35, "byteEnd": 60},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/été"}
            ],
        },
        {
            "index": {"byteStart": 61, "byteEnd": 68},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Santé"}],
        },
    ]
    encoded = text.encode()
    assert encoded[8:26] == b"@alice.bsky.social"
    assert encoded[35:60].decode() == "https://example.com/été"
    assert encoded[61:68].decode() == "#Santé"


def test_bluesky_skips_a_mention_the_resolver_does_not_know() -> None:
    assert bluesky_facets("Salut @inconnu.example.com", RESOLVER) == []


def test_bluesky_skips_mentions_without_a_resolver() -> None:
    assert bluesky_facets("Salut @alice.bsky.social") == []


def test_bluesky_resolves_each_handle_once_in_lower_case_and_ignores_trailing_dots() -> None:
    asked: list[str] = []

    def resolver(handle: str) -> str | None:
        asked.append(handle)
        return RESOLVER(handle)

    facets = bluesky_facets("@Alice.Bsky.Social et @alice.bsky.social.", resolver)
    assert asked == ["alice.bsky.social"]
    assert [f["index"] for f in facets] == [
        {"byteStart": 0, "byteEnd": 18},
        {"byteStart": 22, "byteEnd": 40},
    ]


def test_bluesky_does_not_mention_an_email_address() -> None:
    assert bluesky_facets("contact@alice.bsky.social", RESOLVER) == []


def test_bluesky_tag_stops_at_punctuation() -> None:
    facets = bluesky_facets("#Santé, #prévention! (#ignoré) fin.#non")
    assert [f["features"][0]["tag"] for f in facets] == ["Santé", "prévention"]
    assert facets[1]["index"] == {"byteStart": 9, "byteEnd": 21}


def test_bluesky_hash_inside_a_url_is_not_a_tag() -> None:
    text = "https://example.com/page#section et https://example.com/#/route"
    features = [f["features"][0] for f in bluesky_facets(text)]
    assert [feature["$type"] for feature in features] == ["app.bsky.richtext.facet#link"] * 2


def test_bluesky_purely_numeric_hashtags_are_not_tags() -> None:
    assert bluesky_facets("#123 #2025") == []
    assert [f["features"][0]["tag"] for f in bluesky_facets("#1er #top_10")] == ["1er", "top_10"]


def test_bluesky_tag_longer_than_64_graphemes_is_skipped() -> None:
    assert bluesky_facets("#" + "é" * 65) == []
    assert bluesky_facets("#" + "é" * 64)[0]["index"] == {"byteStart": 0, "byteEnd": 129}


def test_bluesky_facets_of_the_empty_string_are_empty() -> None:
    assert bluesky_facets("", RESOLVER) == []


def test_bluesky_link_after_an_emoji_has_byte_offsets() -> None:
    [facet] = bluesky_facets(FAMILY + " https://a.example")
    assert facet["index"] == {"byteStart": 26, "byteEnd": 43}


# LengthRule, measure, fits

BLUESKY = LengthRule(300, "graphemes", max_bytes=3000)


def test_measure_uses_the_rule_counter() -> None:
    text = "Café 東京 👍🏽 https://example.com/a/very/long/path"
    assert measure(text, LengthRule(280, "x_weighted")) == 36
    assert measure(text, LengthRule(300, "graphemes")) == graphemes(text)
    assert measure(text, LengthRule(500, "mastodon")) == 10 + 23
    assert measure("e\u0301", LengthRule(10, "characters")) == 2


def test_fits_accepts_exactly_the_limit_and_refuses_one_more() -> None:
    rule = LengthRule(280, "x_weighted")
    assert fits("a" * 280, rule)
    assert not fits("a" * 281, rule)
    assert fits("", rule)


def test_fits_also_checks_the_byte_limit() -> None:
    # 300 family emoji are 300 graphemes but 7500 bytes: too big for Bluesky.
    assert graphemes(FAMILY * 300) == 300
    assert not fits(FAMILY * 300, BLUESKY)
    assert fits("é" * 300, BLUESKY)
    assert not fits("é" * 301, BLUESKY)


def test_measure_refuses_an_unknown_counter() -> None:
    with pytest.raises(ValueError, match="Unknown length counter"):
        measure("x", LengthRule(1, "words"))  # type: ignore[arg-type]
