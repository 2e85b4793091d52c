"""Loading a catalog written elsewhere: a broken catalog is refused with a message naming the rule
and the field, every problem at once; lexicon groups stand for their lexicons, and a mistake
in a group is reported once. Pure Python, no database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hygie.compliance import rules as hygie_rules
from hygie.compliance.rules import CatalogError, default_catalog, load_catalog

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


def test_a_group_with_an_unknown_member_is_reported_once(tmp_path: Path) -> None:
    """The group is still a group: the triggers that use it do not call it an unknown lexicon."""
    triggers = [
        {"any_lexicon": ["offers"]},
        {"any_lexicon": ["contest_words"], "no_lexicon": ["offers"]},
    ]
    path = _write_grouped(tmp_path, {"offers": ["gift_words", "price_words", "coupons"]}, triggers)
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    problems = refused.value.problems
    assert len(problems) == 1, problems
    assert problems[0].endswith(
        "lexicon_groups.offers: unknown lexicon 'coupons' (groups hold lexicons only)"
    )


def test_an_unused_group_and_a_lexicon_listed_twice_through_a_group_are_refused(
    tmp_path: Path,
) -> None:
    groups = {"offers": ["gift_words", "price_words"], "spare": ["gift_words"]}
    triggers = [{"any_lexicon": ["contest_words"], "no_lexicon": ["offers", "gift_words"]}]
    message = _refusal(_write_grouped(tmp_path, groups, triggers))
    assert "lexicon_groups.spare: no rule uses this group" in message
    assert "lexicon 'gift_words' is listed twice" in message
