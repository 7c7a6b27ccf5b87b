"""Reading mentorships and their members."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships.models import Mentorship, MentorshipMentee
from organizations.models import Organization
from participants.models import Participant


def mentorship_list_for_user(*, organization: Organization, user) -> QuerySet[Mentorship]:
    """Mentorships where the user is the mentor or one of the mentees."""
    # By the user's few participant rows, not a join of every mentorship to its members: the
    # app shell asks this on every page, and the OR across that join scanned all of a large
    # organization's mentorships (a second at 60,000) for an admin who mentors nobody.
    mine = Participant.objects.for_org(organization).filter(user=user).values("pk")
    mentee_of = (
        MentorshipMentee.objects.for_org(organization)
        .filter(mentee_id__in=mine)
        .values("mentorship_id")
    )
    return (
        Mentorship.objects.for_org(organization)
        .filter(Q(mentor_id__in=mine) | Q(pk__in=mentee_of))
        .select_related("mentor", "cohort", "cohort__program")
        .prefetch_related("mentees")
        .order_by("-started_on", "-id")
    )


# A person as a match notice names them.
NOTICE_FIELDS = ("id", "full_name", "email", "function", "country", "time_zone", "user_id")


def mentorship_people_list(*, organization: Organization, ids: list[int]) -> list[dict]:
    """Per mentorship, by id: its program's name, its mentor and its mentees (by name), as
    plain rows with each person's account language. Two queries whatever the number."""
    people = (*NOTICE_FIELDS, "user__language")
    mentorships = {
        row["pk"]: {
            "id": row["pk"],
            "program": row["cohort__program__name"],
            "mentor": {field: row[f"mentor__{field}"] for field in people},
            "mentees": [],
        }
        for row in Mentorship.objects.for_org(organization)
        .filter(pk__in=ids)
        .order_by("pk")
        .values("pk", "cohort__program__name", *(f"mentor__{field}" for field in people))
    }
    members = (
        MentorshipMentee.objects.for_org(organization)
        .filter(mentorship_id__in=ids)
        .order_by("mentorship_id", "mentee__full_name", "mentee_id")
        .values("mentorship_id", *(f"mentee__{field}" for field in people))
    )
    for row in members:
        mentorships[row["mentorship_id"]]["mentees"].append(
            {field: row[f"mentee__{field}"] for field in people}
        )
    return list(mentorships.values())


def mentorship_members(*, organization: Organization, mentorship: Mentorship) -> list[Participant]:
    """The mentor first, then the mentees by name."""
    mentees = (
        Participant.objects.for_org(organization)
        .filter(
            pk__in=MentorshipMentee.objects.for_org(organization)
            .filter(mentorship=mentorship)
            .values("mentee_id")
        )
        .order_by("full_name", "id")
    )
    mentor = Participant.objects.for_org(organization).get(pk=mentorship.mentor_id)
    return [mentor, *mentees]


def mentorship_get_for_member(
    *, organization: Organization, mentorship_id: int, user: User
) -> tuple[Mentorship, Participant]:
    """A mentorship and the viewer's place in it; not found unless the viewer is a member."""
    if user.pk is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    mentorship = (
        Mentorship.objects.for_org(organization)
        .filter(pk=mentorship_id)
        .filter(Q(mentor__user=user) | Q(memberships__mentee__user=user))
        .select_related("mentor", "cohort", "cohort__program")
        # Loaded with the mentorship, so the page's own reads need not look them up again.
        .prefetch_related(Prefetch("mentees", queryset=_mentees_by_name(organization)))
        .first()
    )
    if mentorship is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    member = next(p for p in loaded_members(mentorship) if p.user_id == user.pk)
    return mentorship, member


def _mentees_by_name(organization: Organization) -> QuerySet[Participant]:
    return Participant.objects.for_org(organization).order_by("full_name", "id")


def loaded_members(mentorship: Mentorship) -> list[Participant]:
    """The mentor first, then the mentees by name, from the mentorship's loaded relations (no
    query for a mentorship from mentorship_get_for_member)."""
    return [mentorship.mentor, *mentorship.mentees.all()]


def members_by_mentorship(
    *, organization: Organization | int, mentorship_ids: set[int]
) -> dict[int, list[dict]]:
    """Each mentorship's mentor and mentees as plain rows (id, name, email, zone, account and
    its language), mentor first. Two queries whatever the number."""
    fields = ("id", "full_name", "email", "time_zone", "user_id", "user__language")
    people: dict[int, list[dict]] = {pk: [] for pk in mentorship_ids}
    # Tuples zipped with the names: a reminder scan reads a thousand people a batch, and
    # values()' dicts renamed key by key cost more than the query.
    for mentorship_id, *values in (
        Mentorship.objects.for_org(organization)
        .filter(pk__in=mentorship_ids)
        .values_list("pk", *(f"mentor__{f}" for f in fields))
    ):
        people[mentorship_id].append(dict(zip(fields, values, strict=True)))
    for mentorship_id, *values in (
        MentorshipMentee.objects.for_org(organization)
        .filter(mentorship_id__in=mentorship_ids)
        .order_by("mentee__full_name", "mentee_id")
        .values_list("mentorship_id", *(f"mentee__{f}" for f in fields))
    ):
        people[mentorship_id].append(dict(zip(fields, values, strict=True)))
    return people


def mentorship_member(
    *, organization: Organization, mentorship: Mentorship, user: User
) -> Participant:
    """The user's place in the mentorship; refused for anyone who is not a member (program
    staff included), whatever they may do elsewhere. A caller with no account (an API key's
    anonymous user) is nobody's place, though members without an account have no user either."""
    for person in mentorship_members(organization=organization, mentorship=mentorship):
        if user.pk is not None and person.user_id == user.pk:
            return person
    raise DomainError(_("Only the mentorship's members can do this."), code="permission_denied")
