"""The NumPy training of the linear models gives the pure-Python training's models."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from hygie.nlp import adagrad
from hygie.nlp.model import LinearModel, train_logistic


def _examples(count: int = 400, seed: int = 3) -> list[tuple[list[str], int, float]]:
    """Texts of 30 features out of 500; positive when ``f1`` is there, or ``f2`` mostly."""
    rng = random.Random(seed)  # noqa: S311  (reproducible test data)
    vocabulary = [f"f{i}" for i in range(500)]
    out = []
    for _ in range(count):
        features = sorted(set(rng.sample(vocabulary, 30)))
        label = int("f1" in features or ("f2" in features and rng.random() < 0.8))
        out.append((features, label, rng.choice((1.0, 2.0))))
    return out


def _largest_difference(a: LinearModel, b: LinearModel) -> float:
    names = set(a.weights) | set(b.weights)
    weights = max(abs(a.weights.get(n, 0.0) - b.weights.get(n, 0.0)) for n in names)
    return max(weights, abs(a.bias - b.bias))


def test_the_numpy_training_gives_the_pure_python_model_up_to_rounding() -> None:
    examples = _examples()
    expected = train_logistic(examples, epochs=4, l2=1e-3, seed=7)
    design = adagrad.Design.of([features for features, _label, _weight in examples])
    got = adagrad.train_logistic(
        design,
        [label for _features, label, _weight in examples],
        weights=np.array([weight for _features, _label, weight in examples]),
        epochs=4,
        l2=1e-3,
        seed=7,
    )
    assert _largest_difference(expected, got) < 1e-9
    # It learnt something: the feature that makes a positive weighs most.
    assert max(got.weights, key=lambda name: got.weights[name]) == "f1"


def test_several_labelings_trained_at_once_each_give_the_model_trained_alone() -> None:
    examples = _examples(seed=5)
    design = adagrad.Design.of([features for features, _label, _weight in examples])
    labels = [label for _features, label, _weight in examples]
    other = [int("f3" in features) for features, _label, _weight in examples]
    per_example = [weight for _features, _label, weight in examples]
    weights, biases = adagrad.train_logistic_many(
        design, np.array([labels, other], dtype=float).T, weights=np.array(per_example), epochs=3
    )
    for column, truth in enumerate((labels, other)):
        alone = train_logistic(
            [(features, y, w) for (features, _l, w), y in zip(examples, truth, strict=True)],
            epochs=3,
        )
        together = design.model(weights[:, column], float(biases[column]))
        assert _largest_difference(alone, together) < 1e-9


def test_the_model_holds_the_features_that_have_a_weight_and_only_those() -> None:
    design = adagrad.Design.of([["a", "b"], ["b", "c"], ["c", "d"]])
    assert design.names == ("a", "b", "c", "d")
    assert [list(row) for row in design.rows] == [[0, 1], [1, 2], [2, 3]]
    model = design.model(np.array([0.5, 0.0, -1.0, 0.0]), 0.25)
    assert model.weights == {"a": 0.5, "c": -1.0} and model.bias == 0.25


def test_labels_or_weights_that_do_not_match_the_examples_are_refused() -> None:
    design = adagrad.Design.of([["a"], ["b"]])
    with pytest.raises(ValueError, match="one label and one weight per example"):
        adagrad.train_logistic(design, [1])
    # Models × examples instead of examples × models.
    with pytest.raises(ValueError, match="one label and one weight per example"):
        adagrad.train_logistic_many(design, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="one label and one weight per example"):
        adagrad.train_logistic_many(design, np.zeros((2, 3)), weights=np.ones(3))
    with pytest.raises(ValueError, match="one weight per feature"):
        design.model(np.zeros((2, 1)), 0.0)


def _redundant_cues() -> tuple[adagrad.Design, list[int]]:
    """Positive texts always carry the cue ``a`` and half of them ``b`` too; negative texts
    carry ``c``; every text has some noise."""
    rng = random.Random(5)  # noqa: S311  (reproducible test data)
    rows, labels = [], []
    for number in range(200):
        positive = number % 2 == 0
        cues = (["a", "b"] if number % 4 == 0 else ["a"]) if positive else ["c"]
        rows.append([*cues, *rng.sample([f"n{i}" for i in range(40)], 5)])
        labels.append(int(positive))
    return adagrad.Design.of(rows), labels


def test_dropout_teaches_the_model_the_cues_that_another_cue_made_redundant() -> None:
    design, labels = _redundant_cues()
    plain = adagrad.train_logistic(design, labels, epochs=10)
    dropped = adagrad.train_logistic(design, labels, epochs=10, keep=0.8)

    # A new author writes the second cue without the first: the model that never saw every
    # cue at once gave it a larger share of the weight.
    def share(model: LinearModel) -> float:
        return model.weights["b"] / model.weights["a"]

    assert share(dropped) > share(plain) + 0.2
    assert dropped.score({"b"}) > plain.score({"b"})
    assert dropped.score({"a", "b"}) > 0.99 and dropped.score({"c"}) < 0.05


def _dropout_reference(
    rows: list[list[int]], labels: list[int], size: int, epochs: int, seed: int, keep: float
) -> tuple[list[float], float]:
    """Dropout AdaGrad written out plainly, one feature at a time: each visit shows a feature
    when its raw PCG64 draw is below ``keep`` of the range (a lone feature always), weighs the
    shown ones ``1 / keep`` and updates only them; a visit that shows nothing is skipped."""
    weights, squares = [0.0] * size, [1e-8] * size
    bias, bias_square = 0.0, 1e-8
    draws = np.random.PCG64(seed)
    order = list(range(len(rows)))
    shuffler = random.Random(seed)  # noqa: S311  (the trainer's order)
    for _epoch in range(epochs):
        shuffler.shuffle(order)
        for k in order:
            row, scale = rows[k], 1.0
            if len(row) > 1:
                raw = draws.random_raw(len(row))
                row = [c for c, r in zip(row, raw, strict=True) if int(r) < keep * 2.0**64]
                scale = 1.0 / keep
                if not row:
                    continue
            total = bias + scale * sum(weights[c] for c in row)
            gradient = 1.0 / (1.0 + math.exp(-total)) - labels[k]
            bias_square += gradient * gradient
            bias -= 0.3 * gradient / math.sqrt(bias_square)
            for c in row:
                g = 1e-4 * weights[c] + gradient * scale
                squares[c] += g * g
                weights[c] -= 0.3 * g / math.sqrt(squares[c])
    return weights, bias


def test_dropout_is_adagrad_on_the_features_shown_weighted_by_one_over_keep() -> None:
    rng = random.Random(9)  # noqa: S311  (reproducible test data)
    # Rows of one feature (always shown), of two (often all hidden at keep 0.4) and of more.
    rows = [sorted(rng.sample(range(12), rng.choice((1, 2, 5)))) for _ in range(60)]
    labels = [int(0 in row or 1 in row) for row in rows]
    design = adagrad.Design.of([[f"f{c}" for c in row] for row in rows])
    got = adagrad.train_logistic(design, labels, epochs=3, l2=1e-4, seed=8, keep=0.4)
    columns = {name: number for number, name in enumerate(design.names)}
    renumbered = [sorted(columns[f"f{c}"] for c in row) for row in rows]
    weights, bias = _dropout_reference(renumbered, labels, len(columns), 3, 8, 0.4)
    expected = design.model(np.array(weights), bias)
    assert _largest_difference(got, expected) < 1e-9
    plain = adagrad.train_logistic(design, labels, epochs=3, l2=1e-4, seed=8)
    assert _largest_difference(got, plain) > 0.01  # features were hidden


def test_keeping_every_feature_is_the_pure_python_trainer() -> None:
    examples = _examples(count=120)
    expected = train_logistic([(f, label, 1.0) for f, label, _w in examples], epochs=3, seed=2)
    design = adagrad.Design.of([features for features, _label, _weight in examples])
    got = adagrad.train_logistic(
        design, [label for _f, label, _w in examples], epochs=3, seed=2, keep=1.0
    )
    assert _largest_difference(got, expected) < 1e-9


def test_the_same_seed_draws_the_same_hidden_features() -> None:
    design, labels = _redundant_cues()
    once = adagrad.train_logistic(design, labels, epochs=3, keep=0.7, seed=4)
    again = adagrad.train_logistic(design, labels, epochs=3, keep=0.7, seed=4)
    assert once.weights == again.weights and once.bias == again.bias


@pytest.mark.parametrize("keep", [0.0, -0.5, 1.5])
def test_a_share_of_features_to_keep_outside_zero_to_one_is_refused(keep: float) -> None:
    design, labels = _redundant_cues()
    with pytest.raises(ValueError, match="keep is a probability above zero"):
        adagrad.train_logistic(design, labels, keep=keep)
