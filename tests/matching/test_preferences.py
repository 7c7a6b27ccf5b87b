"""Stated preferences: participants rank the other side for rounds the program team runs, and
stable matching honours both sides' rankings."""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import selectors, services
from matching.config import MAX_STATED_PREFERENCES, config_from_json
from matching.models import MatchProposal, StatedPreference
from organizations.models import Role
from tests.conftest import login
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _configure(cohort, **changes):
    config = config_from_json(cohort.matching_settings).to_json()
    config.update(changes)
    cohort.matching_settings = config
    cohort.save()


def _person(org, cohort, name, role, **fields):
    user = MembershipFactory(
        organization=org, role=Role.MEMBER, user=UserFactory(email=f"{name.lower()}@acme.test")
    ).user
    return ParticipantFactory(
        cohort=cohort, role=role, full_name=name, email=user.email, user=user, **fields
    )


@pytest.fixture
def people(org):
    """Two mentees and two one-seat mentors. Ana fits Mina far better than Ben does."""
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Ranked"))
    _configure(cohort, objective="stable")
    mina = _person(
        org, cohort, "Mina", "mentor", mentor_capacity=1, skills_offered=["SQL", "negotiation"]
    )
    omar = _person(org, cohort, "Omar", "mentor", mentor_capacity=1, skills_offered=["hiring"])
    ana = _person(org, cohort, "Ana", "mentee", skills_wanted=["SQL", "negotiation"])
    ben = _person(org, cohort, "Ben", "mentee", skills_wanted=["gardening"])
    return cohort, mina, omar, ana, ben


def _save(org, participant, side, preferred):
    with scope(organization=org.pk):
        return services.stated_preferences_save(
            organization=org,
            participant=participant,
            side=side,
            preferred_ids=[p.pk for p in preferred],
        )


def _ranking(participant, side):
    with scopes_disabled():
        return list(
            StatedPreference.objects.filter(participant=participant, side=side)
            .order_by("rank")
            .values_list("preferred__full_name", flat=True)
        )


def test_a_ranking_is_saved_in_order_replaced_and_cleared(org, people):
    _cohort, mina, omar, ana, _ben = people

    _save(org, ana, "mentee", [omar, mina])
    assert _ranking(ana, "mentee") == ["Omar", "Mina"]

    _save(org, ana, "mentee", [mina])
    assert _ranking(ana, "mentee") == ["Mina"]

    _save(org, ana, "mentee", [])
    assert _ranking(ana, "mentee") == []


def test_mentors_rank_mentees(org, people):
    _cohort, mina, _omar, ana, ben = people

    _save(org, mina, "mentor", [ben, ana])

    assert _ranking(mina, "mentor") == ["Ben", "Ana"]


@pytest.mark.parametrize(
    "case, expected_field",
    [
        ("too_many", "preferred"),
        ("duplicate", "preferred"),
        ("same_side", "preferred"),
        ("no_shared_language", "preferred"),
        ("other_organization", "preferred"),
        ("wrong_side", "side"),
    ],
)
def test_a_ranking_that_breaks_a_rule_is_refused_and_the_saved_one_kept(
    org, people, other_participant, case, expected_field
):
    cohort, mina, omar, ana, ben = people
    _save(org, ana, "mentee", [mina])
    side, preferred = "mentee", [omar]
    if case == "too_many":
        extra = [_person(org, cohort, f"Extra{i}", "mentor") for i in range(MAX_STATED_PREFERENCES)]
        preferred = [omar, *extra]
    elif case == "duplicate":
        preferred = [omar, omar]
    elif case == "same_side":
        preferred = [ben]
    elif case == "no_shared_language":
        preferred = [
            _person(
                org, cohort, "Fin", "mentor", languages=[{"code": "fi", "proficiency": "native"}]
            )
        ]
    elif case == "other_organization":
        preferred = [other_participant]
    elif case == "wrong_side":
        side = "mentor"

    with pytest.raises(DomainError) as refused:
        _save(org, ana, side, preferred)

    assert refused.value.field == expected_field
    assert _ranking(ana, "mentee") == ["Mina"]


def test_cohorts_where_mentees_choose_for_themselves_ask_for_no_ranking(org, people):
    cohort, mina, _omar, ana, _ben = people
    _configure(cohort, self_match={"enabled": True})
    ana.cohort.refresh_from_db()

    with pytest.raises(DomainError):
        _save(org, ana, "mentee", [mina])


def test_a_participant_of_another_organization_cannot_be_ranked_for(org, other_org, people):
    _cohort, mina, _omar, _ana, _ben = people
    with scopes_disabled():
        foreign = ParticipantFactory(
            cohort=CohortFactory(program=ProgramFactory(organization=other_org)), role="mentee"
        )

    with pytest.raises(DomainError) as refused, scope(organization=org.pk):
        services.stated_preferences_save(
            organization=org, participant=foreign, side="mentee", preferred_ids=[mina.pk]
        )
    assert refused.value.code == "not_found"


def _stable_round(org, cohort, django_capture_on_commit_callbacks):
    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks():
            match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        match_round = services.round_run(organization=org, round_id=match_round.pk)
    with scopes_disabled():
        return {
            p.mentee.full_name: p.mentor.full_name
            for p in MatchProposal.objects.filter(match_round=match_round).select_related(
                "mentee", "mentor"
            )
        }


def test_stable_matching_honours_the_mentors_ranking(
    org, people, django_capture_on_commit_callbacks
):
    cohort, mina, _omar, ana, ben = people
    _save(org, ana, "mentee", [mina])
    _save(org, ben, "mentee", [mina])

    # Both want Mina; with no word from her, the better-fitting profile wins her seat.
    assert _stable_round(org, cohort, django_capture_on_commit_callbacks)["Ana"] == "Mina"

    _save(org, mina, "mentor", [ben])

    pairs = _stable_round(org, cohort, django_capture_on_commit_callbacks)
    assert pairs == {"Ben": "Mina", "Ana": "Omar"}


def test_the_round_reads_the_rankings_of_its_own_organization_only(
    org, other_org, people, django_capture_on_commit_callbacks
):
    cohort, _mina, _omar, _ana, _ben = people
    with scopes_disabled():
        foreign_cohort = CohortFactory(program=ProgramFactory(organization=other_org))
        stranger = ParticipantFactory(cohort=foreign_cohort, role="mentee")
        StatedPreference.objects.create(
            organization=other_org,
            cohort=foreign_cohort,
            participant=stranger,
            side="mentee",
            preferred=ParticipantFactory(cohort=foreign_cohort, role="mentor"),
            rank=1,
        )

    with scope(organization=org.pk):
        stated = selectors.stated_preferences(organization=org, cohort=cohort)
        counts = selectors.stated_preference_counts(organization=org, cohort=cohort)

    assert stranger.pk not in stated.mentees
    assert counts == {"mentee": 0, "mentor": 0}


# --- The page -------------------------------------------------------------------------------


def test_the_page_lists_candidates_for_each_side_and_saves_a_ranking(client, org, people):
    cohort, mina, omar, ana, _ben = people
    login(client, ana.user)
    url = reverse("matching:preferences", args=[org.slug, cohort.pk])

    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mina" in text and "Omar" in text
    assert "Ben" not in text  # another mentee is not someone Ana can rank
    assert "stable" in text  # the page says how rankings are used

    saved = client.post(url, {"side": "mentee", "choice_1": omar.pk, "choice_2": mina.pk})
    assert saved.status_code == 302
    assert _ranking(ana, "mentee") == ["Omar", "Mina"]
    again = client.get(url).content.decode()
    assert f'<option value="{omar.pk}" selected>' in again


def test_the_page_shows_a_refused_ranking_with_its_error_and_keeps_the_choice(client, org, people):
    cohort, mina, _omar, ana, _ben = people
    login(client, ana.user)
    url = reverse("matching:preferences", args=[org.slug, cohort.pk])

    refused = client.post(url, {"side": "mentee", "choice_1": mina.pk, "choice_2": mina.pk})

    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'role="alert"' in text and "different people" in text
    assert f'<option value="{mina.pk}" selected>' in text
    assert _ranking(ana, "mentee") == []


def test_someone_enrolled_on_both_sides_ranks_both(client, org, people):
    cohort, _mina, _omar, _ana, _ben = people
    both = _person(org, cohort, "Bo", "both", mentor_capacity=2)
    login(client, both.user)

    text = client.get(reverse("matching:preferences", args=[org.slug, cohort.pk])).content
    text = text.decode()

    assert 'id="side-mentee"' in text and 'id="side-mentor"' in text
    assert "Ana" in text and "Mina" in text


def test_people_not_in_the_cohort_are_asked_to_enroll(client, org, people, member):
    cohort, *_ = people
    login(client, member)

    page = client.get(reverse("matching:preferences", args=[org.slug, cohort.pk]))

    assert page.status_code == 200 and "Enroll" in page.content.decode()


def test_the_admin_sees_how_many_have_ranked(client, org, org_admin, people):
    cohort, mina, _omar, ana, ben = people
    _save(org, ana, "mentee", [mina])
    _save(org, ben, "mentee", [mina])
    _save(org, mina, "mentor", [ben])
    login(client, org_admin)

    page = client.get(reverse("matching:cohort_matching", args=[org.slug, cohort.pk]))

    assert "mentees: 2, mentors: 1" in page.content.decode()


def test_the_dashboard_links_to_the_ranking_page(client, org, people):
    cohort, _mina, _omar, ana, _ben = people
    login(client, ana.user)

    page = client.get(reverse("dashboard", args=[org.slug]))

    assert reverse("matching:preferences", args=[org.slug, cohort.pk]) in page.content.decode()


def test_people_beyond_the_explained_best_fits_can_still_be_ranked(client, org, people):
    cohort, _mina, _omar, ana, _ben = people
    others = [
        _person(org, cohort, f"Mentor{k:02d}", "mentor", mentor_capacity=1) for k in range(12)
    ]
    login(client, ana.user)
    url = reverse("matching:preferences", args=[org.slug, cohort.pk])
    with scope(organization=org.pk):
        ranked = selectors.recommendation_list(
            organization=org, participant=ana, side="mentee", limit=100
        )
    assert len(ranked) == len(others) + 2 > 10
    weakest = ranked[-1].person

    page = client.get(url).content.decode()
    assert page.count('class="mx-cards"') == 1 and page.count("<article") == 10
    assert f'<option value="{weakest.pk}">' in page

    client.post(url, {"side": "mentee", "choice_1": weakest.pk})
    assert _ranking(ana, "mentee") == [weakest.full_name]
