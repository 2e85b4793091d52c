"""The learned second opinion: it speaks only when no rule blocks, cites a rule that can block
the draft in its context (and is likelier than usual), points at the sentence that weighs most,
says it is the model, and the shipped model was trained on the catalog in force. Pure Python, no
database."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from hygie.compliance.checker import CheckContext, Checker, Finding, ProductInfo
from hygie.compliance.checker.learned import (
    FEATURES_VERSION,
    Evidence,
    RiskModel,
    default_model,
    features,
    situated_features,
    situations,
)
from hygie.compliance.rules import default_catalog
from hygie.nlp.model import LinearModel

CATALOG = default_catalog()


def toy_model(threshold: float = 0.5) -> RiskModel:
    """Refuses a draft with the word "miraculeux" (and little else), cites FR-MED-04 for
    pharmacy posts when it can, else any other rule it knows."""
    block = LinearModel({"w:miraculeux": 6.0, "b:effet miraculeux": 1.0}, bias=-4.0)
    rules = {
        "FR-MED-04": LinearModel({"s:mirac": 3.0}, bias=-1.0),
        "FR-PHARMA-01": LinearModel({}, bias=-2.0),
    }
    return RiskModel(
        version="test", threshold=threshold, block=block, rules=rules, catalog_version="any"
    )


def citing(rule: str, threshold: float = 0.5) -> RiskModel:
    """The toy model, citing ``rule`` whenever it may."""
    model = toy_model(threshold)
    model.rules = {rule: LinearModel({}, bias=3.0)}
    return model


def by_rule(
    lexicon: object, model: RiskModel, text: str, context: CheckContext
) -> tuple[dict[str, Finding], dict[str, Finding]]:
    """The findings of the rules alone and with ``model``, by rule."""
    rules_only = Checker(lexicon=lexicon, learned=False)  # type: ignore[arg-type]
    checker = Checker(lexicon=lexicon, model=model)  # type: ignore[arg-type]
    return (
        {f.rule: f for f in rules_only.check(text, context).findings},
        {f.rule: f for f in checker.check(text, context).findings},
    )


@pytest.fixture(scope="module")
def lexicon():  # type: ignore[no-untyped-def]
    return Checker(learned=False).lexicon


def test_the_fast_score_equals_the_model_applied_to_the_features() -> None:
    model = default_model()
    assert model is not None
    serum = ProductInfo(name="Lysaé", category="cosmetic")
    texts = [
        ("Le Doliprane, le meilleur contre la fièvre ! Venez vite 😍", "post", None),
        ("Merci pour votre avis, à bientôt pour votre Levothyrox", "review_reply", "★★★★★ top"),
        ("Our serum makes acne disappear in 10 days", "post", None),
        # Situated words: under an adverse-event comment, in a reply, beside a cosmetic.
        (
            "Ça arrive souvent les premiers jours, continuez, le corps s'habitue 💪",
            "reply",
            "Depuis que je prends ce traitement j'ai des vertiges et des nausées",
        ),
        ("Lysaé et adieu les poussées d'eczéma, fini les crises !", "post", None),
    ]
    checker = Checker(products=[serum], learned=False)
    for text, kind, parent in texts:
        evidence = checker.evidence(text, CheckContext(kind=kind, parent_text=parent))
        assert model.block_score(evidence) == pytest.approx(
            model.block.score(features(evidence)), abs=1e-12
        )


def test_the_words_of_a_reply_under_an_adverse_event_are_also_read_in_that_situation() -> None:
    checker = Checker(products=[ProductInfo(name="Lysaé", category="cosmetic")], learned=False)
    reply = checker.evidence(
        "Ça arrive souvent au début, continuez",
        CheckContext(
            kind="reply", parent_text="J'ai eu des vertiges après la 2e dose de ce médicament"
        ),
    )
    assert situations(reply) == ["ae", "reply"]
    assert {"x:ae:arriv", "x:reply:arriv", "x:ae:debut"} <= situated_features(reply)
    post = checker.evidence("Lysaé apaise les rougeurs", CheckContext(kind="post"))
    assert situations(post) == ["cosmetic"]
    assert "x:cosmetic:rouge" in features(post)
    plain = checker.evidence("Bonne semaine à tous", CheckContext(kind="post"))
    assert situations(plain) == [] and situated_features(plain) == set()


def test_a_draft_no_rule_blocks_is_blocked_when_the_model_is_sure_and_the_finding_says_so(
    lexicon: object,
) -> None:
    checker = Checker(lexicon=lexicon, model=toy_model())  # type: ignore[arg-type]
    text = "Bonjour à tous. Cette crème a un effet miraculeux sur la peau. Bonne journée !"
    result = checker.check(text, CheckContext(audience="pharmacy", kind="post"))
    model_findings = [f for f in result.findings if f.source == "model"]
    assert result.max_severity == "block"
    assert [f.rule for f in model_findings] == ["FR-MED-04"]
    finding = model_findings[0]
    assert text[finding.start : finding.end] == "Cette crème a un effet miraculeux sur la peau."
    assert finding.score is not None and finding.score > 0.5
    assert finding.citations  # the rule's own legal sources
    line = finding.as_json()
    assert line["detected_by"] == "model" and line["model_score"] == finding.score


def test_the_model_is_not_consulted_when_a_rule_already_blocks(lexicon: object) -> None:
    checker = Checker(lexicon=lexicon, model=toy_model(threshold=0.0))  # type: ignore[arg-type]
    text = "Grand concours : gagnez un coffret miraculeux, tirage au sort samedi !"
    result = checker.check(text, CheckContext(audience="pharmacy", kind="post"))
    assert result.max_severity == "block"
    assert all(f.source == "rules" for f in result.findings)


def test_below_its_threshold_the_model_adds_nothing(lexicon: object) -> None:
    checker = Checker(lexicon=lexicon, model=toy_model())  # type: ignore[arg-type]
    rules_only = Checker(lexicon=lexicon, learned=False)  # type: ignore[arg-type]
    text = "Pensez à bien vous hydrater pendant la canicule, et protégez les plus fragiles."
    context = CheckContext(audience="pharmacy", kind="post")
    assert checker.check(text, context) == rules_only.check(text, context)


def test_the_model_only_cites_a_rule_that_can_block_this_draft(lexicon: object) -> None:
    # A company reply: FR-MED-04 applies to companies too, FR-PHARMA-01 does not.
    checker = Checker(lexicon=lexicon, model=toy_model())  # type: ignore[arg-type]
    result = checker.check(
        "Un effet miraculeux, vraiment.", CheckContext(audience="company", kind="reply")
    )
    rules = {f.rule for f in result.findings if f.source == "model"}
    applicable = {rule.id for rule in CATALOG.rules_for("company", "reply", ("FR",))}
    assert rules and rules <= applicable


def test_a_warning_of_a_rule_the_model_cites_keeps_its_spans_and_becomes_a_block(
    lexicon: object,
) -> None:
    text = "Bonjour Julie, n'hésitez pas à en parler à votre médecin, un effet miraculeux"
    context = CheckContext(
        audience="company",
        kind="reply",
        parent_text="J'ai eu des vertiges après ma première injection de Tremfya",
    )
    before, after = by_rule(lexicon, citing("PV-08"), text, context)
    assert before["PV-08"].severity == "warn"
    assert after["PV-08"].severity == "block" and after["PV-08"].source == "model"
    assert after["PV-08"].spans == before["PV-08"].spans


def test_a_draft_the_rules_send_to_review_is_blocked_when_the_model_is_sure_of_that_rule(
    lexicon: object,
) -> None:
    # Review would let a refusable draft out with a reviewer's signature; the model raises the
    # reviewed rule's own finding to a block, with its spans.
    text = "PRIX CASSÉS !!! -50 % sur toute la parapharmacie, un effet miraculeux"
    context = CheckContext(audience="pharmacy", kind="post")
    before, after = by_rule(lexicon, citing("FR-PHARMA-02"), text, context)
    assert before["FR-PHARMA-02"].severity == "needs_approval"
    assert after["FR-PHARMA-02"].severity == "block"
    assert after["FR-PHARMA-02"].source == "model"
    assert after["FR-PHARMA-02"].spans == before["FR-PHARMA-02"].spans


def test_a_draft_the_rules_send_to_review_keeps_the_catalogs_decision_when_the_model_is_unsure(
    lexicon: object,
) -> None:
    checker = Checker(lexicon=lexicon, model=citing("FR-PHARMA-02"))  # type: ignore[arg-type]
    text = "PRIX CASSÉS !!! -50 % sur toute la parapharmacie"
    result = checker.check(text, CheckContext(audience="pharmacy", kind="post"))
    assert result.max_severity == "needs_approval"
    assert all(f.source == "rules" for f in result.findings)


def test_the_model_cites_a_rule_only_when_it_is_likelier_than_its_share_of_training_texts(
    lexicon: object,
) -> None:
    model = toy_model()
    model.block = LinearModel({"w:miraculeux": 5.0}, bias=-3.0)  # 88 % sure: not very sure
    model.rules = {"FR-MED-04": LinearModel({}, bias=-3.0)}  # 4.7 % likely
    text = "Bonjour à tous. Cette crème a un effet miraculeux sur la peau."
    context = CheckContext(audience="pharmacy", kind="post")
    model.priors = {"FR-MED-04": 0.03}
    assert Checker(lexicon=lexicon, model=model).check(text, context).max_severity == "block"  # type: ignore[arg-type]
    model.priors = {"FR-MED-04": 0.08}
    result = Checker(lexicon=lexicon, model=model).check(text, context)  # type: ignore[arg-type]
    assert all(f.source == "rules" for f in result.findings)


def test_words_alone_make_a_block_only_when_the_model_is_very_sure(lexicon: object) -> None:
    # Nothing the rules recognise (no lexicon, product or finding): the model stays silent
    # unless it is very sure.
    model = toy_model(threshold=0.0)
    model.block = LinearModel({"w:dimanche": 2.0}, bias=0.0)  # 88 % likely
    checker = Checker(lexicon=lexicon, model=model)  # type: ignore[arg-type]
    context = CheckContext(audience="pharmacy", kind="reply")
    assert checker.check("Bon dimanche !", context).findings == ()
    model.block = LinearModel({"w:dimanche": 2.5}, bias=0.0)  # 92 % likely
    checker = Checker(lexicon=lexicon, model=model)  # type: ignore[arg-type]
    [finding] = checker.check("Bon dimanche !", context).findings
    assert finding.source == "model" and finding.severity == "block"


def test_a_very_sure_model_cites_a_rule_a_tenth_as_likely_as_usual(lexicon: object) -> None:
    model = toy_model()
    model.block = LinearModel({"w:miraculeux": 5.0}, bias=-3.0)
    model.rules = {"FR-MED-04": LinearModel({}, bias=-5.0)}  # 0.67 % likely
    model.priors = {"FR-MED-04": 0.05}
    text = "Bonjour à tous. Cette crème a un effet miraculeux sur la peau."
    context = CheckContext(audience="pharmacy", kind="post")
    # 88 % sure that it would be refused: the rule must be as likely as usual (5 %).
    result = Checker(lexicon=lexicon, model=model).check(text, context)  # type: ignore[arg-type]
    assert all(f.source == "rules" for f in result.findings)
    # 99 % sure: a tenth of that (0.5 %) is enough.
    model.block = LinearModel({"w:miraculeux": 8.0, "b:effet miraculeux": 1.0}, bias=-4.0)
    result = Checker(lexicon=lexicon, model=model).check(text, context)  # type: ignore[arg-type]
    assert result.max_severity == "block"
    assert [f.rule for f in result.findings if f.source == "model"] == ["FR-MED-04"]
    # Below a tenth, never.
    model.rules = {"FR-MED-04": LinearModel({}, bias=-6.0)}  # 0.25 % likely
    result = Checker(lexicon=lexicon, model=model).check(text, context)  # type: ignore[arg-type]
    assert all(f.source == "rules" for f in result.findings)


def test_rules_only_checks_ignore_any_model(lexicon: object) -> None:
    checker = Checker(lexicon=lexicon, model=toy_model(threshold=0.0), learned=False)  # type: ignore[arg-type]
    assert checker.model is None


def test_the_shipped_model_was_trained_on_the_catalog_in_force() -> None:
    model = default_model()
    assert model is not None, "run: python -m hygie.compliance.training"
    assert model.catalog_version == CATALOG.version, (
        "the catalog changed since the model was trained: run python -m hygie.compliance.training"
    )
    assert Checker().model is model
    assert "test" not in model.trained_on
    blocking = {
        rule.id
        for rule in CATALOG.rules
        if any((t.severity or rule.severity) == "block" for t in rule.triggers)
    }
    assert set(model.rules) <= blocking
    assert 0.3 <= model.threshold < 1


def test_a_checker_with_another_catalog_version_does_not_use_the_shipped_model() -> None:
    # The same rules under another version: the model's features may not mean the same.
    assert default_model() is not None
    assert Checker(dataclasses.replace(CATALOG, version="0000.00.0")).model is None


def test_a_model_file_round_trips_and_one_built_on_other_features_is_refused(
    tmp_path: Path,
) -> None:
    model = toy_model()
    path = tmp_path / "model.json.gz"
    model.save(path)
    again = RiskModel.load(path)
    assert again.to_json() == model.to_json()
    evidence = Evidence(words=["effet", "miraculeux"], kind="post", audience="pharmacy")
    assert again.block_score(evidence) == pytest.approx(model.block_score(evidence))
    doc = json.loads(gzip.decompress(path.read_bytes()))
    doc["features_version"] = FEATURES_VERSION + 1
    with pytest.raises(ValueError, match="retrain"):
        RiskModel.from_json(doc)


def test_replacing_the_block_model_takes_effect_on_the_next_check(lexicon: object) -> None:
    model = toy_model()
    checker = Checker(lexicon=lexicon, model=model)  # type: ignore[arg-type]
    text = "Bonjour à tous. Cette crème a un effet miraculeux sur la peau."
    context = CheckContext(audience="pharmacy", kind="post")
    assert checker.check(text, context).max_severity == "block"
    model.block = LinearModel({}, bias=-9.0)
    assert all(f.source == "rules" for f in checker.check(text, context).findings)


def test_a_stale_model_file_is_not_used_and_the_rules_still_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from hygie.compliance.checker import learned

    doc = toy_model().to_json()
    doc["features_version"] = FEATURES_VERSION - 1
    path = tmp_path / "model.json.gz"
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    monkeypatch.setattr(learned, "MODEL_PATH", path)
    with caplog.at_level("WARNING", logger="hygie.compliance.checker.learned"):
        assert learned.default_model.__wrapped__() is None
    assert "retrain" in caplog.text
