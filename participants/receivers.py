"""Receivers of signals from accounts, which may not import participants."""

from typing import Any

from django.dispatch import receiver

from accounts.models import User
from accounts.signals import time_zone_changed
from participants.services import participant_time_zones_follow


@receiver(time_zone_changed, dispatch_uid="participants.follow_account_time_zone")
def follow_account_time_zone(sender: type[User], *, user: User, **kwargs: Any) -> None:
    participant_time_zones_follow(user=user)
