from django.urls import path

from matching import views

app_name = "matching"
urlpatterns = [
    path("matching/", views.overview, name="overview"),
    path("cohorts/<int:cohort_id>/matching/", views.cohort_matching, name="cohort_matching"),
    path(
        "cohorts/<int:cohort_id>/matching/settings/",
        views.matching_settings_save,
        name="matching_settings_save",
    ),
    path(
        "cohorts/<int:cohort_id>/matching/preview/", views.matching_preview, name="matching_preview"
    ),
    path("cohorts/<int:cohort_id>/matching/run/", views.round_start, name="round_start"),
    path(
        "cohorts/<int:cohort_id>/matching/rules/<int:rule_id>/delete/",
        views.pair_rule_delete,
        name="pair_rule_delete",
    ),
    path("rounds/<int:round_id>/", views.round_detail, name="round_detail"),
    path("rounds/<int:round_id>/progress/", views.round_progress, name="round_progress"),
    path("rounds/<int:round_id>/rerun/", views.round_rerun, name="round_rerun"),
    path("rounds/<int:round_id>/approve-all/", views.round_approve_all, name="round_approve_all"),
    path("rounds/<int:round_id>/decide/", views.round_bulk, name="round_bulk"),
    path("rounds/<int:round_id>/review/", views.round_review, name="round_review"),
    path("rounds/<int:round_id>/publish/", views.round_publish, name="round_publish"),
    path("proposals/<int:proposal_id>/more/", views.proposal_more, name="proposal_more"),
    path("proposals/<int:proposal_id>/decide/", views.proposal_decide, name="proposal_decide"),
    path("proposals/<int:proposal_id>/rule/", views.proposal_rule, name="proposal_rule"),
    path("proposals/<int:proposal_id>/swap/", views.proposal_swap, name="proposal_swap"),
    path("cohorts/<int:cohort_id>/find-a-mentor/", views.find_mentor, name="find_mentor"),
    path("cohorts/<int:cohort_id>/preferences/", views.preferences, name="preferences"),
    path("mentor-requests/", views.mentor_request_inbox, name="mentor_request_inbox"),
    path(
        "mentor-requests/<int:request_id>/respond/",
        views.mentor_request_respond,
        name="mentor_request_respond",
    ),
    path(
        "cohorts/<int:cohort_id>/mentor-requests/approvals/",
        views.mentor_request_approvals,
        name="mentor_request_approvals",
    ),
    path(
        "mentor-requests/<int:request_id>/approve/",
        views.mentor_request_approve,
        name="mentor_request_approve",
    ),
]
