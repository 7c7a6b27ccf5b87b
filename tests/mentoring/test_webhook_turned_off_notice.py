"""When failures turn a webhook endpoint off, the organization's owners and admins are told,
once, in the app and by email."""

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import Notification
from tests.webhooks.factories import endpoint_for
from webhooks.models import WebhookEndpoint
from webhooks.signals import endpoint_turned_off

pytestmark = pytest.mark.django_db


def test_owners_and_admins_hear_once_and_no_one_else(org, owner, org_admin, member, outsider):
    endpoint = endpoint_for(org, "http://127.0.0.1:9/meridian")
    endpoint.failing_since = timezone.now()
    endpoint.save()

    for _ in range(2):
        endpoint_turned_off.send(sender=WebhookEndpoint, organization=org, endpoint=endpoint)

    with scopes_disabled():
        told = set(Notification.objects.values_list("user__email", flat=True))
    assert told == {owner.email, org_admin.email}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, org_admin.email])
    assert "127.0.0.1:9/meridian" in mail.outbox[0].body
