from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import routers

from analytics import api_routes as analytics_api_routes
from core.api import NotFoundView
from mentorships import api_routes as mentorships_api_routes
from participants.apis import ParticipantViewSet
from programs.apis import CohortViewSet, ProgramViewSet
from surveys import api_routes as surveys_api_routes


class APIRootView(routers.APIRootView):
    """`/api/v1/`: the resources and the documentation, readable without credentials."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        for name in ("schema", "docs", "redoc"):
            response.data[name] = request.build_absolute_uri(f"/api/v1/{name}/")
        return response


class RedocView(SpectacularRedocView):
    """Redoc from this server only: no web fonts from Google, and the Redocly logo its bundle
    fetches from a CDN is refused by the site's policy (Redoc then leaves it out).

    Redoc's bundle injects <style> elements (styled-components, and CSS at load time before any
    nonce option applies), so this one page allows inline styles; scripts stay file-only, and
    search runs in a Worker built from a blob: URL."""

    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response._csp_update = {  # read by csp.middleware
            "style-src": ["'unsafe-inline'"],
            "worker-src": ["blob:"],
            # As before this policy existed (tests/api/test_api_docs_are_local.py): fonts may
            # also be data: URLs, never another host.
            "font-src": ["data:"],
        }
        return response


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI whose init script is served as a file (`?script`), under the site's policy."""

    template_name = "api/swagger_ui.html"


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router(trailing_slash=True)
router.register("programs", ProgramViewSet, basename="program")
router.register("cohorts", CohortViewSet, basename="cohort")
router.register("participants", ParticipantViewSet, basename="participant")
# Each later app registers its own routes (one file each, so their owners do not collide).
for app_routes in (mentorships_api_routes, surveys_api_routes, analytics_api_routes):
    app_routes.register(router)

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="api-schema",
    ),
    path(
        "docs/",
        SwaggerView.as_view(
            url_name="api-schema", permission_classes=[], authentication_classes=[]
        ),
        name="api-docs",
    ),
    path(
        "redoc/",
        RedocView.as_view(url_name="api-schema", permission_classes=[], authentication_classes=[]),
        name="api-redoc",
    ),
    *router.urls,
    # Last: whatever else is asked under the API answers the JSON 404, not an HTML page.
    re_path(r"^.*$", NotFoundView.as_view(), name="api-not-found"),
]
