"""Labels for the learned "match success" factor: which past pairs of a program went well,
gathered from the mentorships, their check-ins and the surveys' "good match" answers, then
turned into the engine's pair features and trained (matching/engine/learned.py), and stored
through matching (matching/learned.py).

A pair is labelled once its mentorship is CONTINUED_AFTER_DAYS old (or closed). Its outcome:
- the named "good match" answers about it (survey_outcomes), when any said yes or no: the
  majority of them (a tie counts as not a good match);
- otherwise whether it kept meeting: at least CONTINUED_CHECK_INS held check-ins in its first
  CONTINUED_AFTER_DAYS days.
Its rating (for the explanations' "rated their match 4.6/5"): the mean of the 1-5 "good match"
answers, or else the mean check-in rating its mentee gave. Groups and boards (several mentees)
are left out: the model describes one mentor with one mentee.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db.models import Avg, Count, F
from django.utils import timezone

from analytics.metrics import Scope, held_check_ins
from core.tenancy import for_each_organization
from matching.adapters import as_mentee, as_mentor
from matching.config import config_from_json, engine_settings
from matching.engine.learned import FEATURE_NAMES, MIN_PER_CLASS, fit, pair_features
from matching.learned import learned_model_store
from matching.models import LearnedMatchModel
from mentorships.models import CheckInRecord, Mentorship, MentorshipMentee
from participants.models import Participant
from programs.models import Cohort, Program
from surveys.results import survey_outcomes

if TYPE_CHECKING:
    from organizations.models import Organization

logger = logging.getLogger(__name__)

CONTINUED_AFTER_DAYS = 60
CONTINUED_CHECK_INS = 3
# Fewer labelled pairs than this and a model is not even trained (the admins' threshold for
# offering it, matching.learned.LEARNED_THRESHOLD, is higher).
MIN_TRAINING_PAIRS = 40


@dataclass(frozen=True)
class LabelledPair:
    mentorship_id: int
    cohort_id: int
    mentee: Participant
    mentor: Participant
    success: bool
    rating: float | None
    source: str  # "survey" or "check_ins"


def _survey_verdicts(
    organization: Organization, program: Program
) -> tuple[dict[int, bool], dict[int, float]]:
    answers: dict[int, list[bool]] = defaultdict(list)
    ratings: dict[int, list[float]] = defaultdict(list)
    for answer in survey_outcomes(organization=organization, program=program).good_match:
        if answer.good is not None:
            answers[answer.mentorship_id].append(answer.good)
        if answer.value.isdigit() and 1 <= int(answer.value) <= 5:
            ratings[answer.mentorship_id].append(float(answer.value))
    verdicts = {pk: sum(said) * 2 > len(said) for pk, said in answers.items()}
    means = {pk: float(np.mean(values)) for pk, values in ratings.items()}
    return verdicts, means


def labelled_pairs(
    *, organization: Organization, program: Program, today: dt.date | None = None
) -> list[LabelledPair]:
    """The program's one-to-one pairs old enough to judge, with their outcome. A fixed number
    of queries whatever the number of pairs."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=CONTINUED_AFTER_DAYS)
    mentorships = {
        m.pk: m
        for m in Mentorship.objects.for_org(organization)
        .filter(cohort__program=program, started_on__lte=cutoff)
        .annotate(seats=Count("mentees"))
        .filter(seats=1)
        .select_related("mentor")
    }
    if not mentorships:
        return []
    seats = MentorshipMentee.objects.for_org(organization).filter(
        mentorship_id__in=list(mentorships)
    )
    mentee_of = {seat.mentorship_id: seat.mentee for seat in seats.select_related("mentee")}
    held = held_check_ins(Scope(organization, program_id=program.pk), before=timezone.now())
    held = held.filter(mentorship_id__in=list(mentorships))
    met: dict[int, int] = defaultdict(int)
    for mentorship_id, starts_at in held.values_list("mentorship_id", "starts_at"):
        started = mentorships[mentorship_id].started_on
        if timezone.localdate(starts_at) < started + dt.timedelta(days=CONTINUED_AFTER_DAYS):
            met[mentorship_id] += 1
    check_in_ratings = dict(
        CheckInRecord.objects.for_org(organization)
        .filter(check_in__in=held.values("pk"), rating__isnull=False)
        .exclude(participant_id=F("check_in__mentorship__mentor_id"))
        .values("check_in__mentorship_id")
        .annotate(average=Avg("rating"))
        .values_list("check_in__mentorship_id", "average")
    )
    verdicts, survey_ratings = _survey_verdicts(organization, program)
    pairs = []
    for pk, mentorship in sorted(mentorships.items()):
        mentee = mentee_of.get(pk)
        if mentee is None:
            continue
        from_survey = pk in verdicts
        success = verdicts[pk] if from_survey else met[pk] >= CONTINUED_CHECK_INS
        rating = survey_ratings.get(pk, check_in_ratings.get(pk))
        pairs.append(
            LabelledPair(
                mentorship_id=pk,
                cohort_id=mentorship.cohort_id,
                mentee=mentee,
                mentor=mentorship.mentor,
                success=success,
                rating=None if rating is None else float(rating),
                source="survey" if from_survey else "check_ins",
            )
        )
    return pairs


def _features(organization: Organization, pairs: list[LabelledPair]) -> np.ndarray:
    """The engine's pair features, each cohort encoded with its own matching settings."""
    matrix = np.zeros((len(pairs), len(FEATURE_NAMES)))
    by_cohort: dict[int, list[int]] = defaultdict(list)
    for index, pair in enumerate(pairs):
        by_cohort[pair.cohort_id].append(index)
    cohorts = Cohort.objects.for_org(organization).filter(pk__in=list(by_cohort))
    for cohort in cohorts.select_related("program"):
        indices = by_cohort[cohort.pk]
        mentees = {pairs[i].mentee.pk: pairs[i].mentee for i in indices}
        mentors = {pairs[i].mentor.pk: pairs[i].mentor for i in indices}
        settings = engine_settings(cohort, config_from_json(cohort.matching_settings))
        matrix[indices] = pair_features(
            [as_mentee(p) for p in mentees.values()],
            [as_mentor(p) for p in mentors.values()],
            [(str(pairs[i].mentee.pk), str(pairs[i].mentor.pk)) for i in indices],
            settings,
        )
    return matrix


def learned_model_train(
    *, organization: Organization, program: Program, seed: int = 0
) -> LearnedMatchModel | None:
    """Train and store the program's model; None (and nothing stored) when its past pairs are
    too few or all went the same way."""
    pairs = labelled_pairs(organization=organization, program=program)
    outcomes = np.array([pair.success for pair in pairs], dtype=np.int64)
    positives = int(outcomes.sum())
    if len(pairs) < MIN_TRAINING_PAIRS or min(positives, len(pairs) - positives) < MIN_PER_CLASS:
        logger.info("program %s: %s labelled pairs, no model trained", program.pk, len(pairs))
        return None
    ratings = np.array([np.nan if p.rating is None else p.rating for p in pairs])
    model = fit(_features(organization, pairs), outcomes, ratings=ratings, seed=seed)
    return learned_model_store(
        organization=organization, program=program, model=model, trained_at=timezone.now()
    )


def learned_models_train(*, organization: Organization) -> dict[str, int]:
    """Every program of the organization, as the nightly task runs it."""
    trained = skipped = 0
    for program in Program.objects.for_org(organization).order_by("pk"):
        if learned_model_train(organization=organization, program=program) is None:
            skipped += 1
        else:
            trained += 1
    return {"trained": trained, "skipped": skipped}


def learned_models_train_everywhere() -> None:
    """The nightly run: every organization, each inside its own scope."""
    from organizations.models import Organization

    ids = Organization.objects.values_list("pk", flat=True)
    for_each_organization(ids, lambda organization: learned_models_train(organization=organization))


def learned_model_train_by_id(*, organization: Organization, program_id: int) -> None:
    program = Program.objects.for_org(organization).filter(pk=program_id).first()
    if program is None:
        logger.warning("program %s is gone; its model is not trained", program_id)
        return
    learned_model_train(organization=organization, program=program)
