from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from participants.apis import ParticipantViewSet
from programs.apis import CohortViewSet, ProgramViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("programs", ProgramViewSet, basename="program")
router.register("cohorts", CohortViewSet, basename="cohort")
router.register("participants", ParticipantViewSet, basename="participant")

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="api-schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(
            url_name="api-schema", permission_classes=[], authentication_classes=[]
        ),
        name="api-docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(
            url_name="api-schema", permission_classes=[], authentication_classes=[]
        ),
        name="api-redoc",
    ),
    *router.urls,
]
