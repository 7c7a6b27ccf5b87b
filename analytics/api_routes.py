"""This app's routes under /api/v1/, registered by mentoring/api_urls.py."""

from rest_framework.routers import BaseRouter

from analytics.reports_api import ReportViewSet


def register(router: BaseRouter) -> None:
    """Register this app's viewsets on the API router."""
    router.register("reports", ReportViewSet, basename="report")
