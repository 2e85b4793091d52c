"""Small linear models over sparse string features: logistic (one score) and softmax (classes).

Inference is a dictionary lookup per feature, so a message costs microseconds. Training is a
deterministic AdaGrad stochastic gradient descent with L2 regularisation and per-example
weights, in pure Python: the training sets are a few thousand short texts, and the shipped
model must be rebuilt from data in one command on any machine (``python -m hygie.nlp.training``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass
class LinearModel:
    """P(positive) = sigmoid(bias + sum of the weights of the features present)."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0

    def score(self, features: Iterable[str]) -> float:
        weights = self.weights
        total = self.bias
        for feature in features:
            total += weights.get(feature, 0.0)
        return sigmoid(total)

    def to_json(self, *, precision: int = 4, prune: float = 1e-3) -> dict[str, Any]:
        return {
            "bias": round(self.bias, precision),
            "weights": {
                k: round(v, precision) for k, v in sorted(self.weights.items()) if abs(v) >= prune
            },
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> LinearModel:
        return cls({str(k): float(v) for k, v in doc["weights"].items()}, float(doc["bias"]))


@dataclass
class SoftmaxModel:
    """P(class) = softmax over classes of bias + sum of the feature weights."""

    classes: tuple[str, ...]
    weights: dict[str, list[float]] = field(default_factory=dict)
    bias: list[float] = field(default_factory=list)

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        totals = list(self.bias) if self.bias else [0.0] * len(self.classes)
        for feature in features:
            row = self.weights.get(feature)
            if row is not None:
                for index, value in enumerate(row):
                    totals[index] += value
        top = max(totals)
        exps = [math.exp(t - top) for t in totals]
        norm = sum(exps)
        return {c: e / norm for c, e in zip(self.classes, exps, strict=True)}

    def predict(self, features: Iterable[str]) -> str:
        probs = self.probabilities(features)
        return max(self.classes, key=lambda c: probs[c])

    def to_json(self, *, precision: int = 4, prune: float = 1e-3) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "bias": [round(b, precision) for b in self.bias],
            "weights": {
                k: [round(v, precision) for v in row]
                for k, row in sorted(self.weights.items())
                if max(abs(v) for v in row) >= prune
            },
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> SoftmaxModel:
        return cls(
            tuple(doc["classes"]),
            {str(k): [float(v) for v in row] for k, row in doc["weights"].items()},
            [float(b) for b in doc["bias"]],
        )


Example = tuple[Sequence[str], int, float]  # features, label (0/1 or class index), weight


def train_logistic(
    examples: Sequence[Example],
    *,
    epochs: int = 12,
    learning_rate: float = 0.3,
    l2: float = 1e-4,
    seed: int = 13,
) -> LinearModel:
    """Fit a :class:`LinearModel` (AdaGrad SGD on the log loss, L2 on the weights)."""
    weights: dict[str, float] = {}
    squares: dict[str, float] = {}
    bias = 0.0
    bias_sq = 1e-8
    order = list(range(len(examples)))
    rng = random.Random(seed)  # noqa: S311  (a reproducible order, not a secret)
    for _epoch in range(epochs):
        rng.shuffle(order)
        for index in order:
            features, label, weight = examples[index]
            total = bias
            for f in features:
                total += weights.get(f, 0.0)
            gradient = (sigmoid(total) - label) * weight
            bias_sq += gradient * gradient
            bias -= learning_rate * gradient / math.sqrt(bias_sq)
            for f in features:
                w = weights.get(f, 0.0)
                g = gradient + l2 * w
                sq = squares.get(f, 1e-8) + g * g
                squares[f] = sq
                weights[f] = w - learning_rate * g / math.sqrt(sq)
    return LinearModel(weights, bias)


def average(models: Sequence[LinearModel]) -> LinearModel:
    """The model whose weights and bias are the mean of ``models``' (a feature a model lacks
    weighs 0 in it). Stochastic gradient descent ends somewhere different for each order of
    the examples; the mean of several orders varies less from one training set to the next,
    and is scored exactly as fast as one model."""
    if not models:
        raise ValueError("no model to average")
    count = len(models)
    names = sorted(set().union(*(model.weights for model in models)))
    weights = {
        name: math.fsum(model.weights.get(name, 0.0) for model in models) / count for name in names
    }
    return LinearModel(weights, math.fsum(model.bias for model in models) / count)


def train_softmax(
    examples: Sequence[Example],
    classes: Sequence[str],
    *,
    epochs: int = 12,
    learning_rate: float = 0.3,
    l2: float = 1e-4,
    seed: int = 13,
) -> SoftmaxModel:
    """Fit a :class:`SoftmaxModel` (AdaGrad SGD on the cross-entropy)."""
    k = len(classes)
    model = SoftmaxModel(tuple(classes), {}, [0.0] * k)
    squares: dict[str, list[float]] = {}
    bias_sq = [1e-8] * k
    order = list(range(len(examples)))
    rng = random.Random(seed)  # noqa: S311  (a reproducible order, not a secret)
    for _epoch in range(epochs):
        rng.shuffle(order)
        for index in order:
            features, label, weight = examples[index]
            probs = model.probabilities(features)
            grads = [
                (probs[c] - (1.0 if i == label else 0.0)) * weight for i, c in enumerate(classes)
            ]
            for i in range(k):
                bias_sq[i] += grads[i] * grads[i]
                model.bias[i] -= learning_rate * grads[i] / math.sqrt(bias_sq[i])
            for f in features:
                row = model.weights.setdefault(f, [0.0] * k)
                sq = squares.setdefault(f, [1e-8] * k)
                for i in range(k):
                    g = grads[i] + l2 * row[i]
                    sq[i] += g * g
                    row[i] -= learning_rate * g / math.sqrt(sq[i])
    return model
