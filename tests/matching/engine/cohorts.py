"""Small attribute-based cohorts for tests that exercise the factors and rules."""

from __future__ import annotations

import datetime as dt
import random

from matching.engine import Mentee, Mentor, WorkingHours

SKILLS = ["SQL", "negotiation", "public speaking", "python", "budgeting", "hiring", "design"]
ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Berlin", "Australia/Sydney"]
COUNTRIES = ["UK", "US", "Japan", "Germany", "Australia", "Brazil"]
LANGUAGES = ["en", "de", "ja", "pt"]
WORDS = ["leadership", "career", "data", "sales", "growth", "strategy", "coaching", "finance"]


def attribute_cohort(
    rng: random.Random, n_mentees: int, n_mentors: int, max_capacity: int = 3
) -> tuple[list[Mentee], list[Mentor]]:
    def common(prefix: str, index: int) -> dict:
        start = rng.choice([7, 8, 9, 10])
        return {
            "id": f"{prefix}{index}",
            "email": f"{prefix}{index}@example.com",
            "languages": rng.sample(LANGUAGES, rng.randint(1, 2)),
            "time_zone": rng.choice(ZONES),
            "working_hours": WorkingHours(dt.time(start), dt.time(start + 8)),
            "country": rng.choice(COUNTRIES),
            "seniority": rng.randint(1, 6),
        }

    mentors = [
        Mentor(
            **common("m", j),
            skills_offered=rng.sample(SKILLS, 3),
            expertise=" ".join(rng.sample(WORDS, 3)),
            capacity=rng.randint(1, max_capacity),
        )
        for j in range(n_mentors)
    ]
    mentees = [
        Mentee(
            **common("e", i),
            skills_wanted=rng.sample(SKILLS, 2),
            goals=" ".join(rng.sample(WORDS, 3)),
            manager_email=f"m{rng.randrange(n_mentors)}@example.com",
        )
        for i in range(n_mentees)
    ]
    return mentees, mentors
