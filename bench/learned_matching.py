"""Learned match success: how close the model comes to the rule that generated the outcomes.

    .venv/bin/python -m bench.learned_matching                  # 5,000 labelled pairs
    .venv/bin/python -m bench.learned_matching --pairs 1000 --seeds 1

Synthetic cohorts come from bench.matching (realistic skills, languages, time zones,
seniority); pairs are drawn at random and scored by the engine's pair features. A hidden rule
(skills and goals matter, a seniority gap of one to three levels helps, little overlap of
working hours hurts, sharing no language hurts most, and skills count double when the hours
fit) gives each pair a probability of success; the outcome is a coin flip with that
probability, so even the hidden rule cannot predict it perfectly. The hidden rule's AUC on the
held-out pairs is the ceiling. Prints one JSON line per seed and one summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from bench.matching import make_cohort
from matching.engine.learned import (
    FEATURE_NAMES,
    fit,
    holdout_split,
    pair_features,
    predict,
    roc_auc,
)

GOAL = 0.03


def hidden_probability(features: np.ndarray) -> np.ndarray:
    column = {name: features[:, k] for k, name in enumerate(FEATURE_NAMES)}
    gap = column["seniority_gap"]
    good_gap = ((gap >= 1) & (gap <= 3)).astype(float)
    hours_fit = (column["overlap_hours"] >= 15).astype(float)
    logit = (
        -2.0
        + 3.0 * column["skills"]
        + 2.0 * column["skills"] * hours_fit
        + 2.5 * column["text"]
        + 1.2 * good_gap
        - 1.5 * (column["overlap_hours"] < 5)
        - 1.5 * (1 - column["language"])
    )
    probability: np.ndarray = 1.0 / (1.0 + np.exp(-logit))
    return probability


def run(pairs: int, seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    mentees, mentors = make_cohort(pairs, max(pairs // 4, 50), capacity=4, seed=seed)
    chosen = [
        (mentees[int(i)].id, mentors[int(j)].id)
        for i, j in zip(
            rng.integers(len(mentees), size=pairs),
            rng.integers(len(mentors), size=pairs),
            strict=True,
        )
    ]
    chosen = list(dict.fromkeys(chosen))
    started = time.perf_counter()
    features = pair_features(mentees, mentors, chosen)
    featured = time.perf_counter() - started
    truth = hidden_probability(features)
    outcomes = (rng.random(len(truth)) < truth).astype(np.int64)
    # A rating from 1 to 5 that follows the same hidden probability, for the decile table.
    ratings = np.clip(np.round(1 + 4 * truth + rng.normal(0, 0.6, len(truth))), 1, 5)
    started = time.perf_counter()
    model = fit(features, outcomes, ratings=ratings, seed=seed)
    fitted = time.perf_counter() - started
    _, test = holdout_split(outcomes, seed=seed)
    ceiling = roc_auc(outcomes[test], truth[test])
    in_sample = predict(model, features[test])
    return {
        "case": "learned_matching",
        "seed": seed,
        "labelled_pairs": len(outcomes),
        "held_out_pairs": len(test),
        "success_rate": round(float(outcomes.mean()), 4),
        "model_auc": round(model.auc, 4),
        "ceiling_auc": round(ceiling, 4),
        "gap": round(ceiling - model.auc, 4),
        "within_goal": ceiling - model.auc <= GOAL,
        "brier": round(model.brier, 4),
        "ceiling_brier": round(float(np.mean((truth[test] - outcomes[test]) ** 2)), 4),
        "reliability": [
            {
                "bin": f"{b.low:.1f}-{b.high:.1f}",
                "n": b.count,
                "predicted": round(b.predicted, 3),
                "observed": round(b.observed, 3),
            }
            for b in model.reliability
        ],
        "refit_auc_on_held_out_pairs": round(roc_auc(outcomes[test], in_sample), 4),
        "features_seconds": round(featured, 2),
        "fit_seconds": round(fitted, 2),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    gaps = []
    for seed in range(args.seeds):
        line = run(args.pairs, seed)
        gaps.append(float(line["gap"]))  # type: ignore[arg-type]
        print(json.dumps(line), flush=True)
    summary = {
        "case": "learned_matching_summary",
        "pairs": args.pairs,
        "seeds": args.seeds,
        "mean_gap": round(float(np.mean(gaps)), 4),
        "worst_gap": round(float(np.max(gaps)), 4),
        "goal": GOAL,
        "within_goal": float(np.max(gaps)) <= GOAL,
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
