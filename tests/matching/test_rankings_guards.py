"""Saving a ranking numbers it from one, replaces only the ranking it names, refuses a closed
cohort and leaves an audit entry. Written for the mutants `scripts/mutate` found alive in
`matching/services/rankings.py` (docs/testing.md)."""

import pytest
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import services
from matching.config import config_from_json
from matching.models import StatedPreference
from organizations.models import AuditLogEntry, Role
from programs.models import CohortStatus
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _person(org, cohort, name, role, **fields):
    user = MembershipFactory(
        organization=org, role=Role.MEMBER, user=UserFactory(email=f"{name.lower()}@acme.test")
    ).user
    return ParticipantFactory(
        cohort=cohort, role=role, full_name=name, email=user.email, user=user, **fields
    )


@pytest.fixture
def cohort(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Ranked"))
    config = config_from_json(cohort.matching_settings).to_json()
    config["objective"] = "stable"
    cohort.matching_settings = config
    cohort.save()
    return cohort


@pytest.fixture
def people(org, cohort):
    """Bo mentors and is mentored in the same cohort; Mina and Omar mentor, Ana and Ben are
    mentees."""
    return {
        "bo": _person(org, cohort, "Bo", "both", mentor_capacity=2, skills_wanted=["SQL"]),
        "mina": _person(org, cohort, "Mina", "mentor", mentor_capacity=1, skills_offered=["SQL"]),
        "omar": _person(org, cohort, "Omar", "mentor", mentor_capacity=1),
        "ana": _person(org, cohort, "Ana", "mentee"),
        "ben": _person(org, cohort, "Ben", "mentee"),
    }


def _save(org, participant, side, preferred):
    with scope(organization=org.pk):
        return services.stated_preferences_save(
            organization=org,
            participant=participant,
            side=side,
            preferred_ids=[p.pk for p in preferred],
        )


def _ranks(participant, side):
    with scopes_disabled():
        return list(
            StatedPreference.objects.filter(participant=participant, side=side)
            .order_by("rank")
            .values_list("preferred__full_name", "rank")
        )


def test_a_ranking_is_numbered_from_one_in_the_order_given(org, people):
    saved = _save(org, people["ana"], "mentee", [people["omar"], people["mina"]])

    assert [(p.preferred.full_name, p.rank) for p in saved] == [("Omar", 1), ("Mina", 2)]
    assert _ranks(people["ana"], "mentee") == [("Omar", 1), ("Mina", 2)]


def test_saving_one_side_keeps_the_other_sides_ranking(org, people):
    bo, mina, omar, ana, ben = (people[k] for k in ("bo", "mina", "omar", "ana", "ben"))
    _save(org, bo, "mentee", [mina, omar])

    _save(org, bo, "mentor", [ben, ana])
    _save(org, bo, "mentor", [ana])

    assert _ranks(bo, "mentee") == [("Mina", 1), ("Omar", 2)]
    assert _ranks(bo, "mentor") == [("Ana", 1)]


def test_saving_a_ranking_keeps_everyone_elses(org, people):
    mina, omar, ana, ben = (people[k] for k in ("mina", "omar", "ana", "ben"))
    _save(org, ana, "mentee", [mina])
    _save(org, mina, "mentor", [ben])

    _save(org, ben, "mentee", [omar])

    assert _ranks(ana, "mentee") == [("Mina", 1)]
    assert _ranks(mina, "mentor") == [("Ben", 1)]
    assert _ranks(ben, "mentee") == [("Omar", 1)]


def test_a_closed_cohort_takes_no_ranking(org, cohort, people):
    _save(org, people["ana"], "mentee", [people["mina"]])
    cohort.status = CohortStatus.CLOSED
    cohort.save()
    people["ana"].cohort.refresh_from_db()

    with pytest.raises(DomainError):
        _save(org, people["ana"], "mentee", [people["omar"]])

    assert _ranks(people["ana"], "mentee") == [("Mina", 1)]


def test_a_side_that_does_not_exist_is_refused(org, people):
    with pytest.raises(DomainError) as refused:
        _save(org, people["bo"], "colleague", [people["mina"]])

    assert refused.value.field == "side"


def test_saving_a_ranking_is_audited_with_the_person_who_ranked(org, people):
    ana = people["ana"]

    _save(org, ana, "mentee", [people["mina"]])

    with scopes_disabled():
        entry = AuditLogEntry.objects.get(organization=org, action="preferences.save")
    assert (entry.actor, entry.target) == (ana.user, ana.email)
