"""The learning path: program managers copy a starter or write their own, stages open by time
or by check-ins held, and pairs tick the items of stages they have reached."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from core.errors import DomainError
from core.texts import in_language
from mentorships import services
from mentorships.models import CheckIn, CheckInRecord, PathItem, PathItemProgress
from mentorships.selectors import path as path_selectors
from mentorships.services import path
from mentorships.starter_paths import STARTER_PATHS, starter_for
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    program = ProgramFactory(organization=org, goal="cross_cultural")
    cohort = CohortFactory(program=program)
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=UserFactory())
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=UserFactory())
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return program, mentorship, mentor, mentee


def call(org, function, **kwargs):
    with scope(organization=org.pk):
        return function(organization=org, **kwargs)


def test_every_starter_is_written_in_english_and_spanish():
    for starter in STARTER_PATHS.values():
        texts = [starter.name]
        for stage in starter.stages:
            texts += [stage.title, stage.description, *(item.text for item in stage.items)]
        for text in texts:
            assert text["en"].strip() and text["es"].strip(), (starter.key, text)
            assert text["en"] != text["es"], (starter.key, text)


@pytest.mark.parametrize(
    ("goal", "program_type", "key"),
    [
        ("cross_cultural", "one_to_one", "cross_cultural"),
        ("cross_functional", "group", "cross_functional"),
        ("leadership", "reverse", "reverse"),
        ("onboarding", "one_to_one", "onboarding"),
        ("custom", "one_to_one", None),
    ],
)
def test_the_starter_that_fits_a_program(goal, program_type, key):
    starter = starter_for(goal, program_type)
    assert (starter.key if starter else None) == key


def test_copying_a_starter_gives_the_program_its_own_editable_path(org, pair):
    program, _mentorship, *_ = pair
    call(org, path.path_copy_starter, program=program, starter="cross_cultural")
    with scope(organization=org.pk):
        copied = path_selectors.path_for_program(organization=org, program=program)
        titles = [in_language(stage.title, "es") for stage in copied.stages.all()]
    assert titles == [in_language(s.title, "es") for s in STARTER_PATHS["cross_cultural"].stages]
    assert copied.starter == "cross_cultural"
    # Copying again replaces, never duplicates.
    call(org, path.path_copy_starter, program=program, starter="cross_cultural")
    with scope(organization=org.pk):
        assert PathItem.objects.for_org(org).count() == sum(
            len(s.items) for s in STARTER_PATHS["cross_cultural"].stages
        )


def test_stages_open_by_days_or_by_check_ins_held(org, pair):
    program, mentorship, mentor, mentee = pair
    always = call(org, path.path_stage_save, program=program, title={"en": "Start"}, description={})
    after_one = call(
        org, path.path_stage_save, program=program, title={"en": "After one"}, description={},
        opens_after_check_ins=1,
    )  # fmt: skip
    after_month = call(
        org, path.path_stage_save, program=program, title={"en": "A month in"}, description={},
        opens_after_days=30,
    )  # fmt: skip

    def open_titles():
        with scope(organization=org.pk):
            view = path_selectors.path_for_mentorship(organization=org, mentorship=mentorship)
        return [s.stage.title["en"] for s in view.stages if s.is_open]

    assert open_titles() == ["Start"]
    now = timezone.now()
    check_in = CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentor, time_zone="UTC",
        starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1),
        ical_uid="held@meridian",
    )  # fmt: skip
    assert open_titles() == ["Start", "After one"]
    # A member saying it did not happen takes it back.
    CheckInRecord.objects.create(
        organization=org, check_in=check_in, participant=mentee, happened=False
    )
    assert open_titles() == ["Start"]
    mentorship.started_on = timezone.localdate() - dt.timedelta(days=30)
    mentorship.save(update_fields=["started_on"])
    assert open_titles() == ["Start", "A month in"]
    assert {always.pk, after_one.pk, after_month.pk}


def test_pairs_tick_items_of_open_stages_once(org, pair):
    program, mentorship, mentor, mentee = pair
    start = call(org, path.path_stage_save, program=program, title={"en": "Start"}, description={})
    later = call(
        org, path.path_stage_save, program=program, title={"en": "Later"}, description={},
        opens_after_days=60,
    )  # fmt: skip
    prompt = call(
        org, path.path_item_save, program=program, stage=start, kind="prompt",
        text={"en": "What did we learn from this difference?"},
    )  # fmt: skip
    locked = call(
        org, path.path_item_save, program=program, stage=later, kind="milestone", text={"en": "x"}
    )
    for _ in range(2):
        call(
            org,
            path.path_item_mark,
            mentorship=mentorship,
            item=prompt,
            actor=mentee.user,
            done=True,
        )
    with scope(organization=org.pk):
        assert PathItemProgress.objects.for_org(org).count() == 1
        view = path_selectors.path_for_mentorship(organization=org, mentorship=mentorship)
    assert view.percent_done == 50 and view.current.stage == start
    with pytest.raises(DomainError) as closed:
        call(
            org,
            path.path_item_mark,
            mentorship=mentorship,
            item=locked,
            actor=mentor.user,
            done=True,
        )
    assert closed.value.code == "conflict"
    call(
        org, path.path_item_mark, mentorship=mentorship, item=prompt, actor=mentor.user, done=False
    )
    with scope(organization=org.pk):
        assert PathItemProgress.objects.for_org(org).count() == 0


def test_only_members_tick_and_only_their_programs_items(org, pair, org_admin):
    program, mentorship, mentor, _ = pair
    stage = call(org, path.path_stage_save, program=program, title={"en": "S"}, description={})
    item = call(
        org, path.path_item_save, program=program, stage=stage, kind="prompt", text={"en": "p"}
    )
    with pytest.raises(DomainError) as outsider:
        call(org, path.path_item_mark, mentorship=mentorship, item=item, actor=org_admin, done=True)
    assert outsider.value.code == "permission_denied"
    other_program = ProgramFactory(organization=org)
    other_stage = call(
        org, path.path_stage_save, program=other_program, title={"en": "S"}, description={}
    )
    foreign_item = call(
        org,
        path.path_item_save,
        program=other_program,
        stage=other_stage,
        kind="prompt",
        text={"en": "p"},
    )
    with pytest.raises(DomainError) as elsewhere:
        call(
            org,
            path.path_item_mark,
            mentorship=mentorship,
            item=foreign_item,
            actor=mentor.user,
            done=True,
        )
    assert elsewhere.value.code == "not_found"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"kind": "prompt", "text": {"en": " ", "es": ""}}, "text"),
        ({"kind": "video", "text": {"en": "x"}}, "kind"),
        ({"kind": "resource", "text": {"en": "x"}}, "url"),
        ({"kind": "resource", "text": {"en": "x"}, "url": "javascript:alert(1)"}, "url"),
        ({"kind": "prompt", "text": {"en": "x" * 1001}}, "text"),
    ],
)
def test_bad_items_are_refused_on_their_field(org, pair, options, field):
    program, *_ = pair
    stage = call(org, path.path_stage_save, program=program, title={"en": "S"}, description={})
    with pytest.raises(DomainError) as refused:
        call(org, path.path_item_save, program=program, stage=stage, **options)
    assert refused.value.field == field


def test_another_organizations_program_and_stages_are_not_found(org, other_org, pair):
    program, *_ = pair
    stage = call(org, path.path_stage_save, program=program, title={"en": "S"}, description={})
    with pytest.raises(DomainError) as refused:
        call(other_org, path.path_copy_starter, program=program, starter="onboarding")
    assert refused.value.code == "not_found"
    with pytest.raises(DomainError):
        call(other_org, path_selectors.path_stage_get, path_stage_id=stage.pk)
