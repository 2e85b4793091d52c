"""The rules catalog: the packaged rules and lexicons load, cover the research note, and a broken
catalog is refused with a message naming the rule and the field. Pure Python, no database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hygie.compliance import rules as hygie_rules
from hygie.compliance.rules import CatalogError, default_catalog, fold, load_catalog
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


# -- a broken catalog is refused -------------------------------------------------------------------


def _rule(**changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": "TEST-01",
        "section": "B",
        "title_fr": "Pas de jeu-concours",
        "title_en": "No contests",
        "jurisdiction": ["FR"],
        "audience": "pharmacy",
        "kinds": ["post"],
        "severity": "block",
        "source": [
            {
                "instrument": "Code de la santé publique",
                "article": "R.4235-22",
                "version_date": "2004-08-10",
                "url": "https://www.legifrance.gouv.fr/",
                "verified": False,
                "note": "Pre-recast number [VERIFY].",
            }
        ],
        "explanation_fr": "Les jeux-concours sont interdits.",
        "explanation_en": "Contests are forbidden.",
        "remediation_fr": "Retirez le jeu.",
        "remediation_en": "Remove the contest.",
        "triggers": [{"any_lexicon": ["contest_words"]}],
        "examples": [{"text": "Grand jeu-concours !", "expect": "match"}],
    }
    rule.update(changes)
    return {key: value for key, value in rule.items() if value is not None}


def _write(
    tmp_path: Path, rules: list[dict[str, Any]], lexicon: str = "fr:\n  - jeu concours\n"
) -> Path:
    (tmp_path / "lexicons").mkdir(exist_ok=True)
    (tmp_path / "lexicons" / "contest_words.yaml").write_text(
        "description: Contests.\n" + lexicon, encoding="utf-8"
    )
    document = {"version": "2026.11.1", "updated": "2026-11-22", "rules": rules}
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    return str(refused.value)


def test_a_minimal_catalog_written_elsewhere_loads(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path, [_rule()]))
    assert [rule.id for rule in catalog.rules] == ["TEST-01"]
    assert catalog.rule("TEST-01").audience == ("pharmacy",)
    assert catalog.lexicon("contest_words")[0].value == "jeu concours"


def test_a_rule_with_an_unknown_severity_is_refused(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, [_rule(severity="critical")]))
    assert "rule TEST-01" in message and "'severity'" in message and "critical" in message


def test_a_rule_without_a_french_remediation_is_refused(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, [_rule(remediation_fr=None)]))
    assert "rule TEST-01" in message and "'remediation_fr' is missing" in message


def test_a_duplicate_rule_id_is_refused(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, [_rule(), _rule()]))
    assert "rule TEST-01" in message and "used twice" in message


def test_a_trigger_referencing_an_unknown_lexicon_is_refused(tmp_path: Path) -> None:
    triggers = [{"any_lexicon": ["contest_words"]}, {"any_lexicon": ["giveaway_words"]}]
    message = _refusal(_write(tmp_path, [_rule(triggers=triggers)]))
    assert "rule TEST-01: triggers[1]" in message and "unknown lexicon 'giveaway_words'" in message


def test_an_invalid_regex_is_refused_with_the_lexicon_named(tmp_path: Path) -> None:
    lexicon = "fr:\n  - regex: 'jeu (concours'\n"
    message = _refusal(_write(tmp_path, [_rule()], lexicon=lexicon))
    assert "lexicons/contest_words.yaml" in message and "invalid regex" in message


def test_a_regex_written_with_accents_is_refused(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, [_rule()], lexicon="fr:\n  - regex: 'tirage\\s+réel'\n"))
    assert "accented letters" in message


def test_an_unquoted_yaml_boolean_in_a_lexicon_is_refused(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, [_rule()], lexicon="en:\n  - no\n"))
    assert "quote it" in message


def test_an_example_without_expect_is_refused(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, [_rule(examples=[{"text": "Grand jeu-concours !"}])]))
    assert "rule TEST-01: examples[0]" in message and "'expect' is missing" in message


def test_an_inline_pattern_that_does_not_compile_is_refused(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, [_rule(triggers=[{"pattern": "(?P<"}])]))
    assert "rule TEST-01: triggers[0].pattern" in message and "invalid regex" in message


def test_unknown_fields_kinds_and_context_keys_are_refused(tmp_path: Path) -> None:
    rule = _rule(
        kinds=["story"],
        triggers=[{"any_lexicon": ["contest_words"], "context": {"mood": "happy"}}],
        remedy_fr="typo",
    )
    message = _refusal(_write(tmp_path, [rule]))
    assert "unknown value 'story'" in message
    assert "unknown field 'mood'" in message
    assert "unknown field 'remedy_fr'" in message


def test_a_trigger_stronger_than_its_rule_is_refused(tmp_path: Path) -> None:
    rule = _rule(
        severity="warn", triggers=[{"any_lexicon": ["contest_words"], "severity": "block"}]
    )
    message = _refusal(_write(tmp_path, [rule]))
    assert "rule TEST-01: triggers[0]" in message and "stronger than the rule" in message


def test_an_unused_lexicon_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, [_rule()])
    (tmp_path / "lexicons" / "orphans.yaml").write_text("description: x\nfr: [mot]\n", "utf-8")
    assert "lexicons/orphans.yaml: no rule uses this lexicon" in _refusal(path)


def test_a_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, [_rule()])
    text = path.read_text(encoding="utf-8").replace(
        "severity: block", "severity: block\n  severity: warn", 1
    )
    path.write_text(text, encoding="utf-8")
    assert "duplicate key 'severity'" in _refusal(path)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    rules = [_rule(severity="critical"), _rule(id="TEST-02", kinds=["story"])]
    with pytest.raises(CatalogError) as refused:
        load_catalog(_write(tmp_path, rules))
    assert len(refused.value.problems) == 2
    assert "rule TEST-02" in refused.value.problems[1]


# -- lexicon groups --------------------------------------------------------------------------------


def _write_grouped(tmp_path: Path, groups: Any, triggers: list[dict[str, Any]]) -> Path:
    """A catalog with three lexicons (contest_words, gift_words, price_words), ``groups`` as
    its ``lexicon_groups`` and one rule with ``triggers``."""
    path = _write(tmp_path, [_rule(triggers=triggers)])
    for name, word in (("gift_words", "cadeau"), ("price_words", "prix cassé")):
        (tmp_path / "lexicons" / f"{name}.yaml").write_text(
            f"description: {name}.\nfr:\n  - {word}\n", encoding="utf-8"
        )
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document = {
        "version": document["version"],
        "updated": document["updated"],
        "lexicon_groups": groups,
        "rules": document["rules"],
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_a_lexicon_group_stands_for_its_lexicons_in_any_and_no_lexicon(tmp_path: Path) -> None:
    triggers = [
        {"any_lexicon": ["contest_words"], "no_lexicon": ["offers"]},
        {"any_lexicon": ["offers"]},
    ]
    catalog = load_catalog(
        _write_grouped(tmp_path, {"offers": ["gift_words", "price_words"]}, triggers)
    )
    first, second = catalog.rule("TEST-01").triggers
    assert first.no_lexicon == ("gift_words", "price_words")
    assert second.any_lexicon == ("gift_words", "price_words")


def test_every_exception_clearing_a_medicine_excludes_every_promotion_cue() -> None:
    """The group is written once: each exception that lists it excludes all its lexicons
    (before the group, six of them lacked the scarcity cues added to the others)."""
    document = yaml.safe_load(
        (Path(hygie_rules.__file__).parent / "catalog.yaml").read_text(encoding="utf-8")
    )
    group = set(document["lexicon_groups"]["promotion_cues"])
    assert {"benefit_claims", "price_discount", "gift_words", "scarcity_cues"} <= group
    catalog = default_catalog()
    clearing = [
        exemption.when.no_lexicon
        for rule_id in ("FR-MED-01", "FR-MED-02", "FR-MED-05", "FR-DM-01", "FR-DM-04")
        for exemption in catalog.rule(rule_id).exceptions
        if exemption.id in ("job_offer", "safety_advice", "off_label_refusal")
        and exemption.when is not None
    ]
    assert len(clearing) == 9
    for names in clearing:
        assert group <= set(names)


def test_a_group_that_is_not_a_list_of_names_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = _write_grouped(tmp_path, {"offers": [["gift_words"]]}, [{"any_lexicon": ["offers"]}])
    message = _refusal(path)
    assert "lexicon_groups.offers: must be a non-empty list of lexicon names" in message


def test_a_group_in_all_lexicons_is_refused(tmp_path: Path) -> None:
    path = _write_grouped(
        tmp_path, {"offers": ["gift_words", "price_words"]}, [{"all_lexicons": ["offers"]}]
    )
    assert "a lexicon group ('offers') means any of its lexicons" in _refusal(path)


def test_a_group_of_an_unknown_lexicon_or_named_like_a_lexicon_is_refused(
    tmp_path: Path,
) -> None:
    groups = {"offers": ["gift_words", "coupons"], "gift_words": ["price_words"]}
    message = _refusal(_write_grouped(tmp_path, groups, [{"any_lexicon": ["contest_words"]}]))
    assert "lexicon_groups.offers: unknown lexicon 'coupons'" in message
    assert "lexicon_groups.gift_words: a group cannot have the name of a lexicon" in message


def test_an_unused_group_and_a_lexicon_listed_twice_through_a_group_are_refused(
    tmp_path: Path,
) -> None:
    groups = {"offers": ["gift_words", "price_words"], "spare": ["gift_words"]}
    triggers = [{"any_lexicon": ["contest_words"], "no_lexicon": ["offers", "gift_words"]}]
    message = _refusal(_write_grouped(tmp_path, groups, triggers))
    assert "lexicon_groups.spare: no rule uses this group" in message
    assert "lexicon 'gift_words' is listed twice" in message
