"""One time zone per person (docs/i18n.md): an account that names no zone takes the zone of its
newest participant profile, and every profile of an account takes the account's zone."""

from django.db import migrations
from django.db.models import Exists, F, OuterRef, Subquery


def one_time_zone_per_person(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Participant = apps.get_model("participants", "Participant")
    # The base manager: the scoped one refuses a query across organizations.
    profiles = Participant._base_manager.filter(user__isnull=False)
    newest_zone = (
        profiles.filter(user_id=OuterRef("pk")).exclude(time_zone="").order_by("-created_at", "-id")
    )
    User._base_manager.filter(Exists(newest_zone), time_zone="").update(
        time_zone=Subquery(newest_zone.values("time_zone")[:1])
    )
    account_zone = User._base_manager.filter(pk=OuterRef("user_id")).values("time_zone")[:1]
    profiles.exclude(user__time_zone="").exclude(time_zone=F("user__time_zone")).update(
        time_zone=Subquery(account_zone)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_calendarfeed"),
        ("participants", "0004_weekly_availability"),
    ]

    operations = [migrations.RunPython(one_time_zone_per_person, migrations.RunPython.noop)]
