"""Every read of the mentorships app, by concern. `<entity>_get` selectors live in these
modules; the tenant-isolation sweep finds them in every module of the package."""

from mentorships.selectors.check_ins import (
    availability_of,
    busy_intervals,
    check_in_get,
    check_in_list,
    check_in_slots,
)
from mentorships.selectors.mentorships import (
    NOTICE_FIELDS,
    members_by_mentorship,
    mentorship_get_for_member,
    mentorship_list_for_user,
    mentorship_member,
    mentorship_members,
    mentorship_people_list,
)

__all__ = [
    "NOTICE_FIELDS",
    "availability_of",
    "busy_intervals",
    "check_in_get",
    "check_in_list",
    "check_in_slots",
    "members_by_mentorship",
    "mentorship_get_for_member",
    "mentorship_list_for_user",
    "mentorship_member",
    "mentorship_members",
    "mentorship_people_list",
]
