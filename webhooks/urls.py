from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("settings/webhooks/", views.endpoint_list, name="endpoint_list"),
    path(
        "settings/webhooks/<int:webhook_endpoint_id>/",
        views.endpoint_detail,
        name="endpoint_detail",
    ),
    path(
        "settings/webhooks/<int:webhook_endpoint_id>/rotate-secret/",
        views.endpoint_rotate_secret,
        name="endpoint_rotate_secret",
    ),
    path(
        "settings/webhooks/<int:webhook_endpoint_id>/test/",
        views.endpoint_send_test,
        name="endpoint_send_test",
    ),
    path(
        "settings/webhooks/<int:webhook_endpoint_id>/delete/",
        views.endpoint_delete,
        name="endpoint_delete",
    ),
    path(
        "settings/webhooks/deliveries/<int:webhook_delivery_id>/",
        views.delivery_detail,
        name="delivery_detail",
    ),
    path(
        "settings/webhooks/deliveries/<int:webhook_delivery_id>/replay/",
        views.delivery_replay,
        name="delivery_replay",
    ),
]
