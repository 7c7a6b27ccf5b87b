"""Signals for the layers above accounts, which accounts may not import."""

from django.dispatch import Signal

# Sent with `user` once a person's time zone changed (inside the transaction that saved it):
# their participant profiles carry a copy of it and follow (participants/apps.py).
time_zone_changed = Signal()
