"""Matching engine benchmarks: exact engine vs greedy on seeded synthetic cohorts.

    .venv/bin/python -m bench.matching                 # small, medium, demand
    .venv/bin/python -m bench.matching --case large    # 100k x 20k, about 2 minutes

Prints one JSON object per line and solver, then one with the engine/greedy ratios; the
figures measured last are in docs/matching-format.md ("Figures"). Every solver runs in a
fresh child process, so ``peak_rss_mib`` is that process's resource.getrusage high-water mark
(cohort included) and ``rss_delta_mib`` the growth of that mark during the solve alone. On a
shared machine ``seconds`` (wall clock) moves with other work: ``cpu_seconds`` (user + system
time of all the child's threads, during the solve) and ``load_1min`` (the load average when
the solve started) tell a busy run from a slow one. Stable matching's first call in the child
includes loading Numba and its compiled loop (from the on-disk cache, or compiling it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from matching.engine import (
    HardRules,
    MatchSettings,
    Mentee,
    Mentor,
    Objective,
    ProgramGoal,
    WorkingHours,
    greedy_match,
    match,
)

SKILLS = [
    "negotiation", "SQL", "public speaking", "python", "leadership", "people management",
    "product strategy", "data analysis", "machine learning", "cloud architecture",
    "UX research", "copywriting", "budgeting", "forecasting", "sales pipeline",
    "customer success", "hiring", "coaching", "conflict resolution", "stakeholder management",
    "roadmapping", "agile delivery", "security", "compliance", "supply chain", "procurement",
    "brand marketing", "growth marketing", "SEO", "financial modelling", "accounting",
    "tax", "legal drafting", "contract law", "design systems", "front-end", "back-end",
    "mobile", "devops", "testing", "technical writing", "presentation design", "storytelling",
    "executive presence", "career planning", "networking", "time management", "resilience",
    "diversity and inclusion", "change management", "operations", "logistics",
    "pricing", "partnerships", "fundraising", "investor relations", "analytics engineering",
    "statistics", "experimentation", "research methods",
]  # fmt: skip

COUNTRIES = [  # country, time zone, local language
    ("United States", "America/New_York", "en"),
    ("United States", "America/Los_Angeles", "en"),
    ("Brazil", "America/Sao_Paulo", "pt"),
    ("Mexico", "America/Mexico_City", "es"),
    ("United Kingdom", "Europe/London", "en"),
    ("Germany", "Europe/Berlin", "de"),
    ("France", "Europe/Paris", "fr"),
    ("Spain", "Europe/Madrid", "es"),
    ("Poland", "Europe/Warsaw", "pl"),
    ("Nigeria", "Africa/Lagos", "en"),
    ("South Africa", "Africa/Johannesburg", "en"),
    ("India", "Asia/Kolkata", "hi"),
    ("Singapore", "Asia/Singapore", "en"),
    ("Japan", "Asia/Tokyo", "ja"),
    ("Australia", "Australia/Sydney", "en"),
    ("Canada", "America/Toronto", "fr"),
]

FUNCTIONS = ["Engineering", "Sales", "Marketing", "Finance", "HR", "Operations", "Legal",
             "Product", "Design", "Customer Success"]  # fmt: skip

GOAL_TEMPLATES = [
    "I want to get better at {a} and {b} so I can grow into a {role} role.",
    "Looking for guidance on {a}; my team expects me to lead {b} work next year.",
    "Help me build confidence in {a}, {b} and {c}.",
    "My goal is to move from {function} towards {role}, learning {a} on the way.",
    "I struggle with {a} in meetings and want practical advice on {b}.",
]
EXPERTISE_TEMPLATES = [
    "{years} years in {function}; I coach people on {a}, {b} and {c}.",
    "Former {role} with deep experience in {a} and {b}.",
    "I enjoy mentoring on {a}, career growth and {b}.",
]
ROLES = ["team lead", "manager", "principal", "director", "specialist", "architect"]


def _person_fields(rng: np.random.Generator, index: int, prefix: str) -> dict[str, Any]:
    country, time_zone, local = COUNTRIES[int(rng.integers(len(COUNTRIES)))]
    languages = [local]
    # Most people also work in English; the rest make the language rule bite (~17% of pairs).
    if local != "en" and rng.random() < 0.86:
        languages.append("en")
    start = int(rng.choice([7, 8, 9, 10]))
    return {
        "id": f"{prefix}{index}",
        "email": f"{prefix}{index}@example.com",
        "languages": languages,
        "time_zone": time_zone,
        "working_hours": WorkingHours(dt.time(start), dt.time(start + 8)),
        "country": country,
        "function": FUNCTIONS[int(rng.integers(len(FUNCTIONS)))],
    }


def _text(rng: np.random.Generator, templates: list[str], skills: list[str], function: str) -> str:
    template = templates[int(rng.integers(len(templates)))]
    a, b, c = (skills + [SKILLS[int(rng.integers(len(SKILLS)))] for _ in range(3)])[:3]
    return template.format(
        a=a, b=b, c=c, function=function, role=ROLES[int(rng.integers(len(ROLES)))],
        years=int(rng.integers(5, 25)),
    )  # fmt: skip


def make_cohort(
    n_mentees: int, n_mentors: int, capacity: int, seed: int, two_mentor_share: float = 0.0
) -> tuple[list[Mentee], list[Mentor]]:
    rng = np.random.default_rng(seed)
    # Skill popularity follows a Zipf-like curve, as real requests do.
    popularity = 1.0 / np.arange(1, len(SKILLS) + 1) ** 0.7
    popularity /= popularity.sum()
    mentors = []
    for j in range(n_mentors):
        fields = _person_fields(rng, j, "m")
        skills = [SKILLS[k] for k in rng.choice(len(SKILLS), 6, replace=False, p=popularity)]
        mentors.append(
            Mentor(
                **fields,
                skills_offered=tuple(skills),
                expertise=_text(rng, EXPERTISE_TEMPLATES, skills, fields["function"]),
                seniority=int(rng.integers(3, 9)),
                capacity=capacity,
                manager_email=f"m{int(rng.integers(n_mentors))}@example.com",
            )
        )
    mentees = []
    for i in range(n_mentees):
        fields = _person_fields(rng, i, "e")
        skills = [SKILLS[k] for k in rng.choice(len(SKILLS), 3, replace=False, p=popularity)]
        mentees.append(
            Mentee(
                **fields,
                skills_wanted=tuple(skills),
                goals=_text(rng, GOAL_TEMPLATES, skills, fields["function"]),
                seniority=int(rng.integers(1, 6)),
                manager_email=f"m{int(rng.integers(n_mentors))}@example.com",
                mentors_wanted=2 if rng.random() < two_mentor_share else 1,
            )
        )
    return mentees, mentors


CASES = {
    # name: (mentees, mentors, capacity, share wanting two mentors)
    "small": (1_000, 300, 4, 0.0),
    "medium": (10_000, 2_000, 5, 0.0),
    "demand": (10_000, 2_000, 6, 0.3),
    "large": (100_000, 20_000, 5, 0.0),
}


def _settings(objective: str = Objective.PARTICIPATION_FIRST.value) -> MatchSettings:
    return MatchSettings(
        round_date=dt.date(2025, 3, 12),
        program_goal=ProgramGoal.CROSS_CULTURAL,
        hard_rules=HardRules(shared_language=True, reporting_line=True),
        objective=Objective(objective),
    )


def _dense_oracle(mentees: list[Mentee], mentors: list[Mentor], settings: MatchSettings) -> dict:
    """Independent exact answer: scipy's Hungarian method on a capacity-expanded matrix."""
    from scipy.optimize import linear_sum_assignment

    from matching.engine.features import encode, score_block

    enc = encode(mentees, mentors, settings)
    scores, _ = score_block(enc, slice(0, len(mentees)))
    seats = np.repeat(np.arange(len(mentors)), [m.capacity for m in mentors])
    expanded = scores[:, seats].astype(np.float64)
    # Coverage first: each feasible pair is worth more than any possible score total.
    bonus = float(len(mentees) + 1)
    weight = np.where(expanded >= 0, bonus + expanded, 0.0)
    rows, columns = linear_sum_assignment(weight, maximize=True)
    used = expanded[rows, columns] >= 0
    return {"matched": int(used.sum()), "total_score": float(expanded[rows, columns][used].sum())}


def _run(case: str, solver: str, objective: str, queue: multiprocessing.Queue) -> None:
    n_mentees, n_mentors, capacity, share = CASES[case]
    mentees, mentors = make_cohort(n_mentees, n_mentors, capacity, seed=7, two_mentor_share=share)
    settings = _settings(objective)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    load = os.getloadavg()[0]
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    if solver == "oracle":
        figures.update(_dense_oracle(mentees, mentors, settings))
    else:
        run: Callable = match if solver == "engine" else greedy_match
        result = run(mentees, mentors, settings)
        figures.update(
            matched=result.matched_slots,
            total_score=round(result.total_score, 4),
            unmatched_mentees=len(result.unmatched),
            unfilled_slots=result.demanded_slots - result.matched_slots,
            min_pair_score=(
                None if result.min_pair_score is None else round(result.min_pair_score, 4)
            ),
        )
        if solver == "engine":
            report = result.report
            figures.update(
                certified_optimal=report.certified_optimal,
                gap=report.gap,
                coverage_gap=report.coverage_gap,
                max_coverage=report.max_coverage,
                iterations=report.iterations,
                candidate_edges=report.candidate_edges,
                timings=dict(report.timings),
            )
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_seconds() - cpu_started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "case": case,
            "solver": solver,
            "objective": objective if solver == "engine" else None,
            "mentees": n_mentees,
            "mentors": n_mentors,
            "capacity": capacity,
            "slots_wanted": sum(m.mentors_wanted for m in mentees),
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu_seconds, 3),
            "load_1min": round(load, 2),
            "peak_rss_mib": round(after / 1024, 1),
            "rss_delta_mib": round((after - before) / 1024, 1),
            **figures,
        }
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _in_child(case: str, solver: str, objective: str) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_run, args=(case, solver, objective, queue))
    process.start()
    figures = queue.get()
    process.join()
    return figures


def run_case(case: str, objective: str = Objective.PARTICIPATION_FIRST.value) -> None:
    # The oracle solves participation-first only, so it runs beside that objective alone.
    oracle = case == "small" and objective == Objective.PARTICIPATION_FIRST.value
    solvers = ["engine", "greedy"] + (["oracle"] if oracle else [])
    results = {}
    for solver in solvers:
        results[solver] = _in_child(case, solver, objective)
        print(json.dumps(results[solver]), flush=True)
    engine, greedy = results["engine"], results["greedy"]
    ratios = {
        "case": case,
        "solver": "engine/greedy",
        "objective": objective,
        "score_ratio": round(engine["total_score"] / max(greedy["total_score"], 1e-9), 4),
        "time_ratio": round(engine["seconds"] / max(greedy["seconds"], 1e-9), 3),
        "extra_matched_slots": engine["matched"] - greedy["matched"],
    }
    if "oracle" in results:
        optimum = results["oracle"]
        ratios["oracle_matched"] = optimum["matched"]
        ratios["oracle_total_score"] = round(optimum["total_score"], 4)
        ratios["engine_equals_oracle"] = (
            engine["matched"] == optimum["matched"]
            and abs(engine["total_score"] - optimum["total_score"]) <= 1e-3
        )
    print(json.dumps(ratios), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--case", choices=[*CASES, "all"], action="append",
        help="repeatable; default: small, medium, demand (large only when asked)",
    )  # fmt: skip
    parser.add_argument(
        "--objective", choices=[o.value for o in Objective],
        default=Objective.PARTICIPATION_FIRST.value,
        help="the engine's objective (greedy and the oracle are the same in every run)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    cases = args.case or ["small", "medium", "demand"]
    if "all" in cases:
        cases = list(CASES)
    for case in cases:
        run_case(case, args.objective)
    return 0


if __name__ == "__main__":
    sys.exit(main())
