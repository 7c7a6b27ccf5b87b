"""Invitation counts for the response-rate line (`SurveyResultCount.period`), and the counts of
the invitations sent before this migration, so the line reads counts only from now on."""

import datetime as dt
from collections import Counter

from django.db import migrations, models

# What `surveys.result_counts.rate_period` does, frozen here as migrations must be.
PERIOD_SECONDS = 15 * 60


def _period(moment):
    seconds = int(moment.timestamp()) // PERIOD_SECONDS * PERIOD_SECONDS
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def count_sent_invitations(apps, schema_editor):
    """One "invited" row per survey and quarter hour of `sent_at`, one "answered" row per
    quarter hour of `answered_at` (of sent invitations). Every organization's at once: with no
    organization set, the row-level-security policy admits all rows."""
    invitation = apps.get_model("surveys", "SurveyInvitation")
    count = apps.get_model("surveys", "SurveyResultCount")
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        period = "to_timestamp(floor(extract(epoch FROM {0}) / 900) * 900)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO "{count._meta.db_table}" (organization_id, created_at, survey_id,
                    whole, question_id, statement, number, choice, cohort, role, country,
                    function, seniority, period, n)
                SELECT k.organization_id, now(), k.survey_id, true, NULL, '', NULL, k.kind,
                    NULL, '', '', '', NULL, k.period, COUNT(*)
                FROM (
                    SELECT organization_id, survey_id, 'invited' AS kind,
                        {period.format("sent_at")} AS period
                    FROM "{invitation._meta.db_table}" WHERE sent_at IS NOT NULL
                    UNION ALL
                    SELECT organization_id, survey_id, 'answered',
                        {period.format("answered_at")}
                    FROM "{invitation._meta.db_table}"
                    WHERE sent_at IS NOT NULL AND answered_at IS NOT NULL
                ) k
                GROUP BY k.organization_id, k.survey_id, k.kind, k.period
                """  # noqa: S608 — table names from the models
            )
        return
    # The embedded database (SQLite) holds a demo's few invitations: counted in Python.
    counted: Counter = Counter()
    rows = invitation._base_manager.filter(sent_at__isnull=False).values_list(
        "organization_id", "survey_id", "sent_at", "answered_at"
    )
    for organization_id, survey_id, sent_at, answered_at in rows.iterator():
        counted[organization_id, survey_id, "invited", _period(sent_at)] += 1
        if answered_at is not None:
            counted[organization_id, survey_id, "answered", _period(answered_at)] += 1
    count._base_manager.bulk_create(
        count(
            organization_id=organization_id,
            survey_id=survey_id,
            whole=True,
            choice=kind,
            period=period,
            n=n,
        )
        for (organization_id, survey_id, kind, period), n in counted.items()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0002_survey_anonymity_threshold"),
        ("surveys", "0004_result_counts"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="surveyresultcount",
            name="survey_result_count_key",
        ),
        migrations.AddField(
            model_name="surveyresultcount",
            name="period",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="surveyresultcount",
            constraint=models.UniqueConstraint(
                fields=(
                    "organization",
                    "survey",
                    "period",
                    "whole",
                    "question",
                    "statement",
                    "number",
                    "choice",
                    "cohort",
                    "role",
                    "country",
                    "function",
                    "seniority",
                ),
                name="survey_result_count_key",
                nulls_distinct=False,
            ),
        ),
        migrations.RunPython(count_sent_invitations, migrations.RunPython.noop),
    ]
