"""`/api/v1/mentorships/`, `/check-ins/`, `/goals/` and `/messages/`: a mentorship's engagement,
with the pages' rules.

Who reads what:
- a member reads their own mentorships in full (agendas, places, their own records, goals'
  words and milestones, messages) and nobody else's: another mentorship's ids answer 404;
- program staff (the programs' read capability) and API keys with `read` read every
  mentorship's metadata (dates, counts, status, ratings), never what a pair wrote, and no
  message at all;
- only members write, through the same services as the pages, so the same rules and messages
  apply. An API key acts for no person, so it never writes here (403); program staff get the
  services' own refusal (403).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar, cast

import django_filters
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core.api import FilterSet, IdFilter, OrganizationScopedViewSet
from core.permissions import Capability
from mentorships import serializers as shapes
from mentorships.models import (
    CheckIn,
    CheckInStatus,
    Goal,
    GoalStatus,
    Mentorship,
    MentorshipStatus,
    Message,
)
from mentorships.selectors.api import (
    check_in_api_list,
    goal_api_list,
    mentorship_api_list,
    mentorship_ids_of_member,
    mentorship_readable_list,
    message_api_list,
)
from mentorships.selectors.messages import unread_counts
from mentorships.services import check_ins as check_in_services
from mentorships.services import goals as goal_services
from mentorships.services import messages as message_services
from organizations.models import APIKeyScope, Organization
from organizations.permissions import role_can

_M = TypeVar("_M", bound=models.Model)


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return cast(dict[str, Any], serializer.validated_data)


class _EngagementViewSet(OrganizationScopedViewSet[_M]):
    """Reads pick each row's shape: the member's where the viewer belongs to the row's
    mentorship, the metadata elsewhere."""

    # Every member of the organization may call; which mentorships they reach and what they
    # read there is decided per row, as the pages decide it.
    read_capability = Capability.VIEW_CATALOG
    write_capability = Capability.VIEW_CATALOG
    read_scope = APIKeyScope.READ.value
    write_scope = APIKeyScope.WRITE.value

    metadata_serializer_class: type[serializers.BaseSerializer]
    _member_of: set[int] | None = None

    def _viewer(self) -> User | None:
        """The signed-in person; None for an API key, which is nobody."""
        if self.request.membership is None:
            return None
        return cast(User, self.request.user)

    def _every_mentorship(self) -> bool:
        """Program staff and API keys read every mentorship's metadata; a member only theirs."""
        membership = self.request.membership
        return membership is None or role_can(membership.role, Capability.VIEW_PROGRAMS_ADMIN)

    def _mentorships_of_viewer(self) -> set[int]:
        if self._member_of is None:
            viewer = self._viewer()
            self._member_of = (
                mentorship_ids_of_member(organization=self.request.organization, user=viewer)
                if viewer is not None
                else set()
            )
        return self._member_of

    def _mentorship_id(self, row: _M) -> int:
        return cast(int, row.mentorship_id)  # type: ignore[attr-defined]

    def _represent(self, row: _M) -> dict[str, Any]:
        member = self._mentorship_id(row) in self._mentorships_of_viewer()
        serializer_class = self.serializer_class if member else self.metadata_serializer_class
        assert serializer_class is not None
        return cast(dict[str, Any], serializer_class(row, context=self._context(member)).data)

    def _context(self, member: bool) -> dict[str, Any]:
        return dict(self.get_serializer_context())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # the API always paginates
        return self.get_paginated_response([self._represent(row) for row in page])

    def _acting_member(self) -> User:
        """Who a write acts as. The services check that they are a member."""
        viewer = self._viewer()
        if viewer is None:
            raise exceptions.PermissionDenied(
                _(
                    "An API key acts for no person: only the mentorship's members can do this, "
                    "signed in as themselves."
                )
            )
        return viewer

    def _mentorship_or_field_error(self, mentorship_id: int) -> Mentorship:
        mentorship = (
            mentorship_readable_list(
                organization=self.request.organization,
                viewer=self._viewer(),
                every_mentorship=self._every_mentorship(),
            )
            .filter(pk=mentorship_id)
            .first()
        )
        if mentorship is None:
            # The same answer for a missing mentorship, another member's and another
            # organization's.
            raise serializers.ValidationError({"mentorship": [_("No such mentorship.")]})
        return mentorship

    def _reread(self, pk: int) -> _M:
        """The row as a read shows it, after a write in this request's transaction."""
        return self.get_queryset().get(pk=pk)


class _EngagementDetailViewSet(_EngagementViewSet[_M]):
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._represent(self.get_object()))

    # Typed as DRF's own stub types it (a DRF request, which Django's base view does not know).
    def http_method_not_allowed(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> Response:
        # An id the caller cannot read answers 404 whatever the method, as everywhere in the
        # API; a method the route lacks answers 405 only on a row the caller may read.
        if self.lookup_field in kwargs:
            self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)


# --- Examples -------------------------------------------------------------------------------

_CHECK_IN_METADATA = {
    "id": 412,
    "mentorship": 37,
    "organizer": 901,
    "starts_at": "2030-05-06T07:30:00Z",
    "ends_at": "2030-05-06T08:15:00Z",
    "time_zone": "Europe/Paris",
    "status": "scheduled",
    "is_series": False,
    "records_count": 2,
    "happened": True,
    "average_rating": 4.5,
    "created_at": "2030-04-28T10:02:11Z",
    "updated_at": "2030-05-06T09:01:40Z",
}
_CHECK_IN_MEMBER = {
    **_CHECK_IN_METADATA,
    "agenda": "Feedback on the quarterly plan; the stakeholder map.",
    "location": "https://meet.example.com/abc-defg-hij",
    "cancel_reason": "",
    "my_record": {
        "happened": True,
        "rating": 5,
        "comment": "Clear next steps.",
        "updated_at": "2030-05-06T09:01:40Z",
    },
}
CHECK_IN_EXAMPLES = [
    OpenApiExample("A member of the mentorship", value=_CHECK_IN_MEMBER, response_only=True),
    OpenApiExample(
        "Program staff or an API key (metadata)", value=_CHECK_IN_METADATA, response_only=True
    ),
]
_GOAL_METADATA = {
    "id": 88,
    "mentorship": 37,
    "status": "in_progress",
    "target_date": "2030-09-30",
    "milestone_count": 3,
    "milestones_done": 1,
    "created_at": "2030-04-28T10:05:00Z",
    "updated_at": "2030-05-20T16:40:12Z",
}
_GOAL_MEMBER = {
    **_GOAL_METADATA,
    "title": "Lead the next planning cycle",
    "description": "Run the kickoff and the review with the team.",
    "proposed_by": 902,
    "position": 1,
    "milestones": [
        {
            "id": 140,
            "title": "Draft the agenda",
            "due_on": "2030-06-01",
            "done_at": "2030-05-20T16:40:12Z",
            "done_by": 902,
        }
    ],
}
GOAL_EXAMPLES = [
    OpenApiExample("A member of the mentorship", value=_GOAL_MEMBER, response_only=True),
    OpenApiExample(
        "Program staff or an API key (metadata)", value=_GOAL_METADATA, response_only=True
    ),
]


# --- Mentorships ----------------------------------------------------------------------------


class MentorshipFilter(FilterSet):
    program = IdFilter(field_name="cohort__program_id")
    cohort = IdFilter(field_name="cohort_id")
    status = django_filters.ChoiceFilter(choices=MentorshipStatus.choices)

    class Meta:
        model = Mentorship
        fields = ["program", "cohort", "status"]


@extend_schema(
    examples=[
        OpenApiExample(
            "A mentorship",
            value={
                "id": 37,
                "program": 4,
                "cohort": 9,
                "status": "active",
                "seat_role": "",
                "started_on": "2030-04-21",
                "ended_on": None,
                "close_reason": None,
                "mentor": 901,
                "mentees": [902],
                "check_ins_held": 3,
                "check_ins_upcoming": 2,
                "last_check_in_at": "2030-05-06T07:30:00Z",
                "average_rating": 4.25,
                "goals_open": 2,
                "goals_done": 1,
                "messages_count": 17,
                "unread_messages": 1,
                "created_at": "2030-04-21T08:00:00Z",
            },
            response_only=True,
        )
    ]
)
class MentorshipViewSet(_EngagementDetailViewSet[Mentorship]):
    """Mentorships' metadata: their people (participant ids), dates, status and counts.

    A member reads their own mentorships (with their unread messages); program staff and API
    keys read every one."""

    model = Mentorship
    serializer_class = shapes.MentorshipSerializer
    metadata_serializer_class = shapes.MentorshipSerializer
    filterset_class = MentorshipFilter
    _unread: dict[int, int] | None = None

    def organization_queryset(self, organization: Organization) -> QuerySet[Mentorship]:
        return mentorship_api_list(
            organization=organization,
            viewer=self._viewer(),
            every_mentorship=self._every_mentorship(),
        )

    def _mentorship_id(self, row: Mentorship) -> int:
        return row.pk

    def _context(self, member: bool) -> dict[str, Any]:
        context = super()._context(member)
        if member:
            viewer = self._viewer()
            assert viewer is not None  # a member is a signed-in person
            if self._unread is None:
                self._unread = unread_counts(organization=self.request.organization, user=viewer)
            context["unread_messages"] = self._unread
        return context


# --- Check-ins ------------------------------------------------------------------------------


class CheckInFilter(FilterSet):
    mentorship = IdFilter(field_name="mentorship_id")
    status = django_filters.ChoiceFilter(choices=CheckInStatus.choices)

    class Meta:
        model = CheckIn
        fields = ["mentorship", "status"]


class CheckInViewSet(_EngagementDetailViewSet[CheckIn]):
    """Check-ins of mentorships, newest booked first. Members book, move, cancel and say how a
    check-in went; everyone invited gets the calendar file by email, as from the pages."""

    model = CheckIn
    serializer_class = shapes.CheckInSerializer
    metadata_serializer_class = shapes.CheckInMetadataSerializer
    filterset_class = CheckInFilter

    def organization_queryset(self, organization: Organization) -> QuerySet[CheckIn]:
        return check_in_api_list(
            organization=organization,
            viewer=self._viewer(),
            every_mentorship=self._every_mentorship(),
        )

    @extend_schema(examples=CHECK_IN_EXAMPLES)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(examples=CHECK_IN_EXAMPLES)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Book a check-in, or a series",
        request=shapes.CheckInBookingSerializer,
        responses={201: shapes.CheckInSerializer(many=True)},
        examples=[
            OpenApiExample(
                "A fortnightly series of six",
                value={
                    "mentorship": 37,
                    "starts_at": "2030-05-06T09:30:00+02:00",
                    "duration_minutes": 45,
                    "agenda": "Feedback on the quarterly plan.",
                    "location": "https://meet.example.com/abc-defg-hij",
                    "every_weeks": 2,
                    "occurrences": 6,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Booked (the first of the series shown)",
                value=[
                    {
                        **_CHECK_IN_MEMBER,
                        "records_count": 0,
                        "happened": None,
                        "average_rating": None,
                        "my_record": None,
                        "is_series": True,
                    }
                ],
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members only. A series keeps the organizer's local hour across daylight-saving
        changes. Answers the booked check-ins, earliest first."""
        actor = self._acting_member()
        data = _valid(shapes.CheckInBookingSerializer(data=request.data))
        booked = check_in_services.check_in_book(
            organization=self.request.organization,
            mentorship=self._mentorship_or_field_error(data["mentorship"]),
            actor=actor,
            starts_at=data["starts_at"],
            duration=dt.timedelta(minutes=data["duration_minutes"]),
            agenda=data["agenda"],
            location=data["location"],
            every_weeks=data.get("every_weeks"),
            occurrences=data["occurrences"],
        )
        rows = self.get_queryset().filter(pk__in=[c.pk for c in booked]).order_by("starts_at")
        return Response([self._represent(row) for row in rows], status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a check-in",
        request=shapes.CheckInMoveSerializer,
        responses=shapes.CheckInSerializer,
        examples=[
            OpenApiExample(
                "To the next morning, an hour long",
                value={"starts_at": "2030-05-07T09:00:00+02:00", "duration_minutes": 60},
                request_only=True,
            ),
            *CHECK_IN_EXAMPLES[:1],
        ],
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members only: one occurrence of a series moves alone; calendars get the new time."""
        return self._move(request, partial=False)

    @extend_schema(
        summary="Move a check-in",
        request=shapes.CheckInMoveSerializer(partial=True),
        responses=shapes.CheckInSerializer,
        examples=CHECK_IN_EXAMPLES[:1],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members only: a new start, a new length, or both."""
        return self._move(request, partial=True)

    def _move(self, request: Request, *, partial: bool) -> Response:
        check_in = self.get_object()
        actor = self._acting_member()
        data = _valid(shapes.CheckInMoveSerializer(data=request.data, partial=partial))
        minutes = data.get("duration_minutes")
        check_in_services.check_in_reschedule(
            organization=self.request.organization,
            check_in=check_in,
            actor=actor,
            starts_at=data.get("starts_at", check_in.starts_at),
            duration=dt.timedelta(minutes=minutes) if minutes else None,
        )
        return Response(self._represent(self._reread(check_in.pk)))

    @extend_schema(
        summary="Cancel a check-in",
        request=shapes.CheckInCancelSerializer,
        responses=shapes.CheckInSerializer,
        examples=[
            OpenApiExample(
                "With a reason",
                value={"reason": "Travelling that week."},
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Members only. Everyone's calendar drops it; the reason goes with the notice."""
        check_in = self.get_object()
        actor = self._acting_member()
        data = _valid(shapes.CheckInCancelSerializer(data=request.data))
        check_in_services.check_in_cancel(
            organization=self.request.organization,
            check_in=check_in,
            actor=actor,
            reason=data["reason"],
        )
        return Response(self._represent(self._reread(check_in.pk)))

    @extend_schema(
        summary="Say how a check-in went",
        request=shapes.CheckInRecordInputSerializer,
        responses=shapes.CheckInSerializer,
        examples=[
            OpenApiExample(
                "It happened and helped",
                value={"happened": True, "rating": 5, "comment": "Clear next steps."},
                request_only=True,
            ),
            *CHECK_IN_EXAMPLES[:1],
        ],
    )
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Members only, once the check-in has started: each member's own account; saying it
        again replaces it. The comment is seen by its author alone."""
        check_in = self.get_object()
        actor = self._acting_member()
        data = _valid(shapes.CheckInRecordInputSerializer(data=request.data))
        check_in_services.check_in_record(
            organization=self.request.organization,
            check_in=check_in,
            actor=actor,
            happened=data["happened"],
            rating=data.get("rating"),
            comment=data["comment"],
        )
        return Response(self._represent(self._reread(check_in.pk)))


# --- Goals ----------------------------------------------------------------------------------


class GoalFilter(FilterSet):
    mentorship = IdFilter(field_name="mentorship_id")
    status = django_filters.ChoiceFilter(choices=GoalStatus.choices)

    class Meta:
        model = Goal
        fields = ["mentorship", "status"]


class GoalViewSet(_EngagementDetailViewSet[Goal]):
    """Goals of mentorships and their milestones, newest first. Either member proposes, edits,
    moves a goal through its statuses and ticks milestones; every change is in the goal's
    history on the pages."""

    model = Goal
    serializer_class = shapes.GoalSerializer
    metadata_serializer_class = shapes.GoalMetadataSerializer
    filterset_class = GoalFilter

    def organization_queryset(self, organization: Organization) -> QuerySet[Goal]:
        return goal_api_list(
            organization=organization,
            viewer=self._viewer(),
            every_mentorship=self._every_mentorship(),
        )

    @extend_schema(examples=GOAL_EXAMPLES)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(examples=GOAL_EXAMPLES)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Propose a goal",
        request=shapes.GoalProposalSerializer,
        responses={201: shapes.GoalSerializer},
        examples=[
            OpenApiExample(
                "A goal with a date",
                value={
                    "mentorship": 37,
                    "title": "Lead the next planning cycle",
                    "description": "Run the kickoff and the review with the team.",
                    "target_date": "2030-09-30",
                },
                request_only=True,
            ),
            GOAL_EXAMPLES[0],
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members only; the other members hear about it in the app."""
        actor = self._acting_member()
        data = _valid(shapes.GoalProposalSerializer(data=request.data))
        goal = goal_services.goal_propose(
            organization=self.request.organization,
            mentorship=self._mentorship_or_field_error(data["mentorship"]),
            actor=actor,
            title=data["title"],
            description=data["description"],
            target_date=data["target_date"],
        )
        return Response(self._represent(self._reread(goal.pk)), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a goal",
        request=shapes.GoalEditSerializer,
        responses=shapes.GoalSerializer,
        examples=[
            OpenApiExample(
                "New words and date",
                value={
                    "title": "Lead two planning cycles",
                    "description": "",
                    "target_date": "2030-12-15",
                },
                request_only=True,
            ),
            GOAL_EXAMPLES[0],
        ],
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members only: the title, details and target date all at once (a left-out detail or
        date is cleared)."""
        return self._edit(request, partial=False)

    @extend_schema(
        summary="Edit a goal",
        request=shapes.GoalEditSerializer(partial=True),
        responses=shapes.GoalSerializer,
        examples=GOAL_EXAMPLES[:1],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members only: what is left out stays as it is."""
        return self._edit(request, partial=True)

    def _edit(self, request: Request, *, partial: bool) -> Response:
        goal = self.get_object()
        actor = self._acting_member()
        data = _valid(shapes.GoalEditSerializer(data=request.data, partial=partial))
        goal_services.goal_update(
            organization=self.request.organization,
            goal=goal,
            actor=actor,
            title=data.get("title", goal.title),
            description=data.get("description", goal.description),
            target_date=data.get("target_date", goal.target_date),
        )
        return Response(self._represent(self._reread(goal.pk)))

    @extend_schema(
        summary="Move a goal to another status",
        request=shapes.GoalStatusSerializer,
        responses=shapes.GoalSerializer,
        examples=[
            OpenApiExample("Start it", value={"status": "in_progress"}, request_only=True),
            GOAL_EXAMPLES[0],
        ],
    )
    # `url_name` without a dash: route names are `<basename>-<action>`.
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        """Members only. Proposed goes to in progress, done or dropped; in progress to done or
        dropped; a done or dropped goal back to in progress."""
        goal = self.get_object()
        actor = self._acting_member()
        data = _valid(shapes.GoalStatusSerializer(data=request.data))
        goal_services.goal_set_status(
            organization=self.request.organization, goal=goal, actor=actor, status=data["status"]
        )
        return Response(self._represent(self._reread(goal.pk)))

    @extend_schema(
        summary="Add a milestone to a goal",
        request=shapes.MilestoneAddSerializer,
        responses={201: shapes.GoalSerializer},
        examples=[
            OpenApiExample(
                "A milestone with a date",
                value={"title": "Draft the agenda", "due_on": "2030-06-01"},
                request_only=True,
            ),
            GOAL_EXAMPLES[0],
        ],
    )
    @action(detail=True, methods=["post"])
    def milestones(self, request: Request, pk: str | None = None) -> Response:
        """Members only. Answers the goal with its milestones."""
        goal = self.get_object()
        actor = self._acting_member()
        data = _valid(shapes.MilestoneAddSerializer(data=request.data))
        goal_services.milestone_add(
            organization=self.request.organization,
            goal=goal,
            actor=actor,
            title=data["title"],
            due_on=data["due_on"],
        )
        return Response(self._represent(self._reread(goal.pk)), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Tick or reopen a milestone",
        request=shapes.MilestoneDoneSerializer,
        responses=shapes.GoalSerializer,
        examples=[
            OpenApiExample("Tick it", value={"milestone": 140, "done": True}, request_only=True),
            GOAL_EXAMPLES[0],
        ],
    )
    @action(detail=True, methods=["post"])
    def tick(self, request: Request, pk: str | None = None) -> Response:
        """Members only. Ticking the last milestone does not finish the goal: the pair says
        when it is done."""
        goal = self.get_object()
        actor = self._acting_member()
        data = _valid(shapes.MilestoneDoneSerializer(data=request.data))
        # The goal's own milestones came with it (a signed-in viewer's read prefetches them).
        milestone = next((m for m in goal.milestones.all() if m.pk == data["milestone"]), None)
        if milestone is None:
            raise serializers.ValidationError(
                {"milestone": [_("This goal has no such milestone.")]}
            )
        goal_services.milestone_set_done(
            organization=self.request.organization,
            milestone=milestone,
            actor=actor,
            done=data["done"],
        )
        return Response(self._represent(self._reread(goal.pk)))


# --- Messages -------------------------------------------------------------------------------


class MessageFilter(FilterSet):
    mentorship = IdFilter(field_name="mentorship_id")

    class Meta:
        model = Message
        fields = ["mentorship"]


class MessageViewSet(_EngagementViewSet[Message]):
    """Messages of the viewer's own mentorships, newest first.

    Only a mentorship's members read its thread: for program staff and API keys this list is
    always empty (they read `messages_count` on the mentorship)."""

    model = Message
    serializer_class = shapes.MessageSerializer
    metadata_serializer_class = shapes.MessageSerializer
    filterset_class = MessageFilter

    def organization_queryset(self, organization: Organization) -> QuerySet[Message]:
        return message_api_list(organization=organization, viewer=self._viewer())

    def _represent(self, row: Message) -> dict[str, Any]:
        # The list holds the viewer's own threads only: each row is a member's.
        return cast(dict[str, Any], self.serializer_class(row).data)

    @extend_schema(
        examples=[
            OpenApiExample(
                "A message",
                value={
                    "id": 5120,
                    "mentorship": 37,
                    "author": 902,
                    "body": "Thanks for today. I sent the plan to my manager.",
                    "edited_at": None,
                    "created_at": "2030-05-06T08:20:03Z",
                },
                response_only=True,
            )
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Post a message",
        request=shapes.MessagePostSerializer,
        responses={201: shapes.MessageSerializer},
        examples=[
            OpenApiExample(
                "A message",
                value={"mentorship": 37, "body": "Thanks for today."},
                request_only=True,
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members only. The author has read the thread up to their own message."""
        actor = self._acting_member()
        data = _valid(shapes.MessagePostSerializer(data=request.data))
        message = message_services.message_post(
            organization=self.request.organization,
            mentorship=self._mentorship_or_field_error(data["mentorship"]),
            actor=actor,
            body=data["body"],
        )
        return Response(self._represent(message), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a thread read",
        request=shapes.ThreadReadSerializer,
        responses={204: None},
        examples=[OpenApiExample("Everything so far", value={"mentorship": 37}, request_only=True)],
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Members only: the others' messages up to `until` (default: now) are no longer
        unread for the viewer. Marking an earlier moment never brings messages back."""
        actor = self._acting_member()
        data = _valid(shapes.ThreadReadSerializer(data=request.data))
        message_services.thread_mark_read(
            organization=self.request.organization,
            mentorship=self._mentorship_or_field_error(data["mentorship"]),
            actor=actor,
            until=data.get("until"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
