"""Check-in reminders on PostgreSQL: the minute scan over many due reminders.

    .venv/bin/python -m bench.reminders                       # 100,000 check-ins due
    .venv/bin/python -m bench.reminders --check-ins 2000 --two-scanners 1000

As bench/rounds.py: the script creates its own database (``meridian_bench_reminders_<pid>``,
owned by the app role so row-level security binds as in production), migrates it, seeds one
organization with ``--check-ins`` scheduled check-ins (``--per-pair`` per mentorship, every
person with an account) whose one reminder each is due, ANALYZEs the tables (as autovacuum
would after such an insert; this machine's server runs without it), and drops the database
at the end.
The meetings start on the booking page's 30-minute slots over the next day (a due reminder's
meeting is still ahead; a scan drops reminders of meetings that have begun), so a scan meets
the few start times, zones and languages a real minute's scan does.
Test settings: the locmem email backend, the in-memory Celery broker.

Prints one JSON object per line and case. ``seconds`` is wall time of the service call,
``cpu_seconds`` this process's CPU time in it, ``queries`` the queries it sent:

A reminder is one person's: issue 8 sends each "exactly once per check-in, person and kind",
so a check-in of a pair makes two (two emails and two in-app notices). ``reminders_per_second``
counts them (the issue's 5,000 per second); ``check_ins_per_second`` counts check-ins.

- ``baseline``: the first ``--baseline`` check-ins' reminders sent the naive way (one
  ``notify()`` per person: claim, render, send one by one), inside a transaction that is
  rolled back.
- ``batch_queries``: the scan over the first ``--batch-probe`` reminders with two batch sizes,
  rolled back: queries per batch must not grow with the batch.
- ``scan``: ``check_in_reminders_send`` over every due reminder (scan, SKIP LOCKED claim,
  per-person claim keys, render, send), ``reminders_per_second`` against the baseline's
  (``ratio``); ``reminders_per_cpu_second`` divides by this process's CPU time instead of
  wall time, ``reminders_per_busy_second`` by that and the PostgreSQL backend's CPU time
  together (the two take turns, so a quiet machine approaches it less the round trips and
  the commits' disk flushes). ``sql_seconds`` is the wall time spent waiting for the
  database's answers to statements (PostgreSQL's work, the round trips and, on a loaded
  machine, waiting for a core; commits not included), ``database_cpu_seconds`` the backend's
  CPU time (commits' deferred foreign-key checks included).
- ``scan_again``: the same scan once more sends nothing.
- ``two_scanners``: ``--two-scanners`` fresh due reminders scanned by two threads at once,
  each with its own connection; ``duplicates`` counts emails sent twice (same recipient and
  body), ``shares`` what each scanner sent.

Measured last, quiet (2026-11-29 21:39-21:41 UTC, the default command, load 0.1-1.0, nothing
else running): scan 33.0 s wall, 18.3 s CPU of this process, 12.2 s waiting on statements,
14.1 s of the backend's CPU, for 100,000 check-ins = 200,000 reminders: **6,065 reminders per
second** (3,033 check-ins per second; the issue's goal is 5,000), 0 duplicates, 0 unsent, 7.97
queries per batch (probe: 9.67 at 100, 11.0 at 1,000); a second scan sends nothing (1 query);
two scanners over 20,000 fresh check-ins: shares 20,000 + 20,000 reminders, 40,000 of 40,000
emails, 0 duplicates, 3.7 s. The two runs whose CPU was four times this (74.3 s at 21:04 and
76.2 s at 21:29) each ran while the plain-text email templates were being changed to turn
HTML escaping off and the renderer did not yet read that from the template: every shared
form then failed its check against the template's own render, and each email was rendered
alone (notifications.services._form_make); with the renderer reading the template's setting
the forms hold again.

Under load (2026-11-29 21:18-21:23 UTC, the default command, the shared 2-core machine at
load 5.5-8.7 while other engineers ran tests): scan 74.1 s wall, 18.7 s CPU of this process,
26.6 s waiting on statements, 13.1 s of the PostgreSQL backend's CPU, for 100,000 check-ins
= 200,000 reminders (200,000 emails and 200,000 in-app notices): 2,700 reminders per second
of wall time on that machine (1,350 check-ins per second), 10,679 per CPU second, 6,288 per
busy second (ours and the backend's CPU together); 0 duplicates, 0 unsent, 7.97 queries per
batch of 500 (batch probe: 9.67 at 100, 11.0 at 1,000: one claim statement, two member
reads and five statements per 1,000 people); a second scan sends nothing (1 query); two
scanners over 20,000 fresh check-ins: 40,000 of 40,000 emails, 0 duplicates, 9.9 s (4,028
reminders per second). The wall time left over (74.1 - 18.7 - 26.6 s) is this process
waiting for a core and on its 201 commits. A quiet machine's wall time is about the CPU of
both sides plus the round trips and the commits' flushes (at the session's start, quiet:
65.2 s wall = 31.0 s CPU + 35.1 s waiting): 18.7 + 13.1 s and about a second of round trips
and flushes give ~33 s, ~6,000 reminders per second, above the issue's 5,000; the machine
was not quiet during the session to show it. An earlier run at load 17-18 (20:43-20:54):
18.1 s CPU, 12.4 s of the backend's, 6,554 per busy second; one at 21:04-21:13 counted 74.3 s
of CPU for the same scan (2,297 per busy second), which neither this run nor the scan alone
at 21:15 (21.4 s) repeated: take CPU figures from more than one run here.

Before (the same session's start, quiet machine, load ~1): 100,000 check-ins: 65.2 s wall,
31.0 s CPU, 35.1 s waiting on statements: 3,069 reminders per second (1,535 check-ins per
second); 20,000: 8.6 s, 4.9 s, 3.96 s: 4,634 per second. Twice the SQL per unit at five
times the rows: the tables had no statistics (this server runs without autovacuum, and the
bench did not ANALYZE), so the claim's plan was a bitmap scan of every due reminder and an
external sort of them for each batch of 500 (450 ms a batch at 100,000 due, 3 ms with
statistics, whose plan walks the partial index of unsent reminders in due order and stops
at 500; with it the claim costs the same in the scan's first and last tenth). Our CPU grew
6.3 times: the collector was paused only inside each batch's send, and each collection in
between walked the locmem outbox's messages (200,000 at the end). What went, measured at
20,000 and 100,000 check-ins with the scan's statements timed by kind and the backend's CPU
read from /proc: the UPDATE of sent_at (folded into the claim: one statement locks, marks
and reads a batch), the send records' and notices' 1,000-row VALUES (now unnested arrays:
PostgreSQL 35 → 24 ms and our quoting 10 → 4 ms per 1,000 notices), dataclasses.replace
and a sorted group key per email, a subject rendered per person (now per language, kind,
zone and start across the call), members read as renamed dicts, the generic header walk
of each batch email, and the collector's walks. What is left per reminder: on PostgreSQL,
two rows with their unique indexes and deferred foreign-key checks at commit (in a probe of
1,000 notices the commit took as long as the insert); here, the body's form fill, the
locmem backend's message() and deep copy per email, the Outgoing items and the unsubscribe
token.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.rounds import USER_LANGUAGES, _create_database, _drop_database, _measure, _rolled_back


def _emit(**fields: Any) -> None:
    print(json.dumps(fields, default=str), flush=True)


def _timed(call: Callable[[], Any], profile: bool = False) -> tuple[Any, dict[str, Any]]:
    """The call's figures (`_measure`'s), ``sql_seconds``: wall time spent waiting for the
    database's answers to statements (PostgreSQL's work, the round trips and, on a loaded
    machine, waiting for a core; commits are not in it), and ``database_cpu_seconds``: the CPU
    time of this connection's PostgreSQL backend, commits' deferred foreign-key checks
    included (None when the server is not on this machine)."""
    from django.db import connection

    waited = [0.0]
    backend = _backend_pid()
    database_cpu = _process_cpu(backend)

    def sql_timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited[0] += time.perf_counter() - started

    with connection.execute_wrapper(sql_timed), _measure(profile) as figures:
        result = call()
    figures["sql_seconds"] = round(waited[0], 3)
    after = _process_cpu(backend)
    figures["database_cpu_seconds"] = (
        round(after - database_cpu, 3) if after is not None and database_cpu is not None else None
    )
    return result, figures


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _process_cpu(pid: int) -> float | None:
    """User and system CPU seconds of a process of this machine, from /proc; None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _analyzed() -> None:
    """Statistics for the seeded tables, as autovacuum gathers them after a bulk insert in
    production (this machine's server runs without it): on a table without them the claim's
    plan sorts every due reminder for each batch, which made the scan quadratic."""
    from django.db import connection

    from accounts.models import User
    from mentorships.models import CheckIn, CheckInReminder, Mentorship, MentorshipMentee
    from notifications.models import Notification, SentEmail
    from participants.models import Participant

    models = (
        CheckInReminder, CheckIn, Mentorship, MentorshipMentee, Participant, User, SentEmail,
        Notification,
    )  # fmt: skip
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _seed_organization(seed: int):
    import datetime as dt

    from django.utils import timezone

    from organizations.models import Organization
    from programs.models import Cohort, CohortStatus, Program, ProgramType

    organization = Organization.objects.create(name="Bench reminders", slug=f"bench-rem-{seed}")
    program = Program.objects.create(
        organization=organization, name="Bridges", program_type=ProgramType.ONE_TO_ONE
    )
    today = timezone.now().date()
    cohort = Cohort.objects.create(
        organization=organization,
        program=program,
        name="Bench",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=150),
        enrollment_opens_at=timezone.now() - dt.timedelta(days=60),
        enrollment_closes_at=timezone.now() - dt.timedelta(days=40),
        mentor_capacity=1_000_000,
        mentee_capacity=1_000_000,
        status=CohortStatus.ACTIVE,
    )
    return organization, cohort


def _seed_check_ins(
    organization, cohort, *, n_check_ins: int, per_pair: int, now: dt.datetime, tag: str, seed: int
) -> int:
    """`n_check_ins` scheduled check-ins in the coming days, `per_pair` per new mentorship,
    each with one reminder; the i-th is due `n - i` seconds before `now`, so a scan at
    `now - (n - k)` seconds finds the first k."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from mentoring.demo_data import _participant
    from mentorships.models import CheckIn, CheckInReminder, Mentorship, MentorshipMentee
    from participants.models import Participant, ParticipantRole

    rng = random.Random(seed)
    password = make_password(None)
    n_pairs = -(-n_check_ins // per_pair)
    made = 0
    for start in range(0, n_pairs, 1000):
        pairs = range(start, min(start + 1000, n_pairs))
        people = []
        for pair in pairs:
            for role in (ParticipantRole.MENTOR, ParticipantRole.MENTEE):
                index = 2 * pair + (role == ParticipantRole.MENTEE)
                person = _participant(rng, organization, cohort, index, role)
                person.email = f"{tag}.{index}@people.bench.meridian.test"
                people.append(person)
        users = User.objects.bulk_create(
            User(
                email=person.email,
                full_name=person.full_name,
                time_zone=person.time_zone,
                language=rng.choice(USER_LANGUAGES),
                password=password,
            )
            for person in people
        )
        for person, user in zip(people, users, strict=True):
            person.user = user
        people = Participant.objects.bulk_create(people)
        mentors, mentees = people[0::2], people[1::2]
        mentorships = Mentorship.objects.bulk_create(
            Mentorship(
                organization=organization, cohort=cohort, mentor=mentor, started_on=now.date()
            )
            for mentor in mentors
        )
        MentorshipMentee.objects.bulk_create(
            MentorshipMentee(organization=organization, mentorship=mentorship, mentee=mentee)
            for mentorship, mentee in zip(mentorships, mentees, strict=True)
        )
        check_ins: list[CheckIn] = []
        for mentorship in mentorships:
            for week in range(per_pair):
                if made + len(check_ins) >= n_check_ins:
                    break
                # Meetings are booked from the booking page's 30-minute slots
                # (mentorships.scheduling), and a due reminder's meeting is still ahead: each
                # starts on one of the next day's 48 slots.
                slot = (made + len(check_ins)) % 48
                starts_at = _slot_floor(now) + dt.timedelta(minutes=30 * (slot + 2))
                check_ins.append(
                    CheckIn(
                        organization=organization,
                        mentorship=mentorship,
                        organizer=mentorship.mentor,
                        starts_at=starts_at,
                        ends_at=starts_at + dt.timedelta(minutes=30),
                        time_zone=mentorship.mentor.time_zone,
                        agenda="Goals and next steps",
                        ical_uid=f"{tag}-{mentorship.pk}-{week}@bench.meridian.test",
                    )
                )
        check_ins = CheckIn.objects.bulk_create(check_ins)
        CheckInReminder.objects.bulk_create(
            CheckInReminder(
                organization=organization,
                check_in=check_in,
                kind="1h",
                due_at=_due_at(now, n_check_ins, made + i),
            )
            for i, check_in in enumerate(check_ins)
        )
        made += len(check_ins)
    return made


def _due_at(now: dt.datetime, n_check_ins: int, index: int) -> dt.datetime:
    return now - dt.timedelta(seconds=n_check_ins - index)


def _slot_floor(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=moment.minute - moment.minute % 30, second=0, microsecond=0)


def _naive_send(organization, now: dt.datetime, limit: int) -> int:
    """Reminders the naive way: each due reminder read with its check-in, members read per
    mentorship, one notify() per person (claim, render, send one by one)."""
    import zoneinfo

    from django.conf import settings
    from django.urls import reverse

    from mentorships import selectors
    from mentorships.models import CheckInReminder
    from notifications.services import notify

    sent = 0
    url = reverse("dashboard", args=[organization.slug])
    due = (
        CheckInReminder.objects.for_org(organization)
        .filter(sent_at__isnull=True, due_at__lte=now)
        .select_related("check_in")
        .order_by("due_at", "pk")[:limit]
    )
    for reminder in due:
        check_in = reminder.check_in
        people = selectors.members_by_mentorship(
            organization=organization, mentorship_ids={check_in.mentorship_id}
        )[check_in.mentorship_id]
        for person in people:
            others = ", ".join(p["full_name"] for p in people if p["id"] != person["id"])
            notify(
                organization=organization,
                email=person["email"],
                user=None,
                template="check_in_reminder",
                context={
                    "kind": reminder.kind,
                    "names": others,
                    "starts_at": check_in.starts_at.astimezone(
                        zoneinfo.ZoneInfo(person["time_zone"])
                    ),
                    "time_zone": person["time_zone"],
                    "agenda": check_in.agenda,
                    "location": check_in.location,
                    "url": url,
                    "site_url": settings.SITE_URL,
                },
                text=f"Reminder: check-in with {others}",
                url=url,
                idempotency_key=f"baseline:{reminder.pk}:{person['id']}",
            )
        reminder.sent_at = now
        reminder.save(update_fields=["sent_at"])
        sent += 1
    return sent


def _duplicates(outbox) -> int:
    counts = Counter((tuple(message.to), message.body) for message in outbox)
    return sum(count - 1 for count in counts.values() if count > 1)


def _scan(organization, now: dt.datetime) -> int:
    from mentorships.services import reminders

    return reminders.check_in_reminders_send(organization=organization, now=now)


def _two_scanners(organization, now: dt.datetime) -> tuple[list[int], float]:
    from django.db import connection

    from core.tenancy import in_organization

    shares = [0, 0]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with in_organization(organization.pk):
                barrier.wait()
                shares[index] = _scan(organization, now)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return shares, round(time.perf_counter() - started, 3)


def _case(args: argparse.Namespace) -> None:
    from django.core import mail
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from core.tenancy import in_organization
    from mentorships.models import CheckInReminder
    from mentorships.services import reminders
    from notifications.models import Notification, SentEmail

    now = timezone.now().replace(microsecond=0)
    started = time.perf_counter()
    with scopes_disabled():
        organization, cohort = _seed_organization(args.seed)
        made = _seed_check_ins(
            organization, cohort, n_check_ins=args.check_ins, per_pair=args.per_pair,
            now=now, tag="a", seed=args.seed,
        )  # fmt: skip
        _analyzed()
    _emit(case="seed", check_ins=made, seconds=round(time.perf_counter() - started, 3))
    base = {"check_ins": made}

    with in_organization(organization.pk):
        mail.outbox = []
        limit = min(args.baseline, made)
        with _rolled_back():
            naive, baseline = _timed(lambda: _naive_send(organization, now, limit))
            baseline_emails = len(mail.outbox)
        baseline_rate = baseline_emails / max(baseline["seconds"], 1e-6)
        _emit(
            **base, case="baseline", **baseline, check_ins_sent=naive, reminders=baseline_emails,
            emails=baseline_emails, reminders_per_second=round(baseline_rate),
            check_ins_per_second=round(naive / max(baseline["seconds"], 1e-6)),
        )  # fmt: skip

        probe = min(args.batch_probe, made)
        probe_now = now - dt.timedelta(seconds=made - probe + 1)
        per_batch = {}
        default_batch = reminders.REMINDER_BATCH
        for size in (100, 1000):
            reminders.REMINDER_BATCH = size
            try:
                mail.outbox = []
                with _rolled_back():
                    sent, figures = _timed(lambda: _scan(organization, probe_now))
            finally:
                reminders.REMINDER_BATCH = default_batch
            # The batches that found rows, and the last one that found none.
            batches = -(-probe // size) + 1
            per_batch[size] = round(figures["queries"] / batches, 2)
            _emit(
                **base, case="batch_queries", batch=size, check_ins_scanned=probe,
                reminders=sent, emails=sent,
                batches=batches, queries=figures["queries"], queries_per_batch=per_batch[size],
            )  # fmt: skip

        mail.outbox = []
        sent, figures = _timed(lambda: _scan(organization, now), profile=args.profile)
        emails = len(mail.outbox)
        batches = -(-made // reminders.REMINDER_BATCH) + 1
        rate = sent / max(figures["seconds"], 1e-6)
        busy = figures["cpu_seconds"] + (figures["database_cpu_seconds"] or 0.0)
        _emit(
            **base, case="scan", **figures, reminders=sent, emails=sent, outbox=emails,
            notices=Notification.objects.for_org(organization).count(),
            duplicates=_duplicates(mail.outbox),
            unsent=CheckInReminder.objects.for_org(organization)
            .filter(sent_at__isnull=True).count(),
            batch=reminders.REMINDER_BATCH, batches=batches,
            queries_per_batch=round(figures["queries"] / batches, 2),
            reminders_per_second=round(rate),
            check_ins_per_second=round(made / max(figures["seconds"], 1e-6)),
            reminders_per_cpu_second=round(sent / max(figures["cpu_seconds"], 1e-6)),
            reminders_per_busy_second=round(sent / max(busy, 1e-6)),
            ratio=round(rate / max(baseline_rate, 1e-6), 1),
        )  # fmt: skip
        mail.outbox = []
        again, figures = _timed(lambda: _scan(organization, now))
        _emit(**base, case="scan_again", **figures, emails=again, outbox=len(mail.outbox))

    if args.two_scanners:
        later = now + dt.timedelta(seconds=1)
        with scopes_disabled():
            fresh = _seed_check_ins(
                organization, cohort, n_check_ins=args.two_scanners, per_pair=args.per_pair,
                now=later, tag="b", seed=args.seed + 1,
            )  # fmt: skip
            _analyzed()
        mail.outbox = []
        shares, seconds = _two_scanners(organization, later)
        with in_organization(organization.pk):
            unsent = (
                CheckInReminder.objects.for_org(organization).filter(sent_at__isnull=True).count()
            )
            sent_records = SentEmail.objects.for_org(organization).count()
        _emit(
            case="two_scanners", check_ins=fresh, seconds=seconds, shares=shares,
            emails=sum(shares), outbox=len(mail.outbox), expected_emails=2 * fresh,
            duplicates=_duplicates(mail.outbox), unsent=unsent, sent_records=sent_records,
            reminders_per_second=round(sum(shares) / max(seconds, 1e-6)),
            check_ins_per_second=round(fresh / max(seconds, 1e-6)),
        )  # fmt: skip
        mail.outbox = []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-ins", type=int, default=100_000)
    parser.add_argument("--per-pair", type=int, default=10, help="check-ins per mentorship")
    parser.add_argument("--baseline", type=int, default=500, help="reminders sent naively")
    parser.add_argument("--batch-probe", type=int, default=2000)
    parser.add_argument(
        "--two-scanners", type=int, default=20_000, help="fresh reminders for two scanners"
    )
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    parser.add_argument("--admin-user", default="postgres")
    parser.add_argument("--app-user", default="meridian_test")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile of the scan to stderr")
    args = parser.parse_args(argv)

    name = f"meridian_bench_reminders_{os.getpid()}"
    _create_database(args, name)
    os.environ["DATABASE_URL"] = f"postgres://{args.app_user}@{args.host}:{args.port}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings.test"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        _emit(case="migrate", database=name, seconds=round(time.perf_counter() - started, 3))
        try:
            _case(args)
        finally:
            connections.close_all()
    finally:
        _drop_database(args, name)


if __name__ == "__main__":
    main()
