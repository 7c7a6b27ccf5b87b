"""Every write of the mentorships app, by concern. Callers use `mentorships.services.<name>`
for what is listed here, or the concern's module for the rest."""

from mentorships.services.check_ins import (
    check_in_book,
    check_in_cancel,
    check_in_record,
    check_in_reschedule,
)
from mentorships.services.mentorships import (
    MentorshipSeats,
    mentorship_create_from_match,
    mentorships_create_from_match,
)
from mentorships.services.reminders import check_in_reminders_send

__all__ = [
    "MentorshipSeats",
    "check_in_book",
    "check_in_cancel",
    "check_in_record",
    "check_in_reminders_send",
    "check_in_reschedule",
    "mentorship_create_from_match",
    "mentorships_create_from_match",
]
