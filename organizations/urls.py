from django.urls import path

from organizations import views

app_name = "organizations"
urlpatterns = [
    path("orgs/", views.organization_list, name="organization_list"),
    path("o/<slug:org_slug>/people/", views.member_list, name="member_list"),
    path(
        "o/<slug:org_slug>/people/<int:membership_id>/role/",
        views.member_change_role,
        name="member_change_role",
    ),
    path(
        "o/<slug:org_slug>/people/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "o/<slug:org_slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("o/<slug:org_slug>/api-keys/", views.api_key_list, name="api_key_list"),
    path("o/<slug:org_slug>/audit-log/", views.audit_log, name="audit_log"),
    path(
        "o/<slug:org_slug>/api-keys/<str:api_key_id>/revoke/",
        views.api_key_revoke,
        name="api_key_revoke",
    ),
]
