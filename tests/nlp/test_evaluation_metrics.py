"""The triage evaluation's metrics (``hygie.nlp.evaluation.metrics``), worked out by hand."""

from __future__ import annotations

import time

import pytest

from hygie.nlp.evaluation.metrics import (
    accuracy_score,
    binary_score,
    multiclass_score,
    percentile,
    set_score,
    threshold_for_recall,
    threshold_sweep,
)


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
