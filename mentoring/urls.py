from django.urls import include, path

from accounts import views as account_views
from core.styleguide import styleguide
from mentoring import views
from mentorships.views import feed as calendar_feed
from notifications import views as notification_views
from organizations import views as organization_views
from surveys.views import answer as survey_answer

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("_styleguide/", styleguide, name="styleguide"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("me/calendar/", calendar_feed.calendar_feed_settings, name="calendar_feed_settings"),
    path("calendar/<str:token>.ics", calendar_feed.calendar_feed, name="calendar_feed"),
    path("unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
    # Same address and name as Django's own view, which it wraps; listed first so it wins.
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "invitations/<str:token>/", organization_views.invitation_accept, name="invitation_accept"
    ),
    path("s/<str:token>/", survey_answer.survey_answer, name="survey_answer"),
    path("", include("organizations.urls")),
    path("o/<slug:org_slug>/", views.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/", include("programs.urls")),
    path("o/<slug:org_slug>/", include("participants.urls")),
    path("o/<slug:org_slug>/", include("matching.urls")),
    path("o/<slug:org_slug>/", include("mentorships.urls")),
    path("o/<slug:org_slug>/", include("notifications.urls")),
    path("o/<slug:org_slug>/", include("webhooks.urls")),
    path("o/<slug:org_slug>/", include("surveys.urls")),
    path("o/<slug:org_slug>/", include("analytics.urls")),
    path("api/v1/", include("mentoring.api_urls")),
]

# Under /api/ these answer the JSON error shape; elsewhere, Django's pages.
handler404 = "core.api.page_not_found"
handler500 = "core.api.server_error"
