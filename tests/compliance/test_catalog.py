"""The rules catalog: the packaged rules and lexicons load, cover the research note, and give
each audience, kind and country its rules (a catalog written elsewhere, refused when broken:
test_catalog_loading.py). Pure Python, no database."""

from __future__ import annotations

import re

import pytest

from hygie.compliance.rules import default_catalog, fold, load_catalog
from hygie.compliance.rules.catalog import (
    AUDIENCES,
    INGREDIENT_LEXICON,
    KINDS,
    SEVERITIES,
    SIGNAL_LEXICONS,
    Catalog,
    phrase_pattern,
)

ISSUE_IDS = [
    *(f"FR-MED-{n:02d}" for n in range(1, 10)),
    *(f"FR-PHARMA-{n:02d}" for n in range(1, 14)),
    *(f"FR-DM-{n:02d}" for n in range(1, 5)),
    "EU-COSM-01",
    "EU-COSM-02",
    "EU-FOOD-01",
    "EU-FOOD-02",
    "EU-FOOD-03",
    "PV-08",
    "DATA-01",
    "US-OPDP-01",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


# -- the packaged catalog ------------------------------------------------------------------------


def test_the_packaged_catalog_loads_with_a_version_and_a_date(catalog: Catalog) -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", catalog.version)
    assert catalog.updated.year >= 2026
    assert len(catalog.rules) >= len(ISSUE_IDS)
    assert load_catalog().version == catalog.version


@pytest.mark.parametrize("rule_id", ISSUE_IDS)
def test_every_rule_the_issue_lists_is_present(catalog: Catalog, rule_id: str) -> None:
    assert catalog.rule(rule_id).title_en


def test_the_research_notes_own_ids_are_kept_and_fr_med_03_is_an_alias(catalog: Catalog) -> None:
    ids = [rule.id for rule in catalog.rules]
    assert "EU-MED-03" in ids and "FR-PHARMA-14" in ids
    assert catalog.rule("FR-MED-03").id == "EU-MED-03"
    assert len(ids) == len(set(ids))


def test_every_rule_speaks_french_and_english(catalog: Catalog) -> None:
    for rule in catalog.rules:
        for text in (rule.title_fr, rule.title_en, rule.explanation_fr, rule.explanation_en):
            assert len(text) > 20, rule.id
        assert rule.remediation_fr and rule.remediation_en, rule.id
        assert rule.explanation_fr != rule.explanation_en, rule.id


def test_every_rule_cites_a_source_with_a_url(catalog: Catalog) -> None:
    for rule in catalog.rules:
        assert rule.sources, rule.id
        for source in rule.sources:
            assert source.url.startswith(("http://", "https://")), rule.id
            assert source.instrument, rule.id
            assert source.verified or source.note, rule.id


def test_every_rule_has_a_valid_severity_kinds_and_audience(catalog: Catalog) -> None:
    for rule in catalog.rules:
        assert rule.severity in SEVERITIES, rule.id
        assert rule.kinds and set(rule.kinds) <= set(KINDS), rule.id
        assert rule.audience and set(rule.audience) <= set(AUDIENCES), rule.id
        assert rule.jurisdiction and set(rule.jurisdiction) <= {"FR", "EU", "US"}, rule.id
        assert rule.triggers, rule.id


def test_every_rule_has_a_violating_example(catalog: Catalog) -> None:
    for rule in catalog.rules:
        assert any(example.expect == "match" for example in rule.examples), rule.id
        for example in rule.examples:
            assert example.kind in rule.kinds, rule.id


def test_pre_recast_ethics_articles_are_unverified_and_explain_the_recast(
    catalog: Catalog,
) -> None:
    deontology = [
        (rule.id, source)
        for rule in catalog.rules
        for source in rule.sources
        if source.article and source.article.startswith("R.4235")
    ]
    assert {rule_id for rule_id, _ in deontology} >= {
        "FR-PHARMA-01",
        "FR-PHARMA-02",
        "FR-PHARMA-04",
        "FR-PHARMA-05",
        "FR-PHARMA-07",
        "FR-PHARMA-08",
        "FR-PHARMA-09",
    }
    for rule_id, source in deontology:
        assert source.verified is False, rule_id
        assert "2026" in source.note and "VERIFY" in source.note, rule_id


def test_the_mandatory_medicine_mentions_carry_their_french_text(catalog: Catalog) -> None:
    mentions = {m.id: m for t in catalog.rule("FR-MED-05").triggers for m in t.requires_mention}
    assert mentions["persist_consult"].text_fr == (
        "Si les symptômes persistent, consultez votre médecin."
    )
    assert mentions["leaflet_invitation"].must_fit is True
    assert mentions["name_and_inn"].severity == "block"
    assert mentions["proper_use"].check == "manual"
    assert (mentions["generic_statement"].text_fr or "").startswith("Cette spécialité est un")


def test_false_positive_guards_are_encoded_as_exceptions(catalog: Catalog) -> None:
    def masks(rule_id: str) -> set[str | None]:
        return {exemption.mask_lexicon for exemption in catalog.rule(rule_id).exceptions}

    assert "greetings" in masks("FR-MED-04")
    assert "exam_contests" in masks("FR-PHARMA-01")
    assert "public_health_offers" in masks("FR-PHARMA-03")
    assert "public_health_offers" in masks("FR-MED-08")
    shortage = {e.id: e for e in catalog.rule("FR-MED-01").exceptions}["stock_shortage_notice"]
    assert shortage.when is not None and shortage.downgrade_to == "needs_approval"


# -- lexicons --------------------------------------------------------------------------------------


def test_every_lexicon_a_rule_references_exists_and_every_lexicon_is_used(
    catalog: Catalog,
) -> None:
    used = {name for rule in catalog.rules for name in rule.lexicon_names()}
    # The lexicons only the checker itself reads (its computed signals, the ingredients that
    # are no medicines) are declared apart.
    assert used | SIGNAL_LEXICONS | {INGREDIENT_LEXICON} == set(catalog.lexicons)
    assert set(catalog.lexicons) >= SIGNAL_LEXICONS


def test_lexicon_regexes_compile_and_match_folded_text(catalog: Catalog) -> None:
    regexes = [entry for lexicon in catalog.lexicons.values() for entry in lexicon.entries]
    assert any(entry.is_regex for entry in regexes)
    for entry in regexes:
        recompiled = re.compile(entry.pattern.pattern, entry.pattern.flags)
        assert recompiled.pattern == entry.pattern.pattern, entry.value
        assert entry.pattern.search("") is None, entry.value


def test_the_issues_vocabularies_exist_in_french_and_english(catalog: Catalog) -> None:
    for name in (
        "benefit_claims",
        "calls_to_action",
        "contest_words",
        "superlatives",
        "patient_confirmation",
        "ae_cues",
        "cure_claims",
        "cosmetic_claims",
    ):
        langs = {entry.lang for entry in catalog.lexicon(name)}
        assert {"fr", "en"} <= langs, name
    assert "us_targeting_cues" in catalog.lexicons
    assert "price_discount" in catalog.lexicons


def test_the_patient_confirmation_lexicon_finds_the_notes_phrases(catalog: Catalog) -> None:
    def found(text: str) -> bool:
        return any(e.pattern.search(fold(text)) for e in catalog.lexicon("patient_confirmation"))

    assert found("Nous avons refusé car votre ordonnance de Tramadol était périmée.")
    assert found("Désolés pour l'attente lors de votre passage.")
    assert not found("Merci pour votre retour, contactez-nous à l'officine.")


def test_an_unknown_lexicon_is_a_key_error(catalog: Catalog) -> None:
    with pytest.raises(KeyError, match="no_such_words"):
        catalog.lexicon("no_such_words")


def test_phrases_match_whole_words_whatever_the_accents_case_and_hyphens() -> None:
    pattern = phrase_pattern("jeu-concours")
    assert pattern.search(fold("🎉 JEU CONCOURS ce week-end"))
    assert pattern.search(fold("Grand jeu‑concours"))
    assert not pattern.search(fold("enjeu concoursable"))
    assert phrase_pattern("Pénurie").search(fold("PENURIE de vaccins"))
    assert phrase_pattern("100 % naturel").search(fold("100%\u00a0naturel"))
    assert phrase_pattern("l'ANSM").search(fold("approuvé par l’ANSM"))


def test_folding_removes_accents_case_ligatures_and_typographic_marks() -> None:
    assert fold("Pénurie – l’ŒUF") == "penurie - l'oeuf"
    assert fold("‼️").startswith("!!")


# -- audience, kind and country ----------------------------------------------------------------


def test_a_pharmacy_post_does_not_get_the_us_fair_balance_rule(catalog: Catalog) -> None:
    for country in ("FR", "US", ["FR", "US"]):
        ids = {rule.id for rule in catalog.rules_for("pharmacy", "post", country)}
        assert "US-OPDP-01" not in ids


def test_a_company_post_targeting_the_us_gets_the_us_rule_and_no_french_one(
    catalog: Catalog,
) -> None:
    us_only = {rule.id for rule in catalog.rules_for("company", "post", "US")}
    assert us_only == {"US-OPDP-01"}
    both = {rule.id for rule in catalog.rules_for("company", "post", ["fr", "US"])}
    assert {"US-OPDP-01", "FR-MED-01", "EU-MED-03"} <= both
    assert "US-OPDP-01" not in {rule.id for rule in catalog.rules_for("company", "post")}


def test_a_review_reply_gets_the_patient_confirmation_rule(catalog: Catalog) -> None:
    ids = {rule.id for rule in catalog.rules_for("pharmacy", "review_reply")}
    assert {"FR-PHARMA-07", "PV-08", "DATA-01", "FR-MED-09"} <= ids
    assert "FR-PHARMA-01" not in ids


def test_rules_for_filters_by_audience_and_kind(catalog: Catalog) -> None:
    pharmacy_posts = {rule.id for rule in catalog.rules_for("pharmacy", "post")}
    company_posts = {rule.id for rule in catalog.rules_for("company", "post")}
    assert "FR-PHARMA-01" in pharmacy_posts and "FR-PHARMA-01" not in company_posts
    assert "FR-DM-04" in company_posts and "FR-DM-04" not in pharmacy_posts
    assert "FR-MED-09" not in pharmacy_posts
    assert "PV-08" not in pharmacy_posts


def test_another_member_state_gets_eu_rules_but_not_french_ones(catalog: Catalog) -> None:
    ids = {rule.id for rule in catalog.rules_for("company", "post", "DE")}
    assert "EU-COSM-01" in ids and "FR-MED-01" in ids
    assert "FR-MED-02" not in ids and "FR-DM-01" not in ids


def test_rules_for_refuses_an_unknown_audience_or_kind(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="audience"):
        catalog.rules_for("hospital", "post")
    with pytest.raises(ValueError, match="kind"):
        catalog.rules_for("pharmacy", "story")
