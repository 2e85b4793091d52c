"""The triage evaluation: metrics, loaders, report and ``hygie manage eval_triage``.

The files under ``tests/nlp/data`` are tiny synthetic sets written for these tests in the
formats of the real ones (``shared/data/<folder>`` and ``eval/triage``); no row comes from
the real sets. A keyword-based :class:`FakeTriager` stands in for the pipeline, so the figures
below are worked out by hand.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hygie.nlp.evaluation import datasets as ds
from hygie.nlp.evaluation.metrics import (
    BinaryScore,
    MulticlassScore,
    accuracy_score,
    binary_score,
    multiclass_score,
    percentile,
    set_score,
    threshold_for_recall,
    threshold_sweep,
)
from hygie.nlp.evaluation.report import (
    HELD_OUT_WARNING,
    INTERNAL_CHARS,
    Report,
    Row,
    evaluate,
    format_report,
)
from hygie.nlp.types import Score, TriageResult

DATA = Path(__file__).parent / "data"
SHARED = DATA / "shared"
OWN = DATA / "triage"
FAKE = "tests.nlp.test_evaluation:FakeTriager"


# -- a stand-in for the pipeline -------------------------------------------------------------

_AE_WORDS = ("effet", "vertige", "side effect", "rash", "nausé", "nausea")
_PRODUCTS = ("Doliprane", "Levothyrox", "Ventoline", "Deroxat", "Xanax", "Ozempic")
_EN_WORDS = re.compile(
    r"\b(the|my|this|it|i|for|to|of|and|need|new|after|is|was|with|can't|again|thanks|gives)\b"
)


class FakeTriager:
    """Keyword rules with the pipeline's ``triage`` signature and thresholds."""

    def __init__(
        self, *, ae_threshold: float | None = None, abuse_threshold: float | None = None
    ) -> None:
        self.ae_threshold = 0.5 if ae_threshold is None else ae_threshold
        self.abuse_threshold = 0.5 if abuse_threshold is None else abuse_threshold
        self.calls: list[tuple[str, str | None, str | None]] = []

    def triage(
        self, text: str, *, lang: str | None = None, channel: str | None = None
    ) -> TriageResult:
        self.calls.append((text, lang, channel))
        low = text.lower()
        ae_score = 0.8 if any(word in low for word in _AE_WORDS) else 0.2
        kinds = tuple(
            kind
            for kind, words in (("insult", ("idiot", "connard")), ("threat", ("je vais te",)))
            if any(word in low for word in words)
        )
        abuse_score = 0.9 if kinds else 0.1
        abusive = abuse_score >= self.abuse_threshold
        ae = ae_score >= self.ae_threshold
        special = [
            name
            for name, words in (
                ("pregnancy", ("enceinte",)),
                ("child", ("mon fils", "ma fille")),
                ("lack_of_efficacy", ("ne marche pas", "did nothing")),
            )
            if any(word in low for word in words)
        ]
        if any(word in low for word in ("merci", "super", "thanks")):
            sentiment = "positive"
        elif any(word in low for word in ("nul", "horrible", "terrible")):
            sentiment = "negative"
        else:
            sentiment = "neutral"
        products = tuple(name for name in _PRODUCTS if name.lower() in low)
        patient = ae and any(word in low for word in ("je ", "j'", "mon ", "ma ", "my "))
        return TriageResult(
            lang="en" if _EN_WORDS.search(low) else "fr",
            products=products,
            adverse_event=Score(ae, ae_score),
            special_situations=tuple(special),
            quality_complaint="abîmé" in low,
            abusive=Score(abusive, abuse_score),
            medical_question="?" in text,
            spam="promo" in low,
            sentiment=sentiment,  # type: ignore[arg-type]
            minimum_criteria={
                "reporter": patient,
                "patient": patient,
                "product": bool(products),
                "event": ae,
            },
            abuse_kinds=kinds if abusive else (),
            model_version="fake-1",
        )


def row(report: Report, task: str, dataset: str) -> Row:
    found = [r for r in report.rows if r.task.key == task and r.dataset == dataset]
    assert len(found) == 1, f"{task} @ {dataset}: {len(found)} rows"
    return found[0]


def binary(report: Report, task: str, dataset: str) -> BinaryScore:
    score = row(report, task, dataset).score
    assert isinstance(score, BinaryScore)
    return score


# -- metrics ---------------------------------------------------------------------------------


def test_binary_scores_by_hand() -> None:
    gold = [True, True, True, False, False, False]
    predicted = [True, True, False, True, False, False]
    score = binary_score(gold, predicted)
    assert (score.tp, score.fp, score.fn, score.tn) == (2, 1, 1, 2)
    assert (score.positives, score.predicted, score.n) == (3, 3, 6)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 / 3)
    assert score.accuracy == pytest.approx(4 / 6)


def test_undefined_ratios_are_none_not_zero() -> None:
    nothing_predicted = binary_score([True, False], [False, False])
    assert nothing_predicted.precision is None
    assert nothing_predicted.recall == 0
    assert nothing_predicted.f1 == 0
    no_positive = binary_score([False, False], [False, False])
    assert no_positive.precision is None and no_positive.recall is None and no_positive.f1 is None
    assert no_positive.ci["f1"].low is None


def test_interval_contains_the_estimate_and_narrows_with_more_data() -> None:
    gold = [True, True, True, False, False, False, True, False, True, False]
    predicted = [True, False, True, True, False, False, True, False, False, False]
    small = binary_score(gold, predicted)
    large = binary_score(gold * 20, predicted * 20)
    assert small.f1 == pytest.approx(large.f1)
    for name in ("precision", "recall", "f1"):
        value = getattr(small, name)
        assert small.ci[name].contains(value), name
        assert large.ci[name].contains(value), name
        small_width = small.ci[name].high - small.ci[name].low  # type: ignore[operator]
        large_width = large.ci[name].high - large.ci[name].low  # type: ignore[operator]
        assert large_width < small_width / 2, name


def test_bootstrap_is_deterministic_with_its_seed() -> None:
    gold = [i % 3 == 0 for i in range(60)]
    predicted = [i % 4 == 0 for i in range(60)]
    first = binary_score(gold, predicted, seed=11)
    again = binary_score(gold, predicted, seed=11)
    other = binary_score(gold, predicted, seed=12)
    assert first.ci == again.ci
    assert first.ci != other.ci
    fewer = binary_score(gold, predicted, seed=11, resamples=0)
    assert fewer.f1 == first.f1 and fewer.ci["f1"].low is None


def test_macro_f1_by_hand() -> None:
    gold = ["a", "a", "b", "b", "c", "c"]
    predicted = ["a", "b", "b", "b", "c", "a"]
    score = multiclass_score(gold, predicted, labels=("a", "b", "c"))
    per_class = score.per_class()
    assert per_class["a"].f1 == pytest.approx(0.5)
    assert per_class["b"].f1 == pytest.approx(0.8)
    assert per_class["c"].f1 == pytest.approx(2 / 3)
    assert score.macro_f1 == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert score.accuracy == pytest.approx(4 / 6)
    assert score.ci["macro_f1"].contains(score.macro_f1)
    assert score.ci["accuracy"].contains(score.accuracy)
    # A class neither in the gold labels nor predicted does not count in the mean.
    assert multiclass_score(["a", "b"], ["a", "b"], labels=("a", "b", "c")).macro_f1 == 1.0


def test_set_scores_and_accuracy() -> None:
    score = set_score([{"a", "b"}, {"c"}, set()], [{"a"}, {"c", "d"}, set()])
    assert (score.tp, score.fp, score.fn, score.tn) == (2, 1, 1, 1)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 3)
    assert score.exact == pytest.approx(1 / 3)
    value, interval = accuracy_score(["fr", "fr", "en", "fr"], ["fr", "en", "en", "fr"])
    assert value == 0.75
    assert interval.contains(0.75)
    assert percentile([0.0, 1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([0.0, 1.0], 0.25) == 0.25


def test_threshold_sweep() -> None:
    gold = [True, True, False, False]
    scores = [0.9, 0.4, 0.6, 0.1]
    low, high = threshold_sweep(gold, scores, [0.5, 0.3])
    assert (low.threshold, low.tp, low.fp, low.fn) == (0.3, 2, 1, 0)
    assert low.recall == 1.0 and low.precision == pytest.approx(2 / 3)
    assert (high.threshold, high.tp, high.fp, high.fn) == (0.5, 1, 1, 1)
    assert threshold_for_recall(gold, scores, 1.0) == 0.4
    assert threshold_for_recall(gold, scores, 0.5) == 0.9
    assert threshold_for_recall([False], [0.3], 0.9) is None


def test_bootstrap_is_fast_enough() -> None:
    gold = [i % 9 == 0 for i in range(5000)]
    predicted = [i % 7 == 0 for i in range(5000)]
    started = time.perf_counter()
    binary_score(gold, predicted)
    multiclass_score([str(i % 3) for i in range(5000)], [str(i % 2) for i in range(5000)])
    assert time.perf_counter() - started < 10  # about 1.5 s on the 2-core machine


# -- loaders ---------------------------------------------------------------------------------


def test_smm4h_reads_quoted_tsv() -> None:
    french = ds.load_smm4h(SHARED, "fr")
    assert [e.id for e in french][:2] == ["smm4h-fr-1001", "smm4h-fr-1002"]
    assert [e.labels[ds.AE_KEY] for e in french] == [False, True, False, True, False, False]
    assert french[2].text == 'il a dit "je prends du Doliprane" et puis rien'
    assert {e.lang for e in french} == {"fr"}
    english = ds.load_smm4h(SHARED, "en")
    assert english[2].text == '"can\'t sleep" again, thanks seroquel'
    assert sum(bool(e.labels[ds.AE_KEY]) for e in english) == 2


def test_psytar_ade_is_adr_or_withdrawal_and_inf_is_lack_of_efficacy() -> None:
    examples = ds.load_psytar(SHARED)
    assert [e.labels[ds.AE_KEY] for e in examples] == [True, True, False, False]
    assert [e.labels[ds.LACK_OF_EFFICACY_KEY] for e in examples] == [False, False, True, False]
    assert examples[0].lang == "en"


def test_ade_corpus_fixed_stratified_test_slice() -> None:
    test = ds.load_ade_corpus(SHARED)
    # 6 positives and 14 negatives: round(0.9) = 1 and round(2.1) = 2.
    assert sum(bool(e.labels[ds.AE_KEY]) for e in test) == 1
    assert len(test) == 3
    assert [e.id for e in ds.load_ade_corpus(SHARED)] == [e.id for e in test]
    with pytest.raises(ValueError, match="unknown split"):
        ds.load_ade_corpus(SHARED, "train")


@pytest.mark.parametrize(
    ("loader", "size", "toxic"),
    [(ds.load_mlma, 20, 14), (ds.load_ftr, 10, 4)],
)
def test_abuse_sets_have_disjoint_train_and_test_slices(loader: Any, size: int, toxic: int) -> None:
    train, test = loader(SHARED, "train"), loader(SHARED, "test")
    assert len(train) + len(test) == size
    assert not {e.id for e in train} & {e.id for e in test}
    assert sum(bool(e.labels[ds.ABUSIVE_KEY]) for e in train + test) == toxic
    assert round(0.3 * size) - 1 <= len(test) <= round(0.3 * size) + 1
    assert [e.id for e in loader(SHARED, "test")] == [e.id for e in test]


def test_mlma_binary_convention_and_crlf() -> None:
    examples = {e.id: e for e in ds.load_mlma(SHARED, "train") + ds.load_mlma(SHARED, "test")}
    assert examples["mlma-1"].labels[ds.ABUSIVE_KEY] is False  # normal
    assert examples["mlma-6"].labels[ds.ABUSIVE_KEY] is True  # abusive_normal is toxic
    assert examples["mlma-3"].text == "@user idiot, vraiment, numéro 3"
    assert not any(e.text.endswith("\r") for e in examples.values())


def test_ftr_multiline_quoted_tweet() -> None:
    examples = {e.id: e for e in ds.load_ftr(SHARED, "train") + ds.load_ftr(SHARED, "test")}
    assert examples["ftr-1"].text == '"Ils ne sont pas d\'ici", toujours la même rengaine.'
    assert examples["ftr-1"].labels[ds.ABUSIVE_KEY] is True


def test_cyberagressionado_abuse_and_kinds() -> None:
    examples = ds.load_cyberagressionado(SHARED)
    assert [e.labels[ds.ABUSIVE_KEY] for e in examples] == [True, False, True, True, False, True]
    assert [e.labels[ds.ABUSE_KINDS_KEY] for e in examples] == [
        ("insult",),
        (),
        ("threat",),
        (),
        (),
        ("hate",),
    ]
    assert examples[0].id == "cyberado-scenario_test_a-0"
    assert examples[0].text == "t'es qu'un idiot"


def test_umsab_sentiment() -> None:
    examples = ds.load_umsab(SHARED)
    assert [e.labels[ds.SENTIMENT_KEY] for e in examples] == [
        "positive",
        "negative",
        "neutral",
        "negative",
        "positive",
        "neutral",
    ]
    assert examples[0].text == 'Le "meilleur" service, merci http'


def test_own_set_labels() -> None:
    examples = {e.id: e for e in ds.load_hygie(OWN, "dev")}
    first = examples["fx-dev-01"]
    assert first.channel == "facebook_comment"
    assert first.labels[ds.AE_KEY] is True
    assert first.labels[ds.PRODUCTS_KEY] == ("Levothyrox",)
    assert first.labels[ds.CRITERIA_KEY] == {
        "reporter": True,
        "patient": True,
        "product": True,
        "event": True,
    }
    assert examples["fx-dev-02"].labels[ds.SPECIAL_KEY] == ("pregnancy",)
    assert examples["fx-dev-07"].lang == "en"
    assert len(ds.load_hygie(OWN, "test")) == 3


def test_own_set_errors_name_the_line(tmp_path: Path) -> None:
    line = {"id": "x", "text": "t", "lang": "fr", "special_situations": ["holiday"]}
    (tmp_path / "dev.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dev.jsonl:1: special_situations: unknown value"):
        ds.load_hygie(tmp_path, "dev")
    with pytest.raises(ds.DatasetNotFound):
        ds.load_hygie(tmp_path, "test")


def test_missing_folder_is_not_found(tmp_path: Path) -> None:
    for dataset in ds.DATASETS.values():
        with pytest.raises(ds.DatasetNotFound):
            dataset.load(tmp_path, dataset.eval_split)


def test_only_permissive_licences_give_training_data() -> None:
    for name in ("smm4h_fr", "smm4h_en", "umsab", "cyberagressionado", "ade_corpus"):
        with pytest.raises(ds.LicenceError):
            ds.training_examples(name, SHARED)
    for dataset in ds.DATASETS.values():
        if dataset.trainable and dataset.name != "hygie":
            assert dataset.licence.startswith(ds.TRAINABLE_LICENCES), dataset.name
    train = ds.training_examples("mlma", SHARED)
    assert {e.id for e in train} == {e.id for e in ds.load_mlma(SHARED, "train")}


# -- the report ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(FakeTriager(), data_root=SHARED, eval_dir=OWN, resamples=200)


def test_report_adverse_events_by_hand(report: Report) -> None:
    french = binary(report, "adverse_event", "smm4h_fr")
    assert (french.tp, french.fp, french.fn, french.tn) == (2, 1, 0, 3)
    english = binary(report, "adverse_event", "smm4h_en")
    assert (english.tp, english.fp, english.fn) == (1, 1, 1)
    own = binary(report, "adverse_event", "hygie-dev")
    assert (own.tp, own.fp, own.fn) == (2, 0, 0)
    by_language = (
        binary(report, "adverse_event", "hygie-dev en"),
        binary(report, "adverse_event", "hygie-dev fr"),
    )
    assert [(s.n, s.tp) for s in by_language] == [(1, 1), (7, 1)]
    psytar = binary(report, "adverse_event", "psytar")
    assert (psytar.tp, psytar.fn) == (1, 1)
    sweep = row(report, "adverse_event", "smm4h_fr").sweep
    assert [p.recall for p in sweep if p.threshold in (0.1, 0.9)] == [1.0, 0.0]


def test_report_own_set_sections(report: Report) -> None:
    assert binary(report, "special:pregnancy", "hygie-dev").tp == 1
    child = binary(report, "special:child", "hygie-dev")
    assert (child.tp, child.fn) == (0, 1)  # "my son" is not in the fake's words
    efficacy = binary(report, "special:lack_of_efficacy", "hygie-dev")
    assert (efficacy.tp, efficacy.fp) == (1, 1)  # the broken spray is a hard negative
    assert binary(report, "special:lack_of_efficacy", "psytar").tp == 1  # "did nothing"
    assert binary(report, "quality_complaint", "hygie-dev").tp == 1
    assert binary(report, "spam", "hygie-dev").f1 == 1.0
    question = binary(report, "medical_question", "hygie-dev")
    assert (question.tp, question.fp, question.fn) == (3, 0, 0)
    products = binary(report, "products", "hygie-dev")
    assert (products.tp, products.fp, products.fn) == (4, 0, 1)  # Augmentin is unknown
    patient = binary(report, "criteria:patient", "hygie-dev")
    assert (patient.tp, patient.fn) == (2, 2)
    assert binary(report, "abusive", "hygie-dev").f1 == 1.0
    assert binary(report, "abuse:insult", "hygie-dev").tp == 1
    sentiment = row(report, "sentiment", "hygie-dev").score
    assert isinstance(sentiment, MulticlassScore) and sentiment.n == 8


def test_report_abuse_and_sentiment_sets(report: Report) -> None:
    cyber = binary(report, "abusive", "cyberagressionado")
    assert (cyber.tp, cyber.fp, cyber.fn) == (2, 0, 2)
    assert binary(report, "abuse:threat", "cyberagressionado").tp == 1
    assert not [r for r in report.rows if r.task.key == "abuse:defamation" and "cyber" in r.dataset]
    assert binary(report, "abusive", "mlma").n == len(ds.load_mlma(SHARED, "test"))
    umsab = row(report, "sentiment", "umsab").score
    assert isinstance(umsab, MulticlassScore)
    assert umsab.accuracy == pytest.approx(5 / 6)
    assert row(report, "language", "smm4h_en").headline[0] == 1.0


def test_report_text_has_anchors_and_sections(report: Report) -> None:
    text = "\n".join(format_report(report))
    for section in (
        "== adverse event",
        "== special situations",
        "== quality complaint",
        "== medical question",
        "== spam",
        "== minimum criteria",
        "== products",
        "== abuse",
        "== sentiment",
        "== language",
    ):
        assert section in text
    # F1 0.8 on the French fixture, 0.5 on the English one.
    assert re.search(r"smm4h_fr .* anchor 0\.705 .* — above", text)
    assert re.search(r"smm4h_en .* anchor 0\.726 .* — below", text)
    assert re.search(r"umsab .* anchor 0\.720 .* — above", text)
    assert HELD_OUT_WARNING not in text
    assert "model fake-1" in text


def test_report_details_truncate_internal_texts(report: Report) -> None:
    lines = format_report(report, details=True)
    misses = [line for line in lines if line.startswith("adverse event @ smm4h_fr:")]
    assert len(misses) == 1 and "smm4h-fr-1006 no → yes" in misses[0]
    shown = misses[0].split(" | ", 1)[1]
    assert len(shown) == INTERNAL_CHARS and shown.endswith("…")


def test_report_json_is_complete(report: Report) -> None:
    data = json.loads(json.dumps(report.to_json(details=True)))
    assert data["split"] == "dev" and data["held_out"] is False
    names = [d["name"] for d in data["datasets"]]
    assert names[-1] == "hygie-dev" and "smm4h_fr" in names
    ae = next(
        r for r in data["rows"] if r["task"] == "adverse_event" and r["dataset"] == "smm4h_fr"
    )
    assert ae["f1"] == 0.8 and ae["anchor"]["value"] == 0.705
    assert ae["anchor"]["verdict"].startswith("above")
    assert len(ae["ci95"]["f1"]) == 2 and ae["sweep"]
    assert ae["misclassified"][0]["id"] == "smm4h-fr-1006"


def test_missing_sets_are_skipped(tmp_path: Path) -> None:
    report = evaluate(FakeTriager(), data_root=tmp_path, eval_dir=None, resamples=10)
    assert {run.status for run in report.runs} == {"skipped (not found)"}
    assert report.rows == []
    text = "\n".join(format_report(report))
    assert "smm4h_fr           skipped (not found)" in text


def test_held_out_split_warns_and_hides_texts() -> None:
    triager = FakeTriager()
    report = evaluate(
        triager, data_root=None, eval_dir=OWN, split="test", names=["hygie"], resamples=10
    )
    lines = format_report(report, details=True)
    assert any(HELD_OUT_WARNING in line for line in lines[:3])
    misses = [line for line in lines if "@ hygie-test" in line]
    assert misses and all(" | " not in line for line in misses)
    assert report.to_json()["held_out"] is True
    # The pipeline is given the channel, and detects the language itself by default.
    assert triager.calls[0][1:] == (None, "facebook_comment")


def test_limit_and_given_language() -> None:
    triager = FakeTriager()
    report = evaluate(
        triager,
        data_root=SHARED,
        eval_dir=None,
        names=["ade_corpus", "mlma"],
        limit=2,
        resamples=10,
        given_lang=True,
    )
    assert [len(run.examples) for run in report.runs] == [2, 2]
    assert {call[1] for call in triager.calls} == {"en", "fr"}
    with pytest.raises(ValueError, match="unknown data set"):
        evaluate(triager, data_root=SHARED, eval_dir=None, names=["nope"])


# -- the command -----------------------------------------------------------------------------


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("eval_triage", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_end_to_end() -> None:
    text = run_command(
        "--data", str(SHARED), "--eval-dir", str(OWN), "--triager", FAKE, "--resamples", "50"
    )
    assert "== adverse event" in text
    assert re.search(r"smm4h_fr .* anchor 0\.705", text)
    assert "hygie-dev" in text


def test_command_json_thresholds_and_test_split() -> None:
    output = run_command(
        "--data",
        str(SHARED),
        "--eval-dir",
        str(OWN),
        "--triager",
        FAKE,
        "--resamples",
        "20",
        "--split",
        "test",
        "--ae-threshold",
        "0.9",
        "--json",
    )
    data = json.loads(output)
    assert data["warning"] == HELD_OUT_WARNING
    ae = [r for r in data["rows"] if r["task"] == "adverse_event"]
    assert ae and all(r["predicted"] == 0 for r in ae)
    assert "hygie-test" in {r["dataset"] for r in ae}


def test_command_rejects_a_bad_triager() -> None:
    with pytest.raises(CommandError, match="module:callable"):
        run_command("--triager", "nothing-here", "--data", str(SHARED))


def test_command_with_the_real_pipeline() -> None:
    pytest.importorskip("hygie.nlp.pipeline")
    text = run_command(
        "--data", str(SHARED), "--eval-dir", str(OWN), "--resamples", "20", "--limit", "4"
    )
    assert "== adverse event" in text and "hygie-dev" in text
