from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

MENTOR_ROLES = ("mentor", "both")
MENTEE_ROLES = ("mentee", "both")


def count_seats(apps, schema_editor):
    """Fill the stored counts from today's participants (active ones; "both" on each side)."""
    Cohort = apps.get_model("programs", "Cohort")
    Participant = apps.get_model("participants", "Participant")

    def taken(roles):
        counted = (
            Participant.objects.filter(cohort=OuterRef("pk"), status="active", role__in=roles)
            .order_by()
            .values("cohort")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    Cohort.objects.all().update(
        mentor_seats_taken=taken(MENTOR_ROLES), mentee_seats_taken=taken(MENTEE_ROLES)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_free_text_limits"),
        ("participants", "0003_free_text_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="cohort",
            name="mentor_seats_taken",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="cohort",
            name="mentee_seats_taken",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_seats, migrations.RunPython.noop),
    ]
