"""Labels for the learned match-success model: which past pairs count, how their outcome is
decided, and the training that stores a program's model through matching."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from analytics import learning
from analytics.tasks_learning import train_learned_models_task
from matching.models import LearnedMatchModel
from mentorships.models import CheckInRecord
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory
from tests.mentorships.factories import CheckInFactory, MentorshipFactory

pytestmark = pytest.mark.django_db


def _pair(cohort, *, days_old, meetings, meetings_after_window=0, **mentee_fields):
    started = timezone.localdate() - dt.timedelta(days=days_old)
    mentee = ParticipantFactory(cohort=cohort, **mentee_fields)
    mentorship = MentorshipFactory(cohort=cohort, mentees=[mentee], started_on=started)
    start = timezone.now() - dt.timedelta(days=days_old)
    for k in range(meetings):
        at = start + dt.timedelta(days=5 + 10 * k)
        CheckInFactory(mentorship=mentorship, starts_at=at, ends_at=at + dt.timedelta(hours=1))
    for k in range(meetings_after_window):
        at = start + dt.timedelta(days=61 + k)
        CheckInFactory(mentorship=mentorship, starts_at=at, ends_at=at + dt.timedelta(hours=1))
    return mentorship


@pytest.fixture
def program(org):
    return ProgramFactory(organization=org, name="Learning")


def test_pairs_are_labelled_by_check_ins_kept_in_their_first_sixty_days(org, program):
    cohort = CohortFactory(program=program)
    kept = _pair(cohort, days_old=90, meetings=3)
    faded = _pair(cohort, days_old=90, meetings=1, meetings_after_window=4)
    _pair(cohort, days_old=30, meetings=3)  # too young to judge
    group = MentorshipFactory(
        cohort=cohort,
        mentees=[ParticipantFactory(cohort=cohort), ParticipantFactory(cohort=cohort)],
        started_on=timezone.localdate() - dt.timedelta(days=90),
    )
    with scope(organization=org.pk):
        pairs = learning.labelled_pairs(organization=org, program=program)
    by_id = {pair.mentorship_id: pair for pair in pairs}
    assert set(by_id) == {kept.pk, faded.pk}
    assert group.pk not in by_id
    assert by_id[kept.pk].success is True
    assert by_id[faded.pk].success is False
    assert by_id[kept.pk].source == "check_ins"
    with scope(organization=org.pk):
        assert by_id[kept.pk].mentee == kept.mentees.get()


def test_the_mentees_check_in_rating_is_the_pairs_rating(org, program):
    cohort = CohortFactory(program=program)
    mentorship = _pair(cohort, days_old=90, meetings=2)
    with scope(organization=org.pk):
        mentee = mentorship.mentees.get()
        first, second = mentorship.check_ins.all()
    for check_in, rating in ((first, 5), (second, 4)):
        CheckInRecord.objects.create(
            organization=org, check_in=check_in, participant=mentee, happened=True, rating=rating
        )
    CheckInRecord.objects.create(
        organization=org, check_in=first, participant=mentorship.mentor, happened=True, rating=1
    )
    with scope(organization=org.pk):
        (pair,) = learning.labelled_pairs(organization=org, program=program)
    assert pair.rating == 4.5


def test_training_stores_a_model_once_there_are_enough_pairs(org, program, monkeypatch):
    monkeypatch.setattr(learning, "MIN_TRAINING_PAIRS", 12)
    cohort = CohortFactory(program=program)
    with scope(organization=org.pk):
        assert learning.learned_model_train(organization=org, program=program) is None
    for k in range(6):
        _pair(cohort, days_old=90, meetings=3, skills_wanted=["negotiation"], seniority=k % 3)
        _pair(cohort, days_old=90, meetings=0, skills_wanted=["tax"], seniority=k % 3)
    train_learned_models_task(organization_id=org.pk, program_id=program.pk)
    with scope(organization=org.pk):
        stored = LearnedMatchModel.objects.for_org(org).get(program=program)
    assert stored.n_pairs == 12
    assert stored.positive_pairs == 6
    assert 0.0 <= stored.auc <= 1.0
    assert len(stored.deciles) >= 1


def test_a_program_whose_pairs_all_went_one_way_gets_no_model(org, program, monkeypatch):
    monkeypatch.setattr(learning, "MIN_TRAINING_PAIRS", 5)
    cohort = CohortFactory(program=program)
    for _ in range(8):
        _pair(cohort, days_old=90, meetings=3)
    with scope(organization=org.pk):
        assert learning.learned_model_train(organization=org, program=program) is None
        assert not LearnedMatchModel.objects.for_org(org).exists()
