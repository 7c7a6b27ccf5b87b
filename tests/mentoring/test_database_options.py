"""Every PostgreSQL connection runs without JIT compilation: with row-level security the
planner overestimates rows, and compiling a page's small queries cost more than running them
(0.68 s of the app shell's 0.69 s query at 60,000 mentorships, bench/reports.py)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_connections_have_jit_off():
    assert connection.vendor == "postgresql"  # the suite runs on PostgreSQL (scripts/test)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
