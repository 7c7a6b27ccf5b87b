"""Every write of the matching app, by concern. Callers use `matching.services.<name>`."""

from matching.services.publish import (
    notify_match_published,
    round_publish,
    unannounced_matches_notify,
)
from matching.services.rankings import stated_preferences_save
from matching.services.requests import (
    mentor_request_approve,
    mentor_request_respond,
    mentor_requests_create,
    mentor_requests_expire,
    mentor_requests_release_withdrawn,
)
from matching.services.review import (
    pair_rule_delete,
    pair_rule_set,
    proposal_approve_all,
    proposal_decide,
    proposal_swap,
    round_mark_reviewed,
)
from matching.services.rounds import (
    cohort_matching_config_update,
    round_rerun,
    round_run,
    round_start,
    rounds_sweep,
    scheduled_rounds_start,
)

__all__ = [
    "cohort_matching_config_update",
    "mentor_request_approve",
    "mentor_request_respond",
    "mentor_requests_create",
    "mentor_requests_expire",
    "mentor_requests_release_withdrawn",
    "notify_match_published",
    "pair_rule_delete",
    "pair_rule_set",
    "proposal_approve_all",
    "proposal_decide",
    "proposal_swap",
    "round_mark_reviewed",
    "round_publish",
    "round_rerun",
    "round_run",
    "round_start",
    "rounds_sweep",
    "scheduled_rounds_start",
    "stated_preferences_save",
    "unannounced_matches_notify",
]
