"""A learned "match success" term: past pairs' outcomes modelled on the engine's pair features.

The features are the engine's own factor values for a pair (so a model trained on past cohorts
reads new pairs exactly as the scoring does), plus two raw quantities the factors flatten: the
seniority gap in levels and the weekly overlap of working hours. The model is scikit-learn's
histogram gradient boosting, which finds thresholds and interactions a linear model misses, is
deterministic for a given seed, and is well calibrated with its log-loss objective.

Pure: no Django. The caller stores ``model_to_bytes`` output and reads it back with
``model_from_bytes``, which unpickles, so it must only ever be given bytes this code wrote.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from matching.engine.features import (
    FACTOR_FUNCTIONS,
    encode,
    overlap_hours,
    seniority_gap,
)
from matching.engine.types import MatchSettings, Mentee, Mentor, Weights

FACTOR_FEATURES = ("text", "skills", "language", "hours", "seniority", "diversity")
FEATURE_NAMES = (*FACTOR_FEATURES, "seniority_gap", "overlap_hours")
# Every factor switched on so each column is computed, whatever the cohort's own weights.
_ALL_FACTORS = Weights(text=1, skills=1, language=1, hours=1, seniority=1, diversity=1)
DECILES = 10
HOLDOUT_SHARE = 0.25
# Below this many pairs in either class the held-out AUC is noise, and fitting is refused.
MIN_PER_CLASS = 5


@dataclass(frozen=True)
class ReliabilityBin:
    """Pairs whose predicted success fell in [low, high): predicted mean vs observed rate."""

    low: float
    high: float
    count: int
    predicted: float
    observed: float


@dataclass(frozen=True)
class DecileOutcome:
    """Mean outcome of the training pairs whose predicted success falls below ``upper``."""

    upper: float
    success_rate: float
    mean_rating: float | None


@dataclass(frozen=True)
class LearnedModel:
    estimator: HistGradientBoostingClassifier
    feature_names: tuple[str, ...]
    n_pairs: int
    auc: float
    brier: float
    reliability: tuple[ReliabilityBin, ...]
    deciles: tuple[DecileOutcome, ...] = field(default=())
    positives: int = 0


def pair_features(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    pairs: Iterable[tuple[str, str]],
    settings: MatchSettings | None = None,
) -> np.ndarray:
    """One row per (mentee id, mentor id) pair, columns in FEATURE_NAMES order."""
    base = settings or MatchSettings()
    enc = encode(mentees, mentors, replace(base, weights=_ALL_FACTORS))
    wanted = list(pairs)
    rows = np.array([enc.mentee_index[mentee] for mentee, _ in wanted], dtype=np.int64)
    columns = np.array([enc.mentor_index[mentor] for _, mentor in wanted], dtype=np.int64)
    matrix = np.zeros((len(wanted), len(FEATURE_NAMES)), dtype=np.float64)
    if not wanted:
        return matrix
    for k, name in enumerate(FACTOR_FEATURES):
        try:
            matrix[:, k] = FACTOR_FUNCTIONS[name](enc, rows, columns)
        except AssertionError:
            # A factor with no data in this cohort (nobody wrote goals): zero, as in scoring.
            matrix[:, k] = 0.0
    matrix[:, len(FACTOR_FEATURES)] = seniority_gap(enc, rows, columns)
    matrix[:, len(FACTOR_FEATURES) + 1] = overlap_hours(enc, rows, columns)
    return matrix


def roc_auc(outcomes: np.ndarray, predicted: np.ndarray) -> float:
    return float(roc_auc_score(outcomes, predicted))


def reliability_table(
    outcomes: np.ndarray, predicted: np.ndarray, bins: int = 10
) -> tuple[ReliabilityBin, ...]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(predicted, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            table.append(
                ReliabilityBin(
                    low=float(edges[b]),
                    high=float(edges[b + 1]),
                    count=int(inside.sum()),
                    predicted=float(predicted[inside].mean()),
                    observed=float(outcomes[inside].mean()),
                )
            )
    return tuple(table)


def _deciles(
    predicted: np.ndarray, outcomes: np.ndarray, ratings: np.ndarray | None
) -> tuple[DecileOutcome, ...]:
    uppers = np.quantile(predicted, np.linspace(0.1, 1.0, DECILES))
    uppers[-1] = np.inf
    which = np.searchsorted(uppers, predicted, side="left")
    table = []
    for d, upper in enumerate(uppers):
        inside = which == d
        if not inside.any():
            continue
        rating = None
        if ratings is not None:
            rated = inside & ~np.isnan(ratings)
            rating = float(ratings[rated].mean()) if rated.any() else None
        table.append(
            DecileOutcome(
                upper=float(upper),
                success_rate=float(outcomes[inside].mean()),
                mean_rating=rating,
            )
        )
    return tuple(table)


def holdout_split(outcomes: np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and held-out pairs (stratified, so both hold each class)."""
    indices = np.arange(len(outcomes))
    train, test = train_test_split(
        indices, test_size=HOLDOUT_SHARE, random_state=seed, stratify=outcomes
    )
    return np.sort(train), np.sort(test)


def _estimator(seed: int) -> HistGradientBoostingClassifier:
    # Shallow trees and a slow learning rate: a few thousand noisy labels overfit deep ones.
    return HistGradientBoostingClassifier(
        max_iter=150,
        learning_rate=0.05,
        max_depth=3,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )


def fit(
    features: np.ndarray,
    outcomes: np.ndarray,
    *,
    ratings: np.ndarray | None = None,
    seed: int = 0,
) -> LearnedModel:
    """Fit on 75% of the pairs, measure AUC, Brier score and reliability on the other 25%,
    then refit on all of them for use (the reported figures describe the held-out fit).

    ``outcomes`` are 1 for a successful match, 0 otherwise; ``ratings`` (1-5, NaN when not
    rated) feed only the decile table the explanations quote.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != len(FEATURE_NAMES) or len(x) != len(y):
        raise ValueError("features must be a (pairs, features) matrix matching the outcomes")
    positives = int(y.sum())
    if min(positives, len(y) - positives) < MIN_PER_CLASS:
        raise ValueError(f"need at least {MIN_PER_CLASS} successful and unsuccessful pairs")
    train, test = holdout_split(y, seed=seed)
    x_test, y_test = x[test], y[test]
    # One OpenMP thread: the boosting's threads spin-wait for each other, and on a busy
    # machine (a worker beside the web) a fit took 57 s with a thread per core against 2.4 s
    # with one. The model is the same either way.
    with threadpool_limits(limits=1):
        held_out = _estimator(seed).fit(x[train], y[train])
        predicted = held_out.predict_proba(x_test)[:, 1]
        estimator = _estimator(seed).fit(x, y)
        in_sample = estimator.predict_proba(x)[:, 1]
    rated = None if ratings is None else np.asarray(ratings, dtype=np.float64)
    return LearnedModel(
        estimator=estimator,
        feature_names=FEATURE_NAMES,
        n_pairs=len(y),
        auc=roc_auc(y_test, predicted),
        brier=float(brier_score_loss(y_test, predicted)),
        reliability=reliability_table(y_test, predicted),
        deciles=_deciles(in_sample, y, rated),
        positives=positives,
    )


def predict(model: LearnedModel, features: np.ndarray) -> np.ndarray:
    """Predicted probability of success per row, in [0, 1]."""
    if len(features) == 0:
        return np.zeros(0, dtype=np.float64)
    probabilities: np.ndarray = model.estimator.predict_proba(np.asarray(features))[:, 1]
    return probabilities


def decile_of(model: LearnedModel, probability: float) -> DecileOutcome | None:
    for decile in model.deciles:
        if probability <= decile.upper:
            return decile
    return model.deciles[-1] if model.deciles else None


def model_to_bytes(model: LearnedModel) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def model_from_bytes(blob: bytes) -> LearnedModel:
    """Only for bytes ``model_to_bytes`` produced and this application stored itself:
    unpickling runs code, so never pass it anything a user could have supplied."""
    model = pickle.loads(blob)  # noqa: S301 - see the docstring
    if not isinstance(model, LearnedModel):
        raise TypeError("not a learned match model")
    return model
