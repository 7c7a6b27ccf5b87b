from django.urls import path

from surveys.views import builder, mentor_feedback, mine, preview, reports_list, results

app_name = "surveys"
urlpatterns: list = [
    # The builder and the preview (program managers).
    path("surveys/", builder.survey_list, name="survey_list"),
    path("surveys/new/", builder.survey_create, name="survey_create"),
    path("surveys/results/", reports_list.survey_report_list, name="report_list"),
    path("surveys/<int:survey_id>/", builder.survey_builder, name="builder"),
    path("surveys/<int:survey_id>/settings/", builder.survey_settings, name="settings"),
    path("surveys/<int:survey_id>/open/", builder.survey_open, name="open"),
    path("surveys/<int:survey_id>/close/", builder.survey_close, name="close"),
    path("surveys/<int:survey_id>/copy/", builder.survey_copy, name="copy"),
    path("surveys/<int:survey_id>/delete/", builder.survey_delete, name="delete"),
    path("surveys/<int:survey_id>/preview/", preview.survey_preview, name="preview"),
    path("surveys/<int:survey_id>/sections/", builder.section_add, name="section_add"),
    path(
        "surveys/<int:survey_id>/sections/<int:survey_section_id>/",
        builder.section_edit,
        name="section_edit",
    ),
    path(
        "surveys/<int:survey_id>/sections/<int:survey_section_id>/delete/",
        builder.section_delete,
        name="section_delete",
    ),
    path(
        "surveys/<int:survey_id>/sections/<int:survey_section_id>/move/",
        builder.section_move,
        name="section_move",
    ),
    path(
        "surveys/<int:survey_id>/sections/<int:survey_section_id>/questions/",
        builder.question_add,
        name="question_add",
    ),
    path(
        "surveys/<int:survey_id>/questions/<int:survey_question_id>/",
        builder.question_edit,
        name="question_edit",
    ),
    path(
        "surveys/<int:survey_id>/questions/<int:survey_question_id>/delete/",
        builder.question_delete,
        name="question_delete",
    ),
    path(
        "surveys/<int:survey_id>/questions/<int:survey_question_id>/move/",
        builder.question_move,
        name="question_move",
    ),
    path(
        "surveys/<int:survey_id>/questions/<int:survey_question_id>/required/",
        builder.question_required,
        name="question_required",
    ),
    path("surveys/<int:survey_id>/schedules/", builder.schedule_add, name="schedule_add"),
    path(
        "surveys/<int:survey_id>/schedules/<int:survey_schedule_id>/",
        builder.schedule_edit,
        name="schedule_edit",
    ),
    path(
        "surveys/<int:survey_id>/schedules/<int:survey_schedule_id>/delete/",
        builder.schedule_delete,
        name="schedule_delete",
    ),
    path("surveys/mine/", mine.survey_mine, name="mine"),
    path("surveys/mine/card/", mine.survey_mine_card, name="mine_card"),
    path(
        "surveys/mine/<int:survey_invitation_id>/",
        mine.survey_mine_answer,
        name="mine_answer",
    ),
    path(
        "surveys/mine/<int:survey_invitation_id>/open/",
        mine.survey_mine_open,
        name="mine_open",
    ),
    path("surveys/<int:survey_id>/results/", results.survey_results_page, name="results"),
    path(
        "surveys/<int:survey_id>/results/export.csv",
        results.survey_results_csv,
        name="results_csv",
    ),
    path(
        "surveys/<int:survey_id>/results/export.xlsx",
        results.survey_results_xlsx,
        name="results_xlsx",
    ),
    path(
        "surveys/<int:survey_id>/responses/",
        results.survey_responses_page,
        name="responses",
    ),
    path(
        "surveys/<int:survey_id>/responses/export.csv",
        results.survey_responses_csv,
        name="responses_csv",
    ),
    path("surveys/privacy/", results.survey_privacy_settings, name="privacy_settings"),
    path("surveys/feedback/", mentor_feedback.mentor_feedback, name="mentor_feedback"),
]
