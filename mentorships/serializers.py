"""The REST API's shapes for mentorships, check-ins, goals and messages.

Two shapes per resource: the metadata program staff and API keys read (ids, dates, counts,
status, ratings), and the member's, which adds what the pair wrote. The metadata serializers
have no field that could carry an agenda, a link, a note, a comment, a goal's words or a message:
what is not declared cannot leak. The member's fields are optional in the documented schema,
since the same list holds both shapes when a program manager is also a member somewhere.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import serializers as strict
from core.api import ID_MAX
from mentorships.models import (
    CheckIn,
    CloseReason,
    Goal,
    GoalStatus,
    Mentorship,
    Message,
    Milestone,
)
from mentorships.services.check_ins import (
    CHECK_IN_LONGEST,
    CHECK_IN_SHORTEST,
    SERIES_LONGEST_GAP_WEEKS,
    SERIES_MOST_OCCURRENCES,
)
from mentorships.services.goals import DESCRIPTION_MAX, TITLE_MAX
from mentorships.services.messages import BODY_MAX

MEMBERS_ONLY = "Only for the mentorship's members; absent for anyone else."
AGENDA_MAX = CheckIn._meta.get_field("agenda").max_length
LOCATION_MAX = CheckIn._meta.get_field("location").max_length
CANCEL_REASON_MAX = CheckIn._meta.get_field("cancel_reason").max_length
RECORD_COMMENT_MAX = 2000


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


@extend_schema_field({"type": "number", "format": "double", "minimum": 1, "maximum": 5})
class RatingField(serializers.DecimalField):
    """An average of 1-to-5 ratings, to two decimals, as a JSON number."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=3, decimal_places=2, coerce_to_string=False, **kwargs)


@extend_schema_field(
    {"type": "string", "format": "date-time", "example": "2030-05-06T09:30:00+02:00"}
)
class InstantField(serializers.DateTimeField):
    """A moment with its offset from UTC: a time without one names no moment, since the
    members of a mentorship live in different zones."""

    default_error_messages = {
        "naive": _("Give the time with its offset from UTC, e.g. 2030-05-06T09:30:00+02:00.")
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class OptionalChoiceField(serializers.ChoiceField):
    """A choice that may not have been made yet, answered as null (the serializer turns the
    model's empty string into None)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)


# --- Mentorships ----------------------------------------------------------------------------


class MentorshipSerializer(serializers.ModelSerializer):
    """A mentorship's metadata, the same for everyone who may read it."""

    program = serializers.IntegerField(source="program_id", read_only=True)
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)
    mentor = serializers.IntegerField(
        source="mentor_id", read_only=True, help_text="The mentor's participant id."
    )
    mentees = serializers.SerializerMethodField(help_text="The mentees' participant ids.")
    close_reason = OptionalChoiceField(
        choices=CloseReason.choices, help_text="Why it ended; null while it has not."
    )
    check_ins_held = serializers.IntegerField(
        read_only=True, help_text="Scheduled check-ins that have started."
    )
    check_ins_upcoming = serializers.IntegerField(
        read_only=True, help_text="Scheduled check-ins not over yet."
    )
    last_check_in_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the latest check-in held started."
    )
    average_rating = RatingField(
        read_only=True, allow_null=True, help_text="Of the members' check-in ratings, 1 to 5."
    )
    goals_open = serializers.IntegerField(read_only=True, help_text="Proposed or in progress.")
    goals_done = serializers.IntegerField(read_only=True)
    messages_count = serializers.IntegerField(read_only=True)
    unread_messages = serializers.IntegerField(
        required=False,
        help_text="Messages by the others the viewer has not read yet. " + MEMBERS_ONLY,
    )

    class Meta:
        model = Mentorship
        fields = [
            "id",
            "program",
            "cohort",
            "status",
            "seat_role",
            "started_on",
            "ended_on",
            "close_reason",
            "mentor",
            "mentees",
            "check_ins_held",
            "check_ins_upcoming",
            "last_check_in_at",
            "average_rating",
            "goals_open",
            "goals_done",
            "messages_count",
            "unread_messages",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "integer"}})
    def get_mentees(self, mentorship: Mentorship) -> list[int]:
        return sorted(mentee.pk for mentee in mentorship.mentees.all())

    def to_representation(self, instance: Mentorship) -> dict[str, Any]:
        row = super().to_representation(instance)
        row["close_reason"] = row["close_reason"] or None
        unread = self.context.get("unread_messages")
        if unread is None:
            row.pop("unread_messages", None)
        else:
            row["unread_messages"] = unread.get(instance.pk, 0)
        return row


# --- Check-ins ------------------------------------------------------------------------------


class CheckInMetadataSerializer(serializers.ModelSerializer):
    """A check-in as program staff and API keys read it."""

    mentorship = serializers.IntegerField(source="mentorship_id", read_only=True)
    organizer = serializers.IntegerField(
        source="organizer_id", read_only=True, help_text="The participant who booked it."
    )
    time_zone = serializers.CharField(
        read_only=True, help_text="The organizer's zone, in which a series keeps its hour."
    )
    is_series = serializers.SerializerMethodField(help_text="One occurrence of a recurring series.")
    records_count = serializers.IntegerField(
        read_only=True, help_text="How many members said how it went."
    )
    happened = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="True if a member said it happened, false if every one said it did not, "
        "null before anyone said.",
    )
    average_rating = RatingField(read_only=True, allow_null=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "mentorship",
            "organizer",
            "starts_at",
            "ends_at",
            "time_zone",
            "status",
            "is_series",
            "records_count",
            "happened",
            "average_rating",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_series(self, check_in: CheckIn) -> bool:
        return check_in.recurrence_id is not None


class OwnRecordSerializer(serializers.Serializer):
    happened = serializers.BooleanField(read_only=True)
    rating = serializers.IntegerField(read_only=True, allow_null=True)
    comment = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


@extend_schema_field(OwnRecordSerializer(allow_null=True))
class OwnRecordField(serializers.Field):
    """The viewer's own record of a check-in, from `check_in_api_list`'s `viewer_records`.
    Not read-only, so the schema leaves it optional."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", required=False, allow_null=True, **kwargs)

    def to_representation(self, value: CheckIn) -> dict[str, Any] | None:
        records = getattr(value, "viewer_records", [])
        return OwnRecordSerializer(records[0]).data if records else None


class CheckInSerializer(CheckInMetadataSerializer):
    """A check-in. Its agenda, place, cancellation reason and the viewer's own record are for
    the mentorship's members only."""

    agenda = serializers.CharField(required=False, help_text=MEMBERS_ONLY)
    location = serializers.CharField(
        required=False, help_text="A video link or a place. " + MEMBERS_ONLY
    )
    cancel_reason = serializers.CharField(required=False, help_text=MEMBERS_ONLY)
    my_record = OwnRecordField(
        help_text="How the viewer said it went (null until they say). " + MEMBERS_ONLY
    )

    class Meta(CheckInMetadataSerializer.Meta):
        fields = [
            *CheckInMetadataSerializer.Meta.fields,
            "agenda",
            "location",
            "cancel_reason",
            "my_record",
        ]


class CheckInBookingSerializer(serializers.Serializer):
    mentorship = _id()
    starts_at = InstantField()
    duration_minutes = serializers.IntegerField(
        min_value=int(CHECK_IN_SHORTEST.total_seconds() // 60),
        max_value=int(CHECK_IN_LONGEST.total_seconds() // 60),
    )
    agenda = strict.CharField(max_length=AGENDA_MAX, allow_blank=True, default="")
    location = strict.CharField(
        max_length=LOCATION_MAX, allow_blank=True, default="", help_text="A video link or a place."
    )
    every_weeks = serializers.IntegerField(
        min_value=1,
        max_value=SERIES_LONGEST_GAP_WEEKS,
        required=False,
        allow_null=True,
        help_text="For a series: weeks between check-ins, at the organizer's local hour.",
    )
    occurrences = serializers.IntegerField(
        min_value=1,
        max_value=SERIES_MOST_OCCURRENCES,
        default=1,
        help_text="How many check-ins to book; more than one needs `every_weeks`.",
    )


class CheckInMoveSerializer(serializers.Serializer):
    starts_at = InstantField()
    duration_minutes = serializers.IntegerField(
        min_value=int(CHECK_IN_SHORTEST.total_seconds() // 60),
        max_value=int(CHECK_IN_LONGEST.total_seconds() // 60),
        required=False,
        help_text="Left out: it keeps its length.",
    )


class CheckInCancelSerializer(serializers.Serializer):
    reason = strict.CharField(max_length=CANCEL_REASON_MAX, allow_blank=True, default="")


class CheckInRecordInputSerializer(serializers.Serializer):
    happened = serializers.BooleanField()
    rating = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        help_text="How useful it was; dropped when it did not happen.",
    )
    comment = strict.CharField(max_length=RECORD_COMMENT_MAX, allow_blank=True, default="")


# --- Goals ----------------------------------------------------------------------------------


class GoalMetadataSerializer(serializers.ModelSerializer):
    """A goal as program staff and API keys read it: its status and dates, not its words."""

    mentorship = serializers.IntegerField(source="mentorship_id", read_only=True)
    milestone_count = serializers.IntegerField(read_only=True)
    milestones_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "mentorship",
            "status",
            "target_date",
            "milestone_count",
            "milestones_done",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    done_by = serializers.IntegerField(
        source="done_by_id", read_only=True, allow_null=True, help_text="A participant id."
    )

    class Meta:
        model = Milestone
        fields = ["id", "title", "due_on", "done_at", "done_by"]
        read_only_fields = fields


class GoalSerializer(GoalMetadataSerializer):
    """A goal. Its title, details, proposer, place in the plan and milestones are for the
    mentorship's members only."""

    title = serializers.CharField(required=False, help_text=MEMBERS_ONLY)
    description = serializers.CharField(required=False, help_text=MEMBERS_ONLY)
    proposed_by = serializers.IntegerField(
        source="proposed_by_id", required=False, help_text="A participant id. " + MEMBERS_ONLY
    )
    position = serializers.IntegerField(
        required=False, help_text="Its place in the plan. " + MEMBERS_ONLY
    )
    milestones = MilestoneSerializer(many=True, required=False, help_text=MEMBERS_ONLY)

    class Meta(GoalMetadataSerializer.Meta):
        fields = [
            *GoalMetadataSerializer.Meta.fields,
            "title",
            "description",
            "proposed_by",
            "position",
            "milestones",
        ]


class GoalProposalSerializer(serializers.Serializer):
    mentorship = _id()
    title = strict.CharField(max_length=TITLE_MAX)
    description = strict.CharField(max_length=DESCRIPTION_MAX, allow_blank=True, default="")
    target_date = serializers.DateField(required=False, allow_null=True, default=None)


class GoalEditSerializer(serializers.Serializer):
    title = strict.CharField(max_length=TITLE_MAX)
    description = strict.CharField(max_length=DESCRIPTION_MAX, allow_blank=True, default="")
    target_date = serializers.DateField(allow_null=True, default=None)


class GoalStatusSerializer(serializers.Serializer):
    # A goal never goes back to proposed.
    status = serializers.ChoiceField(
        choices=[(value, label) for value, label in GoalStatus.choices if value != "proposed"]
    )


class MilestoneAddSerializer(serializers.Serializer):
    title = strict.CharField(max_length=TITLE_MAX)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class MilestoneDoneSerializer(serializers.Serializer):
    milestone = _id(help_text="One of this goal's milestones.")
    done = serializers.BooleanField(default=True, help_text="False reopens it.")


# --- Messages -------------------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    """A message of a mentorship's thread; only its members read it."""

    mentorship = serializers.IntegerField(source="mentorship_id", read_only=True)
    author = serializers.IntegerField(
        source="author_id", read_only=True, help_text="A participant id."
    )

    class Meta:
        model = Message
        fields = ["id", "mentorship", "author", "body", "edited_at", "created_at"]
        read_only_fields = fields


class MessagePostSerializer(serializers.Serializer):
    mentorship = _id()
    body = strict.CharField(max_length=BODY_MAX)


class ThreadReadSerializer(serializers.Serializer):
    mentorship = _id()
    until = InstantField(required=False, help_text="Read up to this moment; left out, up to now.")
