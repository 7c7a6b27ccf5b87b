"""Pages of a mentorship and of engagement, under /o/<org_slug>/. Each concern's views live in
their own module of `mentorships.views` and add their paths here."""

from django.urls import path  # noqa: F401  (each concern adds its paths below)

app_name = "mentorships"

urlpatterns: list = []
