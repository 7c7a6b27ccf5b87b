"""The notes page: the shared document rendered through the allow-list, an edit mode with a
preview, a save over an older version refused with the newer version shown and the person's own
text kept in the editor, old versions viewable, and the viewer's private reflections. Nobody
outside the pair reads any of it, program staff included; a partner never sees the other's
reflections."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from mentorships.models import DocumentRevision, Reflection, SharedDocument
from mentorships.services import documents as document_services
from organizations.models import Role
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


def notes_url(org, mentorship):
    return reverse("mentorships:notes", args=[org.slug, mentorship.pk])


def save(org, mentorship, person, body, base_version):
    with scope(organization=org.pk):
        return document_services.document_save(
            organization=org,
            mentorship=mentorship,
            actor=person.user,
            body=body,
            base_version=base_version,
        )


def test_an_empty_document_says_how_to_start_and_the_editor_opens(client, org, pair):
    mentorship, _mentor, mentee = pair
    login(client, mentee.user)
    page = client.get(notes_url(org, mentorship)).content.decode()
    assert "Nothing written yet" in page and "Start the document" in page
    editor = client.get(notes_url(org, mentorship), {"edit": "1"})
    assert editor.context["editing"]
    assert editor.context["document_form"]["base_version"].value() == 0


def test_a_save_is_rendered_as_markdown_without_scripts_and_recorded_as_a_version(
    client, org, pair
):
    mentorship, mentor, mentee = pair
    login(client, mentee.user)
    response = client.post(
        notes_url(org, mentorship),
        {
            "body": "# Agreements\n\n**Every two weeks**\n\n<script>alert(1)</script>",
            "base_version": "0",
        },
    )
    assert response.status_code == 302
    page = login(client, mentor.user).get(notes_url(org, mentorship)).content.decode()
    assert "<h2>Agreements</h2>" in page and "<strong>Every two weeks</strong>" in page
    assert "<script>alert(1)" not in page
    assert "Last saved by Ana Souza" in page
    with scope(organization=org.pk):
        revision = DocumentRevision.objects.get()
    version = client.get(reverse("mentorships:notes_version", args=[org.slug, revision.pk]))
    assert "<strong>Every two weeks</strong>" in version.content.decode()
    assert "Saved by Ana Souza" in version.content.decode()


def test_a_save_over_an_older_version_shows_the_newer_one_and_keeps_my_text(client, org, pair):
    mentorship, mentor, mentee = pair
    save(org, mentorship, mentor, "Kenji's version", base_version=0)
    response = login(client, mentee.user).post(
        notes_url(org, mentorship), {"body": "Ana's own words", "base_version": "0"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Kenji Watanabe saved the document while you were editing" in page
    assert "<p>Kenji's version</p>" in page  # the newer version, shown
    form = response.context["document_form"]
    assert form["body"].value() == "Ana's own words"
    assert form["base_version"].value() == "1"  # the next save builds on the newer version
    again = client.post(
        notes_url(org, mentorship), {"body": "Ana's own words", "base_version": "1"}
    )
    assert again.status_code == 302
    with scope(organization=org.pk):
        assert SharedDocument.objects.get().body == "Ana's own words"


def test_the_preview_renders_the_editors_text(client, org, pair):
    mentorship, _mentor, mentee = pair
    response = login(client, mentee.user).post(
        reverse("mentorships:notes_preview", args=[org.slug, mentorship.pk]),
        {"body": "- one\n- *two*"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "<li><em>two</em></li>" in page and "<html" not in page


def test_reflections_are_written_and_deleted_by_their_author_and_hidden_from_the_partner(
    client, org, pair
):
    mentorship, mentor, mentee = pair
    login(client, mentee.user)
    empty = client.post(
        reverse("mentorships:reflection_write", args=[org.slug, mentorship.pk]), {"body": " "}
    )
    assert empty.status_code == 400 and empty.context["reflection_form"].errors["body"]
    client.post(
        reverse("mentorships:reflection_write", args=[org.slug, mentorship.pk]),
        {"body": "I felt rushed today"},
    )
    mine = client.get(notes_url(org, mentorship)).content.decode()
    assert "I felt rushed today" in mine and "Only you can see these" in mine
    with scope(organization=org.pk):
        reflection = Reflection.objects.get()
    delete_url = reverse(
        "mentorships:reflection_delete", args=[org.slug, mentorship.pk, reflection.pk]
    )
    login(client, mentor.user)
    assert "I felt rushed today" not in client.get(notes_url(org, mentorship)).content.decode()
    assert client.post(delete_url).status_code == 404
    login(client, mentee.user)
    client.post(delete_url)
    with scope(organization=org.pk):
        assert not Reflection.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROGRAM_MANAGER, Role.ADMIN, Role.OWNER])
def test_anyone_outside_the_pair_gets_404_and_never_the_text(client, org, pair, role):
    mentorship, mentor, mentee = pair
    save(org, mentorship, mentor, "Confidential agreement", base_version=0)
    with scope(organization=org.pk):
        document_services.reflection_write(
            organization=org, mentorship=mentorship, actor=mentee.user, body="Private thought"
        )
        revision = DocumentRevision.objects.get()
        reflection = Reflection.objects.get()
    login(client, member_of(org, f"{role}@acme.test", role=role))
    responses = [
        client.get(notes_url(org, mentorship)),
        client.post(notes_url(org, mentorship), {"body": "Overwritten", "base_version": "1"}),
        client.post(
            reverse("mentorships:notes_preview", args=[org.slug, mentorship.pk]), {"body": "x"}
        ),
        client.get(reverse("mentorships:notes_version", args=[org.slug, revision.pk])),
        client.post(
            reverse("mentorships:reflection_write", args=[org.slug, mentorship.pk]),
            {"body": "x"},
        ),
        client.post(
            reverse("mentorships:reflection_delete", args=[org.slug, mentorship.pk, reflection.pk])
        ),
    ]
    for response in responses:
        assert response.status_code == 404
        body = response.content.decode()
        assert "Confidential agreement" not in body and "Private thought" not in body
    with scope(organization=org.pk):
        assert SharedDocument.objects.get().body == "Confidential agreement"
        assert Reflection.objects.count() == 1
