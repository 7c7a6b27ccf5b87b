from django.urls import path

from programs import views

app_name = "programs"
urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("programs/", views.program_list, name="program_list"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<int:program_id>/", views.program_detail, name="program_detail"),
    path("programs/<int:program_id>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:program_id>/archive/", views.program_archive, name="program_archive"),
    path("programs/<int:program_id>/cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:cohort_id>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:cohort_id>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:cohort_id>/questions/", views.question_add, name="question_add"),
    path("questions/<int:question_id>/delete/", views.question_delete, name="question_delete"),
]
