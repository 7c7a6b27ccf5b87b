"""The learned "match success" factor on the Django side: storing a program's trained model,
offering it once it has learned from enough pairs, and blending its predictions into a round.

Training data is gathered by analytics (analytics/learning.py), which calls
`learned_model_store`; the model itself is the engine's (matching/engine/learned.py).

How a round uses it: with a cohort weight `learned` above zero and a usable model, every pair
the hard rules allow is scored by the engine as usual, its predicted success is mixed in with
the weight's share of the total weight, and the engine solves on those explicit pair scores.
The chosen pairs are then explained by the engine's factors (each scaled by its share) plus a
"learned" factor whose sentence quotes how pairs like this one rated their match. The engine
itself stays as it is: every mode, pins and forbidden pairs included, works on explicit scores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from matching.config import WEIGHT_NAMES, CohortMatchingConfig, config_from_json
from matching.engine import (
    FactorContribution,
    MatchResult,
    MatchSettings,
    Mentee,
    Mentor,
    PairScore,
    explain,
)
from matching.engine.learned import (
    LearnedModel,
    decile_of,
    model_from_bytes,
    model_to_bytes,
    pair_features,
    predict,
)
from matching.engine.messages import phrase
from matching.models import LearnedMatchModel

if TYPE_CHECKING:
    from organizations.models import Organization
    from programs.models import Cohort, Program

# Labelled pairs a program needs before admins are offered the factor: below a few hundred,
# the held-out AUC moves by several points from one night to the next.
LEARNED_THRESHOLD = 200
LEARNED_WEIGHT = "learned"
# Scoring every allowed pair is quadratic; above this many pairs the round runs without it.
MAX_LEARNED_PAIRS = 2_000_000


def learned_model_store(
    *,
    organization: Organization,
    program: Program,
    model: LearnedModel,
    trained_at: dt.datetime,
) -> LearnedMatchModel:
    """Keep the newest model of a program (older ones are deleted: only the newest is used)."""
    if program.organization_id != organization.pk:
        raise ValueError("program of another organization")
    stored = LearnedMatchModel.objects.create(
        organization=organization,
        program=program,
        trained_at=trained_at,
        n_pairs=model.n_pairs,
        positive_pairs=model.positives,
        auc=model.auc,
        brier=model.brier,
        model=model_to_bytes(model),
        feature_names=list(model.feature_names),
        deciles=[
            {"upper": d.upper if np.isfinite(d.upper) else None, "success_rate": d.success_rate,
             "mean_rating": d.mean_rating}
            for d in model.deciles
        ],
    )  # fmt: skip
    LearnedMatchModel.objects.for_org(organization).filter(program=program).exclude(
        pk=stored.pk
    ).delete()
    return stored


def learned_model_get(*, organization: Organization, program_id: int) -> LearnedMatchModel | None:
    return (
        LearnedMatchModel.objects.for_org(organization)
        .filter(program_id=program_id)
        .defer("model")
        .first()
    )


def learned_model_offered(stored: LearnedMatchModel | None) -> bool:
    return stored is not None and stored.n_pairs >= LEARNED_THRESHOLD


def learned_weight(config: CohortMatchingConfig) -> float:
    return float(config.weights.get(LEARNED_WEIGHT, 0.0) or 0.0)


@dataclass(frozen=True)
class LearnedRound:
    """A round's pair scores with the learned factor mixed in, and how to explain its pairs."""

    model: LearnedModel
    share: float  # of the learned factor in each pair's score
    pair_scores: tuple[PairScore, ...]
    success: dict[tuple[str, str], float]

    def explain(
        self,
        mentees: Sequence[Mentee],
        mentors: Sequence[Mentor],
        settings: MatchSettings,
        result: MatchResult,
    ) -> MatchResult:
        chosen = [(pair.mentee_id, pair.mentor_id) for pair in result.pairs]
        explained = {
            (pair.mentee_id, pair.mentor_id): pair
            for pair in explain(mentees, mentors, chosen, settings)
        }
        pairs = []
        for pair in result.pairs:
            key = (pair.mentee_id, pair.mentor_id)
            base = explained[key]
            factors = [
                replace(f, contribution=f.contribution * (1 - self.share)) for f in base.factors
            ]
            factors.append(self.factor(self.success.get(key, 0.0)))
            pairs.append(replace(pair, factors=tuple(factors)))
        return replace(result, pairs=tuple(pairs))

    def factor(self, success: float) -> FactorContribution:
        said = learned_phrase(self.model, success)
        return FactorContribution(
            "learned", float(success), float(success * self.share), said.text, said
        )


def learned_phrase(model: LearnedModel, success: float) -> Any:
    decile = decile_of(model, success)
    if decile is not None and decile.mean_rating is not None:
        return phrase("learned.rating", rating=f"{decile.mean_rating:.1f}")
    rate = decile.success_rate if decile is not None else success
    return phrase("learned.success", percent=round(100 * rate))


def _weight_sum(config: CohortMatchingConfig) -> float:
    return sum(float(config.weights.get(name, 0.0)) for name in WEIGHT_NAMES)


def learned_round(
    *,
    organization: Organization,
    program_id: int,
    config: CohortMatchingConfig,
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
) -> LearnedRound | None:
    """The learned factor for a round, or None when the cohort gives it no weight, the program
    has no model past the threshold, or the cohort is too large to score every pair."""
    weight = learned_weight(config)
    if weight <= 0 or not mentees or not mentors:
        return None
    stored = LearnedMatchModel.objects.for_org(organization).filter(program_id=program_id).first()
    if not learned_model_offered(stored) or len(mentees) * len(mentors) > MAX_LEARNED_PAIRS:
        return None
    assert stored is not None
    model = model_from_bytes(bytes(stored.model))
    every_pair = [(mentee.id, mentor.id) for mentee in mentees for mentor in mentors]
    scored = explain(mentees, mentors, every_pair, settings)
    allowed = [pair for pair in scored if not any(f.factor == "rule" for f in pair.factors)]
    keys = [(pair.mentee_id, pair.mentor_id) for pair in allowed]
    success = predict(model, pair_features(mentees, mentors, keys, settings))
    share = weight / (weight + _weight_sum(config))
    scores = tuple(
        PairScore(
            pair.mentee_id,
            pair.mentor_id,
            float(np.clip((1 - share) * pair.score + share * p, 0.0, 1.0)),
        )
        for pair, p in zip(allowed, success, strict=True)
    )
    return LearnedRound(
        model=model,
        share=share,
        pair_scores=scores,
        success={key: float(p) for key, p in zip(keys, success, strict=True)},
    )


def learned_round_for(
    *,
    organization: Organization,
    cohort: Cohort,
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
) -> LearnedRound | None:
    """`learned_round` for a cohort's round, reading the cohort's own matching settings."""
    return learned_round(
        organization=organization,
        program_id=cohort.program_id,
        config=config_from_json(cohort.matching_settings),
        mentees=mentees,
        mentors=mentors,
        settings=settings,
    )


@dataclass(frozen=True)
class LearnedStatus:
    """What the cohort's matching settings page says about the program's success model."""

    model: LearnedMatchModel | None
    threshold: int
    weight: float

    @property
    def offered(self) -> bool:
        return learned_model_offered(self.model)


def learned_status(*, organization: Organization, cohort: Cohort) -> LearnedStatus:
    return LearnedStatus(
        model=learned_model_get(organization=organization, program_id=cohort.program_id),
        threshold=LEARNED_THRESHOLD,
        weight=learned_weight(config_from_json(cohort.matching_settings)),
    )
