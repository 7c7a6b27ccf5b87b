from __future__ import annotations

from django.db.models import Q, QuerySet

from mentorships.models import Mentorship, MentorshipMentee
from organizations.models import Organization


def mentorship_list_for_user(*, organization: Organization, user) -> QuerySet[Mentorship]:
    """Mentorships where the user is the mentor or one of the mentees."""
    return (
        Mentorship.objects.for_org(organization)
        .filter(Q(mentor__user=user) | Q(memberships__mentee__user=user))
        .select_related("mentor", "cohort", "cohort__program")
        .prefetch_related("mentees")
        .distinct()
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
