"""The small linear models (hygie.nlp.model): averaging several trainings."""

from __future__ import annotations

import pytest

from hygie.nlp.model import LinearModel, average, sigmoid, train_logistic


def test_the_mean_of_models_weighs_each_feature_by_its_mean_a_missing_one_counting_zero() -> None:
    mean = average([LinearModel({"a": 1.0, "b": 2.0}, bias=1.0), LinearModel({"a": 3.0}, bias=0.0)])
    assert mean.weights == {"a": 2.0, "b": 1.0}
    assert mean.bias == 0.5
    # Scoring the mean is scoring one model, at the mean of the two totals (4 and 3).
    assert mean.score(["a", "b"]) == pytest.approx(sigmoid(3.5))


def test_models_trained_over_different_orders_differ_and_their_mean_lies_between_them() -> None:
    data = [(["good", f"w{i % 7}"], 1, 1.0) for i in range(40)]
    data += [(["bad", f"w{i % 5}"], 0, 1.0) for i in range(40)]
    first, second = (train_logistic(data, epochs=3, seed=seed) for seed in (1, 2))
    assert first.weights != second.weights
    mean = average([first, second])
    for name in ("good", "bad", "w3"):
        low, high = sorted((first.weights[name], second.weights[name]))
        assert low <= mean.weights[name] <= high
    assert mean.score(["good"]) > 0.5 > mean.score(["bad"])


def test_averaging_no_model_is_refused() -> None:
    with pytest.raises(ValueError, match="no model"):
        average([])
