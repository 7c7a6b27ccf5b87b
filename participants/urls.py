from django.urls import path

from participants import views

app_name = "participants"
urlpatterns = [
    path("cohorts/<int:cohort_id>/enroll/", views.enroll, name="enroll"),
    path("cohorts/<int:cohort_id>/participants/", views.participant_list, name="participant_list"),
    path(
        "cohorts/<int:cohort_id>/participants/new/",
        views.participant_create,
        name="participant_create",
    ),
    path(
        "cohorts/<int:cohort_id>/participants/import/",
        views.participant_import_view,
        name="participant_import",
    ),
    path(
        "cohorts/<int:cohort_id>/participants/export.csv",
        views.participant_export,
        name="participant_export",
    ),
    path(
        "participants/<int:participant_id>/edit/", views.participant_edit, name="participant_edit"
    ),
    path(
        "participants/<int:participant_id>/withdraw/",
        views.participant_withdraw,
        name="participant_withdraw",
    ),
    path(
        "participants/<int:participant_id>/reinstate/",
        views.participant_reinstate,
        name="participant_reinstate",
    ),
]
