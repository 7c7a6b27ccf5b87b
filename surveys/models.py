"""Surveys: definitions (survey, sections, questions), when they go out (schedules), who was asked
(invitations) and what came back (responses and their answers).

Texts a program team writes are JSON objects from language code to text ({"en": …, "es": …}),
read with `core.texts.in_language`, as learning paths do. docs/surveys.md ("Data model") says
what each field means and how anonymous responses stay unlinked from the people who gave them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel
from mentorships.models import Mentorship
from participants.models import Participant, ParticipantRole
from programs.models import Cohort, Program


class SurveyKind(models.TextChoices):
    MATCH_CHECK = "match_check", _("Two-week match check")
    MIDPOINT = "midpoint", _("Midpoint evaluation")
    END = "end", _("End-of-program evaluation")
    MENTOR_FEEDBACK = "mentor_feedback", _("Feedback on the mentor's approach")
    MENTOR_VIEW = "mentor_view", _("The mentor's view of the mentorship")
    SAFETY_PULSE = "safety_pulse", _("Psychological-safety pulse")
    NPS = "nps", _("Program NPS")
    CUSTOM = "custom", _("Custom")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


# How many questions and sections one survey may hold: the answer page renders them all at once.
SECTIONS_MAX = 20
QUESTIONS_MAX = 100


class Survey(TenantOwnedModel):
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("program")
    )
    name = models.JSONField(_("name"), default=dict)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=SurveyKind.choices, default=SurveyKind.CUSTOM
    )
    # Anonymous: no response row names the person or the invitation (docs/surveys.md).
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # Asked about one mentorship at a time: one invitation per person and mentorship they are
    # in (the match check, feedback on the mentor, the mentor's view), instead of one per person.
    per_mentorship = models.BooleanField(_("asked about each mentorship"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    # Invitations go out from `opens_at` (immediately when empty); links expire at `closes_at`,
    # which an open survey must have.
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    # One reminder to people who have not answered, this many days after their invitation;
    # empty means no reminder.
    reminder_after_days = models.PositiveSmallIntegerField(
        _("remind after (days)"), null=True, blank=True, default=3
    )
    # Mentor-approach feedback reaches the mentor (aggregated over at least three mentees) only
    # when the program turns this on.
    mentor_feedback_visible = models.BooleanField(
        _("show mentors the feedback about them"), default=False
    )
    # The shipped template it was copied from (surveys.templates_library), if any.
    template_key = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped in the transaction that submits a response, and right after a batch of invitations
    # is sent: the results' cache key reads it from this row instead of counting 100,000 rows.
    results_version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = TenantManager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(closes_at__isnull=False),
                name="survey_open_has_closing_time",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "program", "status"]),
            # The dispatch scan: open surveys, and those whose closing time has passed.
            models.Index(
                fields=["status", "closes_at"],
                condition=Q(status="open"),
                name="survey_open_by_close",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey {self.pk} ({self.kind})"


class SurveySection(TenantOwnedModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    title = models.JSONField(_("title"), default=dict, blank=True)
    description = models.JSONField(_("description"), default=dict, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("survey section")
        verbose_name_plural = _("survey sections")
        ordering = ("position", "id")

    def __str__(self) -> str:
        return f"Section {self.position} of survey {self.survey_id}"


class QuestionType(models.TextChoices):
    SCALE_1_5 = "scale_1_5", _("Scale from 1 to 5")
    NPS = "nps", _("Recommendation score (0 to 10)")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    MATRIX = "matrix", _("Statements on one scale")


# Types whose answer is a number (one per statement for a matrix): aggregated as distributions.
NUMBER_TYPES = frozenset({QuestionType.SCALE_1_5, QuestionType.NPS, QuestionType.MATRIX})
CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE})
TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})
SCALE_RANGE = {
    QuestionType.SCALE_1_5: (1, 5),
    QuestionType.MATRIX: (1, 5),
    QuestionType.NPS: (0, 10),
}
KEY_MAX_LENGTH = 50
CHOICES_MAX = 30
STATEMENTS_MAX = 20
SHORT_TEXT_MAX_LENGTH = 300
LONG_TEXT_MAX_LENGTH = 5000


class SurveyQuestion(TenantOwnedModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(SurveySection, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    # A stable slug, unique in the survey ("good_match"): conditions, copies of templates, the
    # at-risk hook and analytics name questions by it, never by id.
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    text = models.JSONField(_("question"), default=dict)
    help_text = models.JSONField(_("help text"), default=dict, blank=True)
    # The labelled ends of a scale, NPS or matrix ("Not at all" … "Completely").
    low_label = models.JSONField(_("low end label"), default=dict, blank=True)
    high_label = models.JSONField(_("high end label"), default=dict, blank=True)
    # Single and multiple choice: [{"value": "yes", "label": {"en": …, "es": …}}, …].
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # Matrix: [{"key": "listens", "text": {"en": …, "es": …}}, …], each rated from 1 to 5.
    statements = models.JSONField(_("statements"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    # Shown only when an earlier question's answer is one of `values`:
    # {"question": "<key>", "values": ["no", "unsure"]} (numbers as strings: ["1", "2"]).
    # Null: always shown. Answers to a hidden question are dropped; required applies only when
    # shown.
    show_if = models.JSONField(_("show only if"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "survey", "key"], name="survey_question_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.type}) of survey {self.survey_id}"


class ScheduleTrigger(models.TextChoices):
    AFTER_COHORT_START = "after_cohort_start", _("Days after the cohort starts")
    AFTER_MENTORSHIP_PUBLISHED = "after_mentorship_published", _("Days after a match is made")
    AFTER_CHECK_IN = "after_check_in", _("After a number of check-ins")
    BEFORE_COHORT_END = "before_cohort_end", _("Days before the cohort ends")
    ON_DATE = "on_date", _("On a date")


class Audience(models.TextChoices):
    MENTEES = "mentees", _("Mentees")
    MENTORS = "mentors", _("Mentors")
    BOTH = "both", _("Mentors and mentees")


class SurveySchedule(TenantOwnedModel):
    """When and to whom a survey goes out, on the program's clock. Each field applies to the
    triggers its comment names; a check constraint keeps the row consistent."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="schedules")
    trigger = models.CharField(_("send"), max_length=30, choices=ScheduleTrigger.choices)
    # after_cohort_start, after_mentorship_published, before_cohort_end: N days.
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    # after_check_in: after the k-th check-in that took place.
    check_in_number = models.PositiveSmallIntegerField(_("check-in number"), null=True, blank=True)
    # on_date: the instant to send.
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.BOTH
    )
    # One cohort of the survey's program, or every cohort of it when empty.
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("survey schedule")
        verbose_name_plural = _("survey schedules")
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        trigger__in=[
                            "after_cohort_start",
                            "after_mentorship_published",
                            "before_cohort_end",
                        ],
                        days__isnull=False,
                    )
                    # NULL >= 1 is unknown, which a CHECK lets pass: say not null.
                    | Q(
                        trigger="after_check_in",
                        check_in_number__isnull=False,
                        check_in_number__gte=1,
                    )
                    | Q(trigger="on_date", send_at__isnull=False)
                ),
                name="survey_schedule_trigger_complete",
            )
        ]

    def __str__(self) -> str:
        return f"{self.trigger} schedule of survey {self.survey_id}"


class SurveyInvitation(TenantOwnedModel):
    """One person asked once (per mentorship for a per-mentorship survey). The unique
    constraints are the dispatch claim: a second scan inserts nothing. Only sha256 hashes of
    the link's tokens are stored; an anonymous survey's response cannot be reached from here."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    schedule = models.ForeignKey(
        SurveySchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    # The mentorship a per-mentorship survey asks about (and so, for feedback, which mentor).
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The side the person answers from (a "both" participant is asked as one of them).
    role = models.CharField(max_length=10, choices=ParticipantRole.choices)
    # The address and language used when it was sent.
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    # sha256 of the link's token (the first email's), and of the reminder's link: the reminder
    # cannot repeat a token nobody kept, so it carries a second one. Either opens the invitation
    # until the first save through one of them; from then on only that one does, since the
    # anonymous response is found by a key derived from the token that saved it.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    reminder_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Something was saved through the link (a partial response exists): no reminder.
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "survey", "participant"],
                condition=Q(mentorship__isnull=True),
                name="survey_invitation_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["organization", "survey", "participant", "mentorship"],
                condition=Q(mentorship__isnull=False),
                name="survey_invitation_once_per_mentorship",
            ),
        ]
        indexes = [
            # The send scan: created but not yet sent.
            models.Index(
                fields=["survey"], condition=Q(sent_at__isnull=True), name="survey_inv_unsent"
            ),
            # The reminder scan: sent, not reminded, nothing saved.
            models.Index(
                fields=["survey", "sent_at"],
                condition=Q(
                    sent_at__isnull=False,
                    reminded_at__isnull=True,
                    started_at__isnull=True,
                    answered_at__isnull=True,
                ),
                name="survey_inv_to_remind",
            ),
            models.Index(fields=["organization", "survey", "answered_at"]),
            # The results' invitation totals and response-rate line, as index-only scans.
            models.Index(
                fields=["organization", "survey", "sent_at", "answered_at"],
                condition=Q(sent_at__isnull=False),
                name="survey_inv_sent_results",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to survey {self.survey_id}"


class SurveyResponse(TenantOwnedModel):
    """One person's answers to one survey (per mentorship for a per-mentorship survey).

    Named: `participant` (and `mentorship`) say whose. Anonymous: both stay empty and the row is
    found only through `respondent_key`, sha256("response:" + token), which only the link's
    holder can compute; times are kept to the day and the id is random, so neither the order
    nor the moment of answering lines a response up with an invitation's `answered_at`.

    The respondent's cohort, role, country, function and seniority are copied here when the
    response is first saved, for the results' filters (which the anonymity threshold guards).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    respondent_key = models.CharField(max_length=64, blank=True)
    # Mentor-approach feedback: the mentor it is about (kept for anonymous surveys too, so the
    # mentor's aggregate can be drawn; shown only across three mentees or more).
    about_mentor = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True)
    cohort = models.ForeignKey(
        Cohort, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=10, blank=True, choices=ParticipantRole.choices)
    country = models.CharField(max_length=2, blank=True)
    function = models.CharField(max_length=120, blank=True)
    seniority = models.PositiveSmallIntegerField(null=True, blank=True)
    # What the form holds now, by question key: partial saves and edits land here; `submitted`
    # answers (SurveyAnswer rows, which results read) are rewritten from it on each submit.
    draft = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "respondent_key"],
                condition=~Q(respondent_key=""),
                name="survey_response_unique_key",
            ),
            models.UniqueConstraint(
                fields=["organization", "survey", "participant"],
                condition=Q(participant__isnull=False, mentorship__isnull=True),
                name="survey_response_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["organization", "survey", "participant", "mentorship"],
                condition=Q(participant__isnull=False, mentorship__isnull=False),
                name="survey_response_once_per_mentorship",
            ),
            models.CheckConstraint(
                condition=Q(participant__isnull=False) | ~Q(respondent_key=""),
                name="survey_response_findable",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "survey", "submitted_at"],
                condition=Q(submitted_at__isnull=False),
                name="survey_response_submitted",
            ),
            models.Index(fields=["organization", "about_mentor"], name="survey_response_mentor"),
            # The anonymity rule's counts per combination of attributes, as an index-only scan.
            models.Index(
                fields=[
                    "organization",
                    "survey",
                    "cohort",
                    "role",
                    "country",
                    "function",
                    "seniority",
                ],
                condition=Q(submitted_at__isnull=False),
                name="survey_response_attributes",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to survey {self.survey_id}"


class SurveyAnswer(TenantOwnedModel):
    """One submitted answer, in typed columns so results aggregate in SQL (GROUP BY question,
    number or choice): a scale or NPS answer is one row with `number`; a matrix one row per
    statement (`statement`, `number`); a multiple choice one row per chosen value (`choice`);
    text one row with `text`. `survey` is repeated from the response so the unfiltered results
    read this table alone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    statement = models.CharField(max_length=KEY_MAX_LENGTH, blank=True)
    number = models.SmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=KEY_MAX_LENGTH, blank=True)
    text = models.TextField(blank=True, max_length=LONG_TEXT_MAX_LENGTH)

    objects = TenantManager()

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "response", "question", "statement", "choice"],
                name="survey_answer_once",
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=0, number__lte=10),
                name="survey_answer_number_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["survey", "question", "number"], name="survey_answer_numbers"),
            models.Index(fields=["survey", "question", "choice"], name="survey_answer_choices"),
            # The results' distributions (GROUP BY question, statement, number, choice) and the
            # multiple choices' people, read from the index alone (no heap row per answer).
            models.Index(
                fields=["organization", "survey", "question", "statement", "number", "choice"],
                include=["response"],
                name="survey_answer_results",
            ),
            # A page of a question's written texts in the anonymous order (the random id),
            # read from the index's start instead of sorting every text.
            models.Index(
                fields=["organization", "survey", "question", "id"],
                condition=~Q(text=""),
                name="survey_answer_written_ids",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id} in response {self.response_id}"


class SurveyResultCount(TenantOwnedModel):
    """How many submitted responses gave one answer, per survey and per combination of the
    respondents' copied attributes: the results read these counts instead of the answers, so a
    fresh results view costs the same at 100,000 responses as at ten.

    What a row counts, by its key:

    - `question` empty: submitted responses (the anonymity rule's counts per combination);
    - `question` with `statement`, `number` or `choice`: answers of that value (a matrix
      statement's rating, a scale or NPS number, a chosen value);
    - `question` with `statement`, `number` and `choice` all empty: the responses that answered
      the question (a multiple choice's people, written texts).

    `whole` rows add up every respondent (their attribute columns are empty), so the unfiltered
    view sums a few dozen rows; the other rows hold one combination of cohort, role, country,
    function and seniority each, so a filtered view sums the combinations it chooses. Written
    by `surveys.services` in the transaction that submits a response (`n = n + delta`, never
    read-modify-write), and rebuilt from the answers by `survey_result_counts_rebuild`.

    Rows with a `period` count invitations for the response-rate line instead: `choice`
    "invited" (sent in that period) or "answered" (answered in it), `whole` and no question or
    attribute. A period is a quarter of an hour in UTC (`surveys.result_counts.rate_period`):
    every time zone in use today is a whole number of quarter hours from UTC, so the periods add
    up exactly to the days of any viewer's zone. Written by the batch that sends invitations
    and by the first submit of each, in their transactions.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    whole = models.BooleanField(default=False)
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    statement = models.CharField(max_length=KEY_MAX_LENGTH, blank=True)
    number = models.SmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=KEY_MAX_LENGTH, blank=True)
    # The response's attributes as copied; the cohort is its id without a foreign key, because
    # deleting a cohort must not merge two rows' keys (SET NULL would) under a unique constraint.
    cohort = models.BigIntegerField(null=True, blank=True)
    role = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, blank=True)
    function = models.CharField(max_length=120, blank=True)
    seniority = models.PositiveSmallIntegerField(null=True, blank=True)
    # Invitation counts only: the start of the quarter hour (UTC) they were sent or answered in.
    period = models.DateTimeField(null=True, blank=True)
    n = models.IntegerField(default=0)

    objects = TenantManager()

    class Meta:
        verbose_name = _("survey result count")
        verbose_name_plural = _("survey result counts")
        constraints = [
            # The upsert's conflict target. NULLS NOT DISTINCT: an empty question, number,
            # cohort or seniority is part of the key like any value. `period` comes third so
            # that the figures' reads (`period IS NULL`) skip the invitation counts, and the
            # rate line's read (`period IS NOT NULL`) skips everything else, in the index.
            models.UniqueConstraint(
                fields=[
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
                ],
                nulls_distinct=False,
                name="survey_result_count_key",
            ),
        ]
        indexes = [
            # The rate line's rows alone (a few per quarter hour): without it the planner could
            # take the question index's `question_id IS NULL` range, which holds every
            # combination's response count too (4,890 rows instead of 2,970 at 100,000
            # responses, 32 ms instead of 2.5 ms). `n` stays out of every index, so adding to a
            # count remains a HOT update.
            models.Index(
                fields=["organization", "survey", "choice", "period"],
                condition=Q(period__isnull=False),
                name="survey_result_count_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"Count {self.n} of survey {self.survey_id}"
