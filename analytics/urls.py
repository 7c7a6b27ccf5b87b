from django.urls import path

from analytics import views, views_fairness

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
]
