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
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hygie.nlp.evaluation import datasets as ds
from hygie.nlp.evaluation.metrics import (
    BinaryScore,
    MulticlassScore,
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
