"""The learned success model: features from the engine, a planted rule recovered, calibration."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from matching.engine import Language, Mentee, Mentor, WorkingHours
from matching.engine.learned import (
    FEATURE_NAMES,
    LearnedModel,
    decile_of,
    fit,
    model_from_bytes,
    model_to_bytes,
    pair_features,
    predict,
)


@pytest.fixture(scope="module", autouse=True)
def one_openmp_thread():
    """The gradient boosting's OpenMP threads spin-wait for each other: on a busy machine a fit
    took 57 s with a thread per core and 2.4 s with one. The figures tested are the same."""
    with threadpool_limits(limits=1):
        yield


def _planted(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.random((n, len(FEATURE_NAMES)))
    features[:, FEATURE_NAMES.index("seniority_gap")] = rng.integers(-2, 6, n)
    # Success is decided by the skills factor alone, with 10% of labels flipped.
    outcomes = (features[:, FEATURE_NAMES.index("skills")] > 0.5).astype(np.int64)
    flipped = rng.random(n) < 0.1
    outcomes[flipped] = 1 - outcomes[flipped]
    ratings = np.where(outcomes == 1, 4.6, 2.0)
    return features, outcomes, ratings


def test_pair_features_are_the_engine_factors_of_each_pair() -> None:
    hours = WorkingHours(dt.time(9), dt.time(17))
    mentees = [Mentee("a", skills_wanted=("sql", "python"), languages=(Language("en"),),
                      seniority=2, working_hours=hours, country="BR")]  # fmt: skip
    mentors = [
        Mentor("x", skills_offered=("sql", "python"), languages=(Language("en"),), seniority=4,
               working_hours=hours, country="DE"),
        Mentor("y", skills_offered=("sales",), languages=(Language("fr"),), seniority=2,
               working_hours=hours, country="BR"),
    ]  # fmt: skip
    matrix = pair_features(mentees, mentors, [("a", "x"), ("a", "y")])
    column = {name: matrix[:, k] for k, name in enumerate(FEATURE_NAMES)}
    assert matrix.shape == (2, len(FEATURE_NAMES))
    assert column["skills"].tolist() == [1.0, 0.0]
    assert column["language"].tolist() == [1.0, 0.0]
    assert column["seniority_gap"].tolist() == [2.0, 0.0]
    assert column["diversity"].tolist() == [1.0, 0.0]
    assert column["overlap_hours"][0] == pytest.approx(40.0)


def test_fit_recovers_a_planted_rule() -> None:
    features, outcomes, ratings = _planted(1500, seed=1)
    model = fit(features, outcomes, ratings=ratings, seed=3)
    # 10% label noise caps the AUC near 0.9; a model that missed the rule would sit near 0.5.
    assert model.auc > 0.85
    fresh, _, _ = _planted(500, seed=2)
    predicted = predict(model, fresh)
    skills = fresh[:, FEATURE_NAMES.index("skills")]
    assert predicted[skills > 0.6].mean() > 0.8
    assert predicted[skills < 0.4].mean() < 0.2
    assert model.n_pairs == 1500


def test_fit_is_deterministic_for_a_seed() -> None:
    features, outcomes, _ = _planted(600, seed=4)
    first = fit(features, outcomes, seed=7)
    second = fit(features, outcomes, seed=7)
    assert first.auc == second.auc
    assert np.array_equal(predict(first, features), predict(second, features))


@pytest.fixture(scope="module")
def planted_fit(one_openmp_thread) -> tuple[np.ndarray, LearnedModel]:
    """One seed-0 fit on 2,000 planted pairs with ratings, shared by the tests that only read it
    (calibration, the decile table, the round trip): each fit costs seconds."""
    features, outcomes, ratings = _planted(2000, seed=5)
    return features, fit(features, outcomes, ratings=ratings, seed=0)


def test_predictions_are_calibrated_on_held_out_pairs(planted_fit) -> None:
    _features, model = planted_fit
    assert model.brier < 0.12
    counted = sum(b.count for b in model.reliability)
    assert counted == 500  # the held-out quarter
    for b in model.reliability:
        if b.count >= 50:
            assert abs(b.predicted - b.observed) < 0.1


def test_decile_table_quotes_the_mean_rating_of_similar_pairs(planted_fit) -> None:
    _features, model = planted_fit
    best = decile_of(model, 0.99)
    worst = decile_of(model, 0.0)
    assert best is not None and worst is not None
    assert best.mean_rating is not None and best.mean_rating > 4.0
    assert worst.mean_rating is not None and worst.mean_rating < 2.8


def test_model_round_trips_through_bytes(planted_fit) -> None:
    features, model = planted_fit
    again = model_from_bytes(model_to_bytes(model))
    assert np.array_equal(predict(again, features), predict(model, features))


def test_fit_refuses_labels_of_one_class() -> None:
    features, _, _ = _planted(100, seed=9)
    with pytest.raises(ValueError, match="successful and unsuccessful"):
        fit(features, np.ones(100, dtype=np.int64))
