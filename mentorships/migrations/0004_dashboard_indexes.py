"""Indexes the program-health dashboard and the at-risk list read by (issue 10): a
mentorship's check-ins by start and by end (the last held, the next planned, the ratings
ranked newest first) and the ratings given on a check-in.

Plain SQL rather than `AddIndex`: the models' Meta stays as it is and these serve queries of
the analytics app, whose needs may change without touching the mentorships models. Partial
and expression-free, so the same statements run on PostgreSQL and SQLite."""

from django.db import migrations

INDEXES = {
    "check_in_mentorship_start": (
        "mentorships_checkin",
        '("mentorship_id", "starts_at")',
        "",
    ),
    "check_in_mentorship_end_held": (
        "mentorships_checkin",
        '("mentorship_id", "ends_at")',
        "WHERE \"status\" = 'scheduled'",
    ),
    "check_in_record_rating": (
        "mentorships_checkinrecord",
        '("check_in_id", "rating")',
        'WHERE "rating" IS NOT NULL',
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("mentorships", "0003_engagement"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" {columns} {where}',
            reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
        )
        for name, (table, columns, where) in INDEXES.items()
    ]
