"""Precision, recall, F1, macro-F1 and accuracy with percentile-bootstrap confidence intervals
(pure Python, standard library only).

Conventions:

* Binary scores are those of the positive class. A ratio whose denominator is zero is
  undefined and given as ``None`` (precision with nothing predicted, recall with no positive),
  never silently 0 or 1; F1 is ``2·TP / (2·TP + FP + FN)``, undefined only when the message set
  has neither a positive nor a prediction.
* Macro-F1 is the mean of the per-class F1 over the classes present in the gold labels or the
  predictions (as scikit-learn computes it).
* Confidence intervals: percentile bootstrap, resampling *examples* with replacement
  (``resamples`` times, 1,000 by default, ``random.Random(seed)``: the same inputs give the same
  interval). Resamples where a statistic is undefined are left out of its interval.

Speed: each example is reduced once to a small integer code (its cell of the confusion table,
or its distinct (TP, FP, FN) tuple for set-valued labels); a resample only draws codes and counts
them in C (``list.count``/``Counter``): 5,000 examples × 1,000 resamples take about 0.5 s
(binary) to 0.8 s (three classes) on one core.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 7
DEFAULT_LEVEL = 0.95
#: Thresholds of :func:`threshold_sweep` when none are given.
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

Statistic = Callable[[Sequence[int]], Sequence[float | None]]


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def f1_of(tp: int, fp: int, fn: int) -> float | None:
    return ratio(2 * tp, 2 * tp + fp + fn)


@dataclass(frozen=True, slots=True)
class Interval:
    low: float | None = None
    high: float | None = None

    def contains(self, value: float | None) -> bool:
        if value is None or self.low is None or self.high is None:
            return False
        return self.low - 1e-12 <= value <= self.high + 1e-12

    def to_json(self) -> list[float | None]:
        return [_round(self.low), _round(self.high)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) of sorted values, linear between the closest ranks."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def bootstrap(
    codes: Sequence[int],
    cells: int,
    statistic: Statistic,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> list[Interval]:
    """Percentile-bootstrap intervals of the statistics of examples reduced to ``codes`` in
    ``range(cells)``: ``statistic(counts)`` gets how many times each code was drawn and returns
    one value (or ``None``, undefined) per statistic."""
    width = len(statistic([codes.count(cell) for cell in range(cells)]))
    if not codes or resamples <= 0:
        return [Interval() for _ in range(width)]
    rng = random.Random(seed)  # noqa: S311  (a reproducible resampling, not a secret)
    draws: list[list[float]] = [[] for _ in range(width)]
    size = len(codes)
    population = list(codes)
    for _ in range(resamples):
        picked = rng.choices(population, k=size)
        if cells <= 12:
            counts = [picked.count(cell) for cell in range(cells)]
        else:
            counter = Counter(picked)
            counts = [counter[cell] for cell in range(cells)]
        for index, value in enumerate(statistic(counts)):
            if value is not None:
                draws[index].append(value)
    tail = (1 - level) / 2
    intervals = []
    for values in draws:
        if not values:
            intervals.append(Interval())
            continue
        values.sort()
        intervals.append(Interval(percentile(values, tail), percentile(values, 1 - tail)))
    return intervals


# -- binary ----------------------------------------------------------------------------------

_TP, _FP, _FN, _TN = 0, 1, 2, 3


@dataclass(frozen=True)
class BinaryScore:
    """Scores of the positive class; ``ci`` has the intervals of precision, recall, f1."""

    n: int
    tp: int
    fp: int
    fn: int
    tn: int
    ci: dict[str, Interval] = field(default_factory=dict)
    #: For set-valued labels: the share of examples whose predicted set is exactly right.
    exact: float | None = None

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float | None:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return f1_of(self.tp, self.fp, self.fn)

    @property
    def accuracy(self) -> float | None:
        return ratio(self.tp + self.tn, self.n)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "positives": self.positives,
            "predicted": self.predicted,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
            "accuracy": _round(self.accuracy if self.exact is None else self.exact),
            "ci95": {name: interval.to_json() for name, interval in self.ci.items()},
        }


def _binary_statistic(counts: Sequence[int]) -> tuple[float | None, ...]:
    tp, fp, fn = counts[_TP], counts[_FP], counts[_FN]
    return ratio(tp, tp + fp), ratio(tp, tp + fn), f1_of(tp, fp, fn)


def binary_score(
    gold: Sequence[bool],
    predicted: Sequence[bool],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> BinaryScore:
    """P/R/F1 of the positive class with bootstrap intervals (resampling examples)."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    codes = [
        (_TP if p else _FN) if g else (_FP if p else _TN)
        for g, p in zip(gold, predicted, strict=True)
    ]
    precision, recall, f1 = bootstrap(
        codes, 4, _binary_statistic, resamples=resamples, seed=seed, level=level
    )
    return BinaryScore(
        n=len(codes),
        tp=codes.count(_TP),
        fp=codes.count(_FP),
        fn=codes.count(_FN),
        tn=codes.count(_TN),
        ci={"precision": precision, "recall": recall, "f1": f1},
    )


def set_score(
    gold: Sequence[Collection[str]],
    predicted: Sequence[Collection[str]],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> BinaryScore:
    """Micro P/R/F1 of set-valued labels (e.g. the products named in each message): every
    (message, item) pair is a TP, FP or FN; the bootstrap still resamples messages. ``tn`` is
    the number of messages with both sets empty; ``exact`` the share of exactly right sets."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    kinds: dict[tuple[int, int, int], int] = {}
    codes = []
    exact = empty = 0
    for expected, found in zip(gold, predicted, strict=True):
        expected_set, found_set = set(expected), set(found)
        cell = (
            len(expected_set & found_set),
            len(found_set - expected_set),
            len(expected_set - found_set),
        )
        codes.append(kinds.setdefault(cell, len(kinds)))
        exact += expected_set == found_set
        empty += not expected_set and not found_set
    table = list(kinds)

    def statistic(counts: Sequence[int]) -> tuple[float | None, ...]:
        tp = fp = fn = 0
        for (cell_tp, cell_fp, cell_fn), count in zip(table, counts, strict=True):
            tp += cell_tp * count
            fp += cell_fp * count
            fn += cell_fn * count
        return ratio(tp, tp + fp), ratio(tp, tp + fn), f1_of(tp, fp, fn)

    precision, recall, f1 = bootstrap(
        codes, len(table), statistic, resamples=resamples, seed=seed, level=level
    )
    return BinaryScore(
        n=len(codes),
        tp=sum(table[code][0] for code in codes),
        fp=sum(table[code][1] for code in codes),
        fn=sum(table[code][2] for code in codes),
        tn=empty,
        ci={"precision": precision, "recall": recall, "f1": f1},
        exact=ratio(exact, len(codes)),
    )


# -- several classes -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return f1_of(self.tp, self.fp, self.fn)


@dataclass(frozen=True)
class MulticlassScore:
    """Macro-F1 and accuracy; ``ci`` has the intervals of macro_f1 and accuracy."""

    n: int
    labels: tuple[str, ...]
    #: (gold, predicted) → count.
    confusion: dict[tuple[str, str], int]
    ci: dict[str, Interval] = field(default_factory=dict)

    def per_class(self) -> dict[str, ClassScore]:
        out = {}
        for label in self.labels:
            tp = self.confusion.get((label, label), 0)
            fp = sum(c for (g, p), c in self.confusion.items() if p == label and g != label)
            fn = sum(c for (g, p), c in self.confusion.items() if g == label and p != label)
            out[label] = ClassScore(tp, fp, fn)
        return out

    @property
    def macro_f1(self) -> float | None:
        scores = [s.f1 for s in self.per_class().values() if s.tp + s.fp + s.fn]
        return sum(s for s in scores if s is not None) / len(scores) if scores else None

    @property
    def accuracy(self) -> float | None:
        correct = sum(c for (g, p), c in self.confusion.items() if g == p)
        return ratio(correct, self.n)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "macro_f1": _round(self.macro_f1),
            "accuracy": _round(self.accuracy),
            "per_class": {
                label: {
                    "support": s.tp + s.fn,
                    "precision": _round(s.precision),
                    "recall": _round(s.recall),
                    "f1": _round(s.f1),
                }
                for label, s in self.per_class().items()
            },
            "confusion": [
                {"gold": g, "predicted": p, "count": c}
                for (g, p), c in sorted(self.confusion.items())
            ],
            "ci95": {name: interval.to_json() for name, interval in self.ci.items()},
        }


def multiclass_score(
    gold: Sequence[str],
    predicted: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> MulticlassScore:
    """Macro-F1 (over the classes present in gold or predictions) and accuracy, with bootstrap
    intervals. ``labels`` fixes the order of the classes (others found are appended)."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    order = list(labels or ())
    for label in [*gold, *predicted]:
        if label not in order:
            order.append(label)
    k = len(order)
    index = {label: i for i, label in enumerate(order)}
    codes = [index[g] * k + index[p] for g, p in zip(gold, predicted, strict=True)]

    def statistic(counts: Sequence[int]) -> tuple[float | None, ...]:
        total = sum(counts)
        f1s = []
        correct = 0
        for c in range(k):
            tp = counts[c * k + c]
            row = sum(counts[c * k : c * k + k])  # gold c
            column = sum(counts[c::k])  # predicted c
            correct += tp
            if row or column:
                f1s.append(2 * tp / (row + column))
        return (sum(f1s) / len(f1s) if f1s else None), ratio(correct, total)

    macro, accuracy = bootstrap(
        codes, k * k, statistic, resamples=resamples, seed=seed, level=level
    )
    confusion = Counter((order[code // k], order[code % k]) for code in codes)
    return MulticlassScore(
        n=len(codes),
        labels=tuple(order),
        confusion=dict(confusion),
        ci={"macro_f1": macro, "accuracy": accuracy},
    )


def accuracy_score(
    gold: Sequence[object],
    predicted: Sequence[object],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> tuple[float | None, Interval]:
    """Share of exact agreements, with its bootstrap interval."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    codes = [int(g == p) for g, p in zip(gold, predicted, strict=True)]
    (interval,) = bootstrap(
        codes,
        2,
        lambda counts: (ratio(counts[1], counts[0] + counts[1]),),
        resamples=resamples,
        seed=seed,
        level=level,
    )
    return ratio(sum(codes), len(codes)), interval


# -- thresholds ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThresholdPoint:
    """What a binary decision ``score >= threshold`` would give."""

    threshold: float
    tp: int
    fp: int
    fn: int

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float | None:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return f1_of(self.tp, self.fp, self.fn)

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "predicted": self.predicted,
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
        }


def threshold_sweep(
    gold: Sequence[bool],
    scores: Sequence[float],
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> list[ThresholdPoint]:
    """Precision and recall of ``score >= threshold`` at each threshold (ascending)."""
    if len(gold) != len(scores):
        raise ValueError("gold and scores differ in length")
    positives = sorted(s for s, g in zip(scores, gold, strict=True) if g)
    negatives = sorted(s for s, g in zip(scores, gold, strict=True) if not g)
    points = []
    for threshold in sorted(thresholds):
        tp = len(positives) - bisect.bisect_left(positives, threshold)
        fp = len(negatives) - bisect.bisect_left(negatives, threshold)
        points.append(ThresholdPoint(threshold, tp, fp, len(positives) - tp))
    return points


def threshold_for_recall(
    gold: Sequence[bool], scores: Sequence[float], target: float
) -> float | None:
    """The highest threshold whose recall is at least ``target`` (a score of the data, so
    ``score >= threshold`` reaches it), or ``None`` without positives."""
    positives = sorted((s for s, g in zip(scores, gold, strict=True) if g), reverse=True)
    if not positives:
        return None
    needed = max(1, math.ceil(target * len(positives)))
    return positives[min(needed, len(positives)) - 1]


__all__ = [
    "BinaryScore",
    "Interval",
    "MulticlassScore",
    "ThresholdPoint",
    "accuracy_score",
    "binary_score",
    "bootstrap",
    "multiclass_score",
    "set_score",
    "threshold_for_recall",
    "threshold_sweep",
]
