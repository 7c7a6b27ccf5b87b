from django.urls import path

from analytics import views, views_fairness, views_learning, views_recognition

app_name = "analytics"
urlpatterns = [
    path("insights/", views.dashboard, name="dashboard"),
    path("insights/export/", views.dashboard_export, name="dashboard_export"),
    path("analytics/fairness/", views_fairness.fairness, name="fairness"),
    path(
        "analytics/fairness/round/<int:round_id>/",
        views_fairness.fairness_round,
        name="fairness_round",
    ),
    path("recognition/", views_recognition.recognition, name="recognition"),
    path("recognition/me/", views_recognition.recognition_me, name="recognition_me"),
    path("recognition/me/card/", views_recognition.recognition_card, name="recognition_card"),
    path(
        "recognition/mentor/<int:participant_id>/thank/",
        views_recognition.recognition_thank,
        name="recognition_thank",
    ),
    path(
        "recognition/me/certificate/<int:participant_id>/",
        views_recognition.recognition_certificate,
        name="recognition_certificate",
    ),
    path(
        "cohorts/<int:cohort_id>/learned-model/train/",
        views_learning.learned_train,
        name="learned_train",
    ),
]
