"""The learning path's pages. Program managers copy a starter path into a program (asking first
when it replaces one), write stages and items in English and Spanish side by side with opening
rules, and add or delete them in place (htmx); refusals show beside their inputs. The pair sees
the stages in order in their own language, ticks items of open stages in place, and locked
stages say when they open. Nobody else reaches either page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from mentorships.models import LearningPath, Mentorship, PathItem, PathItemProgress, PathStage
from mentorships.services import path as path_services
from organizations.models import Role
from tests.conftest import login
from tests.factories import ProgramFactory
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


@pytest.fixture
def manager(org):
    return member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER, full_name="Pat Manager")


def edit_url(org, program, name="path_edit", *args):
    return reverse(f"mentorships:{name}", args=[org.slug, program.pk, *args])


def path_url(org, mentorship):
    return reverse("mentorships:path", args=[org.slug, mentorship.pk])


def stages_of(org, program):
    with scope(organization=org.pk):
        return list(PathStage.objects.filter(path__program=program).order_by("position"))


def two_stage_path(org, program):
    """Stage 1 open from the start with a milestone; stage 2 after the first check-in or after
    30 days."""
    with scope(organization=org.pk):
        first = path_services.path_stage_save(
            organization=org,
            program=program,
            title={"en": "Getting to know each other", "es": "Conocerse"},
            description={},
        )
        path_services.path_item_save(
            organization=org,
            program=program,
            stage=first,
            kind="milestone",
            text={"en": "Agree how you will meet", "es": "Acordar cómo se reunirán"},
        )
        second = path_services.path_stage_save(
            organization=org,
            program=program,
            title={"en": "Going deeper", "es": "Profundizar"},
            description={},
            opens_after_days=30,
            opens_after_check_ins=1,
        )
        locked = path_services.path_item_save(
            organization=org,
            program=program,
            stage=second,
            kind="prompt",
            text={"en": "What surprised you?", "es": "¿Qué te sorprendió?"},
        )
    return first, second, locked


# --- The editor --------------------------------------------------------------------------------


def test_a_manager_copies_the_programs_starter_and_replacing_it_asks_first(
    client, org, pair, manager
):
    program = pair[0].cohort.program
    program.goal = "cross_cultural"
    program.save(update_fields=["goal"])
    login(client, manager)
    first_visit = client.get(edit_url(org, program))
    page = first_visit.content.decode()
    assert "Use the starter path for Cross-cultural programs" in page
    assert "Learning across cultures" in page
    assert "data-confirm=" not in page.split('id="path-starters-title"')[1].split("</form>")[0]
    fitting = first_visit.context["fitting"]
    assert fitting == "cross_cultural"
    response = client.post(
        edit_url(org, program, "path_starter"), {"starter": fitting}, HTTP_HX_REQUEST="true"
    )
    assert response.templates[0].name == "mentorships/path_edit_stages.html"
    assert len(stages_of(org, program)) > 1
    again = client.get(edit_url(org, program)).content.decode()
    print(again[again.index("path-starters-title") :][:3000])
    assert "Replace this path with" in again and "the pairs' ticks on them are deleted" in again
    with scope(organization=org.pk):
        stage = PathStage.objects.filter(path__program=program).first()
    assert stage.title["en"] in again and stage.title["es"] in again


def test_an_unknown_starter_is_refused_on_the_page(client, org, pair, manager):
    program = pair[0].cohort.program
    response = login(client, manager).post(
        edit_url(org, program, "path_starter"), {"starter": "astrology"}
    )
    assert response.status_code == 400
    assert response.context["starter_error"] == "There is no such starter path."


def test_a_stage_is_added_in_both_languages_and_a_stage_without_a_title_is_refused(
    client, org, pair, manager
):
    program = pair[0].cohort.program
    login(client, manager)
    refused = client.post(
        edit_url(org, program, "path_stage_add"),
        {"new-stage-title_en": " ", "new-stage-opens_after_days": "3"},
        HTTP_HX_REQUEST="true",
    )
    form = refused.context["new_stage"]
    assert form.errors["title_en"] == ["Write it in at least one language."]
    assert form["opens_after_days"].value() == "3"
    added = client.post(
        edit_url(org, program, "path_stage_add"),
        {
            "new-stage-title_en": "Start",
            "new-stage-title_es": "Comienzo",
            "new-stage-opens_after_check_ins": "2",
        },
    )
    assert added.status_code == 302
    (stage,) = stages_of(org, program)
    assert stage.title == {"en": "Start", "es": "Comienzo"}
    assert (stage.opens_after_days, stage.opens_after_check_ins) == (None, 2)


def test_a_stage_is_edited_and_a_negative_opening_is_refused_beside_it(client, org, pair, manager):
    program = pair[0].cohort.program
    first, _second, _locked = two_stage_path(org, program)
    login(client, manager)
    prefix = f"stage-{first.pk}"
    url = edit_url(org, program, "path_stage_edit", first.pk)
    refused = client.post(
        url, {f"{prefix}-title_en": "X", f"{prefix}-opens_after_days": "-1"}, HTTP_HX_REQUEST="true"
    )
    (editor, _other) = refused.context["stages"]
    assert editor.form.errors["opens_after_days"]
    client.post(
        url,
        {
            f"{prefix}-title_en": "Meet",
            f"{prefix}-title_es": "Encuentro",
            f"{prefix}-opens_after_days": "7",
        },
    )
    first.refresh_from_db()
    assert first.title == {"en": "Meet", "es": "Encuentro"} and first.opens_after_days == 7


def test_items_are_added_refused_without_a_link_for_a_resource_and_deleted(
    client, org, pair, manager
):
    program = pair[0].cohort.program
    first, second, locked = two_stage_path(org, program)
    login(client, manager)
    prefix = f"new-item-{first.pk}"
    refused = client.post(
        edit_url(org, program, "path_item_add", first.pk),
        {f"{prefix}-kind": "resource", f"{prefix}-text_en": "A reading"},
        HTTP_HX_REQUEST="true",
    )
    editor = refused.context["stages"][0]
    assert editor.new_item.errors["url"] == ["A resource needs its link."]
    client.post(
        edit_url(org, program, "path_item_add", first.pk),
        {
            f"{prefix}-kind": "resource",
            f"{prefix}-text_en": "A reading",
            f"{prefix}-text_es": "Una lectura",
            f"{prefix}-url": "https://example.org/read",
        },
    )
    with scope(organization=org.pk):
        assert PathItem.objects.filter(stage=first, url="https://example.org/read").exists()
    client.post(edit_url(org, program, "path_item_delete", locked.pk), HTTP_HX_REQUEST="true")
    client.post(edit_url(org, program, "path_stage_delete", first.pk))
    assert [s.pk for s in stages_of(org, program)] == [second.pk]
    with scope(organization=org.pk):
        assert not PathItem.objects.filter(pk=locked.pk).exists()


def test_a_stage_of_another_program_is_not_found_through_this_programs_editor(
    client, org, pair, manager
):
    program = pair[0].cohort.program
    other = ProgramFactory(organization=org, name="Other")
    first, _second, _locked = two_stage_path(org, program)
    response = login(client, manager).post(edit_url(org, other, "path_stage_delete", first.pk))
    assert response.status_code == 404
    assert len(stages_of(org, program)) == 2


@pytest.mark.parametrize("role", [Role.MEMBER, Role.HR_ANALYST])
def test_only_program_managers_reach_the_editor(client, org, pair, role):
    program = pair[0].cohort.program
    login(client, member_of(org, f"{role}@acme.test", role=role))
    assert client.get(edit_url(org, program)).status_code in (403, 404)
    client.post(edit_url(org, program, "path_starter"), {"starter": "onboarding"})
    assert stages_of(org, program) == []


def test_the_program_page_links_to_the_editor(client, org, pair, manager):
    program = pair[0].cohort.program
    page = login(client, manager).get(
        reverse("programs:program_detail", args=[org.slug, program.pk])
    )
    assert edit_url(org, program) in page.content.decode()


# --- The pair's page ---------------------------------------------------------------------------


def test_the_pair_sees_open_stages_to_tick_and_locked_ones_saying_when_they_open(client, org, pair):
    mentorship, mentor, _mentee = pair
    two_stage_path(org, mentorship.cohort.program)
    with scope(organization=org.pk):
        Mentorship.objects.filter(pk=mentorship.pk).update(
            started_on=timezone.localdate() - dt.timedelta(days=18)
        )
    page = login(client, mentor.user).get(path_url(org, mentorship)).content.decode()
    assert "Getting to know each other" in page and "Agree how you will meet" in page
    assert "Opens in 12 days or after your first check-in." in page
    assert 'id="path-item-' in page.split("Going deeper")[0]
    assert 'id="path-item-' not in page.split("Going deeper")[1]
    assert "You are here" in page


def test_a_spanish_reader_sees_the_path_in_spanish(client, org, pair):
    mentorship, _mentor, mentee = pair
    two_stage_path(org, mentorship.cohort.program)
    mentee.user.language = "es"
    mentee.user.save(update_fields=["language"])
    page = login(client, mentee.user).get(path_url(org, mentorship)).content.decode()
    assert "Conocerse" in page and "Acordar cómo se reunirán" in page
    assert "Getting to know each other" not in page


def test_ticking_an_item_answers_with_the_stages_and_a_locked_item_cannot_be_ticked(
    client, org, pair
):
    mentorship, _mentor, mentee = pair
    first, _second, locked = two_stage_path(org, mentorship.cohort.program)
    with scope(organization=org.pk):
        item = PathItem.objects.get(stage=first)
    login(client, mentee.user)
    ticked = client.post(
        reverse("mentorships:path_item_mark", args=[org.slug, mentorship.pk, item.pk]),
        {"done": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert ticked.templates[0].name == "mentorships/path_stages.html"
    assert 'aria-valuenow="50"' in ticked.content.decode()
    client.post(
        reverse("mentorships:path_item_mark", args=[org.slug, mentorship.pk, locked.pk]),
        {"done": "1"},
    )
    with scope(organization=org.pk):
        assert list(PathItemProgress.objects.values_list("item_id", flat=True)) == [item.pk]


def test_without_a_path_the_page_says_what_to_do(client, org, pair):
    mentorship, _mentor, mentee = pair
    page = login(client, mentee.user).get(path_url(org, mentorship)).content.decode()
    assert "No learning path yet" in page
    with scope(organization=org.pk):
        assert not LearningPath.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROGRAM_MANAGER, Role.ADMIN])
def test_anyone_outside_the_pair_gets_404_on_the_pairs_path(client, org, pair, role):
    mentorship, _mentor, _mentee = pair
    first, _second, _locked = two_stage_path(org, mentorship.cohort.program)
    with scope(organization=org.pk):
        item = PathItem.objects.get(stage=first)
    login(client, member_of(org, f"{role}@acme.test", role=role))
    assert client.get(path_url(org, mentorship)).status_code == 404
    marked = client.post(
        reverse("mentorships:path_item_mark", args=[org.slug, mentorship.pk, item.pk]),
        {"done": "1"},
    )
    assert marked.status_code == 404
    with scope(organization=org.pk):
        assert not PathItemProgress.objects.exists()
