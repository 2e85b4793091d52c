"""The training of :func:`hygie.nlp.model.train_logistic` on NumPy arrays, for large sets.

Same algorithm, same order of the examples, same result up to the order of the sums and the
last bit of ``exp`` (weights within about 1e-12; without dropout, below):
AdaGrad stochastic gradient descent on the log loss, L2 on the weights, one pass per epoch in
the order :class:`random.Random` (``seed``) shuffles. The pure-Python version updates a
dictionary entry per feature; here each example is an array of feature indices and its update
is a handful of vector operations. The compliance checker's training
(``python -m hygie.compliance.training``: a hundred features per text, a block model and
twenty-seven rule models) takes twelve minutes instead of sixty-five; one fit is four to five
times faster in CPU time.

:func:`train_logistic_many` trains several labelings of the same examples at once (one model
per column of ``labels``), in one pass over one order: exactly what :func:`train_logistic`
would give for each column with the same ``seed``.

:func:`train_logistic` can also drop features at random (``keep`` < 1, "dropout"): at each
visit an example shows each of its features with probability ``keep``, scaled by
``1 / keep``, so that the expected score is the full example's and the model is scored on all
its features as before (an example with a single feature always shows it; a visit that shows
none is skipped; the L2 penalty applies to the features shown). The draws come from NumPy's
PCG64 bit generator, whose raw stream NumPy keeps the same across releases. A model that
never sees all of a text's cues at once spreads its weight over them, instead of leaning on
the one cue the authors of its training texts happened to use: out of fold, on the
compliance checker's fifty-three sets, 4,382 blocks instead of 4,363 for the same 72 false
blocks (``keep`` 0.8; ``eval/compliance/TUNING.md``, "Session 13"). This is not in the
pure-Python trainer; ``keep`` = 1 is exactly it.

NumPy is needed to train only (the ``dev`` extra); the models it returns are
:class:`~hygie.nlp.model.LinearModel` and are scored in pure Python.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hygie.nlp.model import LinearModel, sigmoid

_FloatArray = npt.NDArray[np.float64]
_IndexArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Design:
    """Examples as feature indices: ``names[i]`` is the feature of column ``i`` and ``rows[k]``
    the sorted, distinct columns of example ``k``."""

    names: tuple[str, ...]
    rows: tuple[_IndexArray, ...]

    @classmethod
    def of(cls, examples: Sequence[Sequence[str]]) -> Design:
        index: dict[str, int] = {}
        rows = []
        for features in examples:
            columns = {index.setdefault(feature, len(index)) for feature in features}
            rows.append(np.array(sorted(columns), dtype=np.intp))
        names = [""] * len(index)
        for name, column in index.items():
            names[column] = name
        return cls(tuple(names), tuple(rows))

    def model(self, weights: _FloatArray, bias: float) -> LinearModel:
        """A :class:`LinearModel` with the features that have a weight."""
        if weights.shape != (len(self.names),):
            raise ValueError("one weight per feature")
        return LinearModel(
            {self.names[c]: float(weights[c]) for c in np.flatnonzero(weights)}, float(bias)
        )


def _order(count: int, epochs: int, seed: int) -> Iterator[list[int]]:
    """The order of each epoch, as :func:`hygie.nlp.model.train_logistic` draws it."""
    order = list(range(count))
    rng = random.Random(seed)  # noqa: S311  (a reproducible order, not a secret)
    for _epoch in range(epochs):
        rng.shuffle(order)
        yield order


def train_logistic_many(
    design: Design,
    labels: _FloatArray,
    *,
    weights: _FloatArray | None = None,
    epochs: int = 12,
    learning_rate: float = 0.3,
    l2: float = 1e-4,
    seed: int = 13,
) -> tuple[_FloatArray, _FloatArray]:
    """One logistic model per column of ``labels`` (examples × models, 0 or 1): the weights
    (features × models) and the biases (models)."""
    count = len(design.rows)
    labels = np.asarray(labels, dtype=np.float64)
    if labels.ndim == 1:
        labels = labels.reshape(-1, 1)
    per_example = np.ones(count) if weights is None else np.asarray(weights, dtype=np.float64)
    if labels.ndim != 2 or labels.shape[0] != count or per_example.shape != (count,):
        raise ValueError("one label and one weight per example")
    models = labels.shape[1]
    w = np.zeros((len(design.names), models))
    squares = np.full((len(design.names), models), 1e-8)
    bias = np.zeros(models)
    bias_sq = np.full(models, 1e-8)
    rows = design.rows
    for order in _order(count, epochs, seed):
        for k in order:
            columns = rows[k]
            current = w[columns]
            total = bias + current.sum(axis=0)
            gradient = (_sigmoid(total) - labels[k]) * per_example[k]
            bias_sq += gradient * gradient
            bias -= learning_rate * gradient / np.sqrt(bias_sq)
            g = gradient + l2 * current
            sq = squares[columns] + g * g
            squares[columns] = sq
            w[columns] = current - learning_rate * g / np.sqrt(sq)
    return w, bias


def train_logistic(
    design: Design,
    labels: Sequence[int] | _FloatArray,
    *,
    weights: _FloatArray | None = None,
    epochs: int = 12,
    learning_rate: float = 0.3,
    l2: float = 1e-4,
    seed: int = 13,
    keep: float = 1.0,
) -> LinearModel:
    """:func:`hygie.nlp.model.train_logistic` of ``design``'s examples and ``labels`` (the
    one-model case of :func:`train_logistic_many`, with fewer array operations per step).

    With ``keep`` < 1, each visit of an example shows each of its features with that
    probability (drawn from a generator seeded with ``seed``), weighted ``1 / keep``; a visit
    that shows none is skipped."""
    count = len(design.rows)
    label = [float(v) for v in labels]
    per_example = [1.0] * count if weights is None else [float(v) for v in weights]
    if len(label) != count or len(per_example) != count:
        raise ValueError("one label and one weight per example")
    if not 0.0 < keep <= 1.0:
        raise ValueError("keep is a probability above zero")
    w = np.zeros(len(design.names))
    squares = np.full(len(design.names), 1e-8)
    bias = 0.0
    bias_sq = 1e-8
    rows = design.rows
    draws = np.random.PCG64(seed) if keep < 1.0 else None
    # With dropout, a feature is shown when its raw 64-bit draw is below ``keep`` of the range.
    below = np.uint64(min(int(keep * 2.0**64), 2**64 - 1))
    scale = 1.0 / keep
    for order in _order(count, epochs, seed):
        for k in order:
            columns = rows[k]
            shown = 1.0  # without dropout, or for a lone feature (dropping it teaches nothing)
            if draws is not None and len(columns) > 1:
                columns = columns[draws.random_raw(len(columns)) < below]
                if not len(columns):
                    continue
                shown = scale
            current = w[columns]
            gradient = (sigmoid(bias + shown * float(current.sum())) - label[k]) * per_example[k]
            bias_sq += gradient * gradient
            bias -= learning_rate * gradient / math.sqrt(bias_sq)
            g = current * l2
            g += gradient * shown
            sq = squares[columns]
            sq += g * g
            squares[columns] = sq
            g *= learning_rate
            g /= np.sqrt(sq)
            current -= g
            w[columns] = current
    return design.model(w, bias)


def _sigmoid(x: _FloatArray) -> _FloatArray:
    """The logistic function, without overflow for large negative ``x``."""
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    z = np.exp(x[~positive])
    out[~positive] = z / (1.0 + z)
    return out
