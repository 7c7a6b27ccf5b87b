from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("insights/", views.dashboard, name="dashboard"),
    path("insights/export/", views.dashboard_export, name="dashboard_export"),
]
