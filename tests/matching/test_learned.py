"""The learned success factor in matching: stored models, the threshold that offers them, the
round that mixes them in only when the cohort weighs them, and the sentence that explains it."""

from __future__ import annotations

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from matching import services
from matching.engine.learned import FEATURE_NAMES, fit
from matching.learned import (
    LEARNED_THRESHOLD,
    learned_model_get,
    learned_model_offered,
    learned_model_store,
)
from matching.models import LearnedMatchModel, MatchProposal
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cohort(org):
    """Two mentees and two mentors of capacity 1: Ana wants SQL, which Mina offers; Ben wants
    public speaking, which Omar offers."""
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Pairs"))
    mentors = [
        ParticipantFactory(cohort=cohort, role="mentor", full_name="Mina Mentor",
                           mentor_capacity=1, skills_offered=["SQL"], seniority=4),
        ParticipantFactory(cohort=cohort, role="mentor", full_name="Omar Mentor",
                           mentor_capacity=1, skills_offered=["public speaking"], seniority=4),
    ]  # fmt: skip
    mentees = [
        ParticipantFactory(cohort=cohort, role="mentee", full_name="Ana", skills_wanted=["SQL"],
                           seniority=2),
        ParticipantFactory(cohort=cohort, role="mentee", full_name="Ben",
                           skills_wanted=["public speaking"], seniority=2),
    ]  # fmt: skip
    return cohort, mentors, mentees


def _skills_averse_model(n: int = 300):
    """A model that learned the opposite of the skills factor: pairs that share no skill
    succeed (rated 4.6), pairs that share them fail (rated 2.0)."""
    rng = np.random.default_rng(0)
    features = rng.random((n, len(FEATURE_NAMES)))
    skills = rng.integers(0, 2, n).astype(float)
    features[:, FEATURE_NAMES.index("skills")] = skills
    outcomes = (skills == 0).astype(np.int64)
    ratings = np.where(outcomes == 1, 4.6, 2.0)
    return fit(features, outcomes, ratings=ratings, seed=0)


def _store(org, program, model):
    with scope(organization=org.pk):
        return learned_model_store(
            organization=org, program=program, model=model, trained_at=timezone.now()
        )


def _set_learned_weight(cohort, weight):
    settings = dict(cohort.matching_settings or {})
    settings["weights"] = {**(settings.get("weights") or {}), "learned": weight}
    cohort.matching_settings = settings
    cohort.save(update_fields=["matching_settings"])


def _run(org, cohort):
    with scope(organization=org.pk):
        match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        services.round_run(organization=org, round_id=match_round.pk)
    with scopes_disabled():
        return {
            p.mentee.full_name: p
            for p in MatchProposal.objects.filter(match_round=match_round).select_related(
                "mentee", "mentor"
            )
        }


def test_storing_keeps_only_the_newest_model_of_a_program(org, small_cohort):
    cohort = small_cohort[0]
    _store(org, cohort.program, _skills_averse_model())
    newest = _store(org, cohort.program, _skills_averse_model())
    with scope(organization=org.pk):
        assert list(LearnedMatchModel.objects.for_org(org).values_list("pk", flat=True)) == [
            newest.pk
        ]
        stored = learned_model_get(organization=org, program_id=cohort.program_id)
    assert stored is not None and stored.n_pairs == 300 and stored.auc > 0.9
    assert 100 < stored.positive_pairs < 200  # about half the pairs share no skill


def test_the_factor_is_offered_only_from_the_threshold(org, small_cohort, org_admin, client):
    cohort = small_cohort[0]
    url = reverse("matching:cohort_matching", args=[org.slug, cohort.pk])
    login(client, org_admin)
    page = client.get(url).content.decode()
    assert 'name="weight_learned"' not in page
    assert f"{LEARNED_THRESHOLD} labelled pairs" in page
    _store(org, cohort.program, _skills_averse_model(n=LEARNED_THRESHOLD - 10))
    with scope(organization=org.pk):
        assert not learned_model_offered(
            learned_model_get(organization=org, program_id=cohort.program_id)
        )
    assert 'name="weight_learned"' not in client.get(url).content.decode()
    _store(org, cohort.program, _skills_averse_model(n=LEARNED_THRESHOLD))
    page = client.get(url).content.decode()
    assert 'name="weight_learned"' in page
    assert "held-out AUC" in page


def test_saving_the_settings_keeps_the_learned_weight(org, small_cohort, org_admin, client):
    cohort = small_cohort[0]
    _store(org, cohort.program, _skills_averse_model())
    login(client, org_admin)
    page = client.get(reverse("matching:cohort_matching", args=[org.slug, cohort.pk]))
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data = {k: v for k, v in data.items() if v is not False}
    data["weight_learned"] = 2.5
    data["board_roles"] = ", ".join(form.initial["board_roles"].split(", "))
    response = client.post(
        reverse("matching:matching_settings_save", args=[org.slug, cohort.pk]), data
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.matching_settings["weights"]["learned"] == 2.5


def test_with_weight_zero_the_round_is_the_same_as_without_a_model(org, small_cohort):
    cohort = small_cohort[0]
    before = _run(org, cohort)
    _store(org, cohort.program, _skills_averse_model())
    _set_learned_weight(cohort, 0)
    after = _run(org, cohort)
    assert {k: (p.mentor_id, p.score, p.factors) for k, p in before.items()} == {
        k: (p.mentor_id, p.score, p.factors) for k, p in after.items()
    }


def test_a_weight_without_a_model_changes_nothing(org, small_cohort):
    cohort = small_cohort[0]
    before = _run(org, cohort)
    _set_learned_weight(cohort, 5)
    after = _run(org, cohort)
    assert {k: (p.mentor_id, p.score) for k, p in before.items()} == {
        k: (p.mentor_id, p.score) for k, p in after.items()
    }
    assert all(f["factor"] != "learned" for p in after.values() for f in p.factors)


def test_the_learned_factor_moves_pairs_and_explains_itself(org, small_cohort):
    """Without it Ana (who wants SQL) gets Mina (who offers SQL); a model that learned that
    pairs sharing skills fail, weighed heavily, gives her Omar instead, and says why."""
    cohort = small_cohort[0]
    assert _run(org, cohort)["Ana"].mentor.full_name == "Mina Mentor"
    _store(org, cohort.program, _skills_averse_model())
    _set_learned_weight(cohort, 5)
    proposals = _run(org, cohort)
    assert proposals["Ana"].mentor.full_name == "Omar Mentor"
    learned = next(f for f in proposals["Ana"].factors if f["factor"] == "learned")
    assert learned["value"] > 0.8
    assert learned["text"] == "pairs like this one rated their match 4.6/5 on average"
    assert "rated their match 4.6/5 on average" in proposals["Ana"].explanation
    total = sum(f["contribution"] for f in proposals["Ana"].factors)
    assert total == pytest.approx(proposals["Ana"].score, abs=1e-3)
