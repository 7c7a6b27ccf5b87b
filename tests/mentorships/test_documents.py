"""The living document keeps both people's words (a save over an older version is refused) and
shows Markdown safely; reflections are their author's alone."""

from __future__ import annotations

import pytest
from django_scopes import scope

from core.errors import DomainError
from mentorships import services
from mentorships.markdown import render
from mentorships.selectors import documents as document_selectors
from mentorships.services import documents
from mentorships.services.documents import StaleDocument
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=UserFactory(), full_name="Mia")
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=UserFactory(), full_name="Eli")
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return mentorship, mentor, mentee


def save(org, mentorship, user, body, base_version):
    with scope(organization=org.pk):
        return documents.document_save(
            organization=org, mentorship=mentorship, actor=user, body=body,
            base_version=base_version,
        )  # fmt: skip


class TestRendering:
    @pytest.mark.parametrize(
        "attack",
        [
            "<script>alert(1)</script>",
            '<img src=x onerror="alert(1)">',
            "[click](javascript:alert(1))",
            '<a href="javascript:alert(1)">x</a>',
            '<p style="position:fixed">x</p>',
            "<iframe src=https://evil.example></iframe>",
        ],
    )
    def test_nothing_active_survives(self, attack):
        html = render(attack)
        for marker in ("<script", "onerror", "javascript:", "style=", "<iframe", "<img"):
            assert marker not in html

    def test_markdown_renders_with_safe_links(self):
        html = render("# Agreements\n\n- **Meet** every two weeks\n\n[notes](https://example.com)")
        assert "<h2>Agreements</h2>" in html
        assert "<strong>Meet</strong>" in html
        assert 'href="https://example.com"' in html
        assert 'rel="noopener nofollow noreferrer"' in html


class TestDocument:
    def test_each_save_is_a_version_by_its_author(self, org, pair):
        mentorship, mentor, mentee = pair
        first = save(org, mentorship, mentor.user, "We meet every two weeks.", 0)
        second = save(org, mentorship, mentee.user, "We meet every two weeks.\nOn Mondays.", 1)
        assert (first.version, second.version) == (1, 2)
        with scope(organization=org.pk):
            revisions = list(
                document_selectors.document_revisions(organization=org, mentorship=mentorship)
            )
        assert [(r.version, r.author.full_name) for r in revisions] == [(2, "Eli"), (1, "Mia")]

    def test_a_save_over_an_older_version_is_refused_and_loses_nothing(self, org, pair):
        mentorship, mentor, mentee = pair
        save(org, mentorship, mentor.user, "v1", 0)
        save(org, mentorship, mentee.user, "Eli's words", 1)
        with pytest.raises(StaleDocument) as stale:
            save(org, mentorship, mentor.user, "Mia's words", 1)
        assert stale.value.current.body == "Eli's words"
        assert stale.value.field == "body" and "Eli" in stale.value.message
        with scope(organization=org.pk):
            document = document_selectors.document_for(organization=org, mentorship=mentorship)
        assert (document.body, document.version) == ("Eli's words", 2)

    def test_saving_the_same_text_adds_no_version(self, org, pair):
        mentorship, mentor, _ = pair
        save(org, mentorship, mentor.user, "Same", 0)
        assert save(org, mentorship, mentor.user, "Same", 1).version == 1

    def test_only_members_edit(self, org, pair, org_admin):
        mentorship, *_ = pair
        with pytest.raises(DomainError) as refused:
            save(org, mentorship, org_admin, "x", 0)
        assert refused.value.code == "permission_denied"

    def test_another_organizations_mentorship_is_not_found(self, other_org, pair):
        mentorship, mentor, _ = pair
        with pytest.raises(DomainError) as refused:
            save(other_org, mentorship, mentor.user, "x", 0)
        assert refused.value.code == "not_found"


class TestReflections:
    def write(self, org, mentorship, user, body):
        with scope(organization=org.pk):
            return documents.reflection_write(
                organization=org, mentorship=mentorship, actor=user, body=body
            )

    def mine(self, org, mentorship, user):
        with scope(organization=org.pk):
            return [
                r.body
                for r in document_selectors.my_reflections(
                    organization=org, mentorship=mentorship, user=user
                )
            ]

    def test_only_the_author_ever_reads_a_reflection(self, org, pair, org_admin):
        mentorship, mentor, mentee = pair
        self.write(org, mentorship, mentee.user, "I felt unheard today")
        assert self.mine(org, mentorship, mentee.user) == ["I felt unheard today"]
        assert self.mine(org, mentorship, mentor.user) == []
        assert self.mine(org, mentorship, org_admin) == []

    def test_only_the_author_deletes_it(self, org, pair):
        mentorship, mentor, mentee = pair
        reflection = self.write(org, mentorship, mentee.user, "Private")
        with scope(organization=org.pk):
            with pytest.raises(DomainError) as refused:
                documents.reflection_delete(
                    organization=org, reflection=reflection, actor=mentor.user
                )
            assert refused.value.code == "not_found"
            documents.reflection_delete(organization=org, reflection=reflection, actor=mentee.user)
        assert self.mine(org, mentorship, mentee.user) == []

    def test_members_only_and_not_empty(self, org, pair, org_admin):
        mentorship, mentor, _ = pair
        with pytest.raises(DomainError) as outsider:
            self.write(org, mentorship, org_admin, "x")
        assert outsider.value.code == "permission_denied"
        with pytest.raises(DomainError) as empty:
            self.write(org, mentorship, mentor.user, "  ")
        assert empty.value.field == "body"
