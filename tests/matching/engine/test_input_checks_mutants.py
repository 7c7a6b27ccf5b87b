"""The engine's input checks, field by field: the JSON format (``jsonio.load_cohort``) reads
every field it documents into the value the Python API would be given, refuses every bad value
with the field's path and the reason, and takes the boundary values it allows; the Python API
(``match``) refuses duplicate ids, negative weights, bad pair scores and bad settings.

Written for the mutants of ``matching/engine/jsonio.py`` and of the checks in ``features.py``
and ``types.py`` (docs/testing.md); expected values are written out here, not computed.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from matching.engine import (
    CohortFormatError,
    HardRules,
    MatchSettings,
    Mentee,
    Mentor,
    PairScore,
    Weights,
    load_cohort,
    match,
    result_to_json,
)
from matching.engine.types import (
    FactorContribution,
    Language,
    MatchedPair,
    MatchResult,
    Objective,
    ProgramGoal,
    ProgramKind,
    SolverReport,
    Unmatched,
    WorkingHours,
)

FULL: dict[str, Any] = {
    "mentees": [
        {
            "id": "a",
            "name": "Ada",
            "email": "ada@example.com",
            "manager_email": "boss@example.com",
            "country": "NZ",
            "culture": "maori",
            "function": "eng",
            "languages": ["EN", {"code": "es", "proficiency": 5}, {"code": "fr", "proficiency": 1}],
            "time_zone": "Pacific/Auckland",
            "working_hours": {"start": "08:30", "end": "16:15", "weekdays": [6, 0]},
            "seniority": -2,
            "preferences": ["x", "y"],
            "skills_wanted": ["python", "sql"],
            "goals": "grow",
            "mentors_wanted": 0,
            "roles_wanted": ["chair"],
        },
        {"id": "b", "working_hours": {}},
    ],
    "mentors": [
        {
            "id": "x",
            "skills_offered": ["python"],
            "expertise": "data",
            "capacity": 0,
            "roles": ["chair", "treasurer"],
            "seniority": 7,
        },
        {"id": "y", "capacity": 3},
    ],
    "settings": {
        "weights": {"text": 0, "skills": 2.5},
        "hard_rules": {"shared_language": False, "min_language_proficiency": 1},
        "forbidden_pairs": [["a", "y"]],
        "pinned_pairs": [["b", "y"]],
        "previous_pairs": [["gone", "x"]],
        "program_kind": "group",
        "program_goal": "cross_cultural",
        "objective": "fairness",
        "reverse_mentoring": True,
        "load_balance": True,
        "seniority_gap": [3, 3],
        "min_score": 1,
        "group_size": 1,
        "group_cohesion_weight": 0,
        "board_roles": ["chair"],
        "round_date": "2026-03-01",
        "candidate_limit": 1,
        "max_certification_rounds": 0,
    },
    "pair_scores": [
        {"mentee": "a", "mentor": "x", "score": 0},
        {"mentee": "b", "mentor": "x", "score": 1},
        {"mentee": "a", "mentor": "y", "score": 0.25},
    ],
}


def test_every_documented_field_is_read_into_the_python_api_value():
    cohort = load_cohort(copy.deepcopy(FULL))
    assert cohort.mentees == (
        Mentee(
            id="a",
            name="Ada",
            email="ada@example.com",
            manager_email="boss@example.com",
            country="NZ",
            culture="maori",
            function="eng",
            languages=(Language("en"), Language("es", 5), Language("fr", 1)),
            time_zone="Pacific/Auckland",
            working_hours=WorkingHours(dt.time(8, 30), dt.time(16, 15), (0, 6)),
            seniority=-2,
            preferences=("x", "y"),
            skills_wanted=("python", "sql"),
            goals="grow",
            mentors_wanted=0,
            roles_wanted=("chair",),
        ),
        # An empty working-hours object means the defaults: 09:00 to 17:00, Monday to Friday.
        Mentee(id="b", working_hours=WorkingHours(dt.time(9), dt.time(17), (0, 1, 2, 3, 4))),
    )
    assert cohort.mentors == (
        Mentor(
            id="x",
            skills_offered=("python",),
            expertise="data",
            capacity=0,
            roles=("chair", "treasurer"),
            seniority=7,
        ),
        Mentor(id="y", capacity=3),
    )
    assert cohort.settings == MatchSettings(
        weights=Weights(text=0.0, skills=2.5),
        hard_rules=HardRules(shared_language=False, min_language_proficiency=1),
        forbidden_pairs=(("a", "y"),),
        pinned_pairs=(("b", "y"),),
        previous_pairs=(("gone", "x"),),
        program_kind=ProgramKind.GROUP,
        program_goal=ProgramGoal.CROSS_CULTURAL,
        objective=Objective.FAIRNESS,
        reverse_mentoring=True,
        load_balance=True,
        seniority_gap=(3, 3),
        min_score=1.0,
        group_size=1,
        group_cohesion_weight=0.0,
        board_roles=("chair",),
        round_date=dt.date(2026, 3, 1),
        candidate_limit=1,
        max_certification_rounds=0,
    )
    assert cohort.pair_scores == (
        PairScore("a", "x", 0.0),
        PairScore("b", "x", 1.0),
        PairScore("a", "y", 0.25),
    )
    assert type(cohort.settings.min_score) is float


def test_a_cohort_without_settings_or_scores_gets_the_defaults():
    cohort = load_cohort({"mentees": [{"id": "a"}], "mentors": [{"id": "x"}]})
    assert cohort.settings == MatchSettings()
    assert cohort.pair_scores is None
    assert cohort.mentees == (Mentee(id="a"),)


def test_optional_texts_may_be_empty_only_ids_and_codes_may_not():
    person = {"name": "", "email": "", "manager_email": "", "country": "", "culture": ""}
    data = {
        "mentees": [{"id": "a", "goals": "", "function": "", "preferences": [""], **person}],
        "mentors": [{"id": "x", "expertise": "", "skills_offered": [""], "roles": [""]}],
        "settings": {"previous_pairs": [["", ""]], "board_roles": [""]},
    }
    cohort = load_cohort(data)
    assert cohort.mentees == (Mentee(id="a", preferences=("",)),)
    assert cohort.mentors == (Mentor(id="x", skills_offered=("",), roles=("",)),)
    assert cohort.settings.previous_pairs == (("", ""),)


def test_a_null_minimum_language_proficiency_means_none():
    data = {"mentees": [], "mentors": [], "settings": {"hard_rules": {"reporting_line": False}}}
    data["settings"]["hard_rules"]["min_language_proficiency"] = None
    rules = load_cohort(data).settings.hard_rules
    assert rules == HardRules(reporting_line=False, min_language_proficiency=None)


def _with(change: str, value: Any) -> dict[str, Any]:
    """FULL with one value replaced (or removed, for ...), by a dotted path."""
    data = copy.deepcopy(FULL)
    *parents, last = [int(p) if p.isdigit() else p for p in change.split(".")]
    target: Any = data
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return data


BAD = [
    # (what changes, the new value, the path named, the reason)
    ("mentees", {"id": "a"}, "mentees", "expected a list"),
    ("mentees.0", "a", "mentees[0]", "expected an object"),
    ("mentees.0.shoe_size", 42, "mentees[0].shoe_size", "unknown field"),
    ("mentees.0.id", ..., "mentees[0].id", "required field is missing"),
    ("mentees.0.id", 7, "mentees[0].id", "expected a string"),
    ("mentees.0.id", "  ", "mentees[0].id", "must not be empty"),
    ("mentees.1.id", "a", "mentees[1].id", "duplicate id 'a'"),
    ("mentors.1.id", "x", "mentors[1].id", "duplicate id 'x'"),
    ("mentees.0.name", 1, "mentees[0].name", "expected a string"),
    ("mentees.0.email", None, "mentees[0].email", "expected a string"),
    ("mentees.0.manager_email", 1, "mentees[0].manager_email", "expected a string"),
    ("mentees.0.country", 1, "mentees[0].country", "expected a string"),
    ("mentees.0.culture", 1, "mentees[0].culture", "expected a string"),
    ("mentees.0.function", 1, "mentees[0].function", "expected a string"),
    ("mentees.0.goals", ["grow"], "mentees[0].goals", "expected a string"),
    ("mentors.0.expertise", 1, "mentors[0].expertise", "expected a string"),
    ("mentees.0.languages", "en", "mentees[0].languages", "expected a list"),
    ("mentees.0.languages.0", "", "mentees[0].languages[0]", "must not be empty"),
    ("mentees.0.languages.0", 3, "mentees[0].languages[0]", "expected an object"),
    ("mentees.0.languages.1.proficiency", 6, "mentees[0].languages[1].proficiency",
     "must be between 1 and 5"),
    ("mentees.0.languages.1.proficiency", 0, "mentees[0].languages[1].proficiency",
     "must be at least 1"),
    ("mentees.0.languages.1.proficiency", "5", "mentees[0].languages[1].proficiency",
     "expected an integer"),
    ("mentees.0.languages.1.code", " ", "mentees[0].languages[1].code", "must not be empty"),
    ("mentees.0.languages.1.code", ..., "mentees[0].languages[1].code",
     "required field is missing"),
    ("mentees.0.languages.1.level", 2, "mentees[0].languages[1].level", "unknown field"),
    ("mentees.0.time_zone", "Mars/Olympus", "mentees[0].time_zone",
     "unknown IANA time zone 'Mars/Olympus'"),
    ("mentees.0.time_zone", "../etc", "mentees[0].time_zone", "unknown IANA time zone '../etc'"),
    ("mentees.0.time_zone", "", "mentees[0].time_zone", "must not be empty"),
    ("mentees.0.working_hours", [], "mentees[0].working_hours", "expected an object"),
    ("mentees.0.working_hours.lunch", "12:00", "mentees[0].working_hours.lunch", "unknown field"),
    ("mentees.0.working_hours.start", "9am", "mentees[0].working_hours.start",
     "expected a time as HH:MM"),
    ("mentees.0.working_hours.end", 17, "mentees[0].working_hours.end", "expected a string"),
    ("mentees.0.working_hours.weekdays.0", 7, "mentees[0].working_hours.weekdays[0]",
     "weekday must be 0 (Monday) to 6 (Sunday)"),
    ("mentees.0.working_hours.weekdays.1", -1, "mentees[0].working_hours.weekdays[1]",
     "must be at least 0"),
    ("mentees.0.working_hours.weekdays", 1, "mentees[0].working_hours.weekdays",
     "expected a list"),
    ("mentees.0.seniority", 1.5, "mentees[0].seniority", "expected an integer"),
    ("mentees.0.seniority", True, "mentees[0].seniority", "expected an integer"),
    ("mentees.0.preferences", "x", "mentees[0].preferences", "expected a list"),
    ("mentees.0.preferences.1", 2, "mentees[0].preferences[1]", "expected a string"),
    ("mentees.0.skills_wanted.0", 1, "mentees[0].skills_wanted[0]", "expected a string"),
    ("mentees.0.mentors_wanted", -1, "mentees[0].mentors_wanted", "must be at least 0"),
    ("mentees.0.roles_wanted", "chair", "mentees[0].roles_wanted", "expected a list"),
    ("mentors.0.skills_offered", "python", "mentors[0].skills_offered", "expected a list"),
    ("mentors.0.capacity", -1, "mentors[0].capacity", "must be at least 0"),
    ("mentors.0.capacity", False, "mentors[0].capacity", "expected an integer"),
    ("mentors.0.roles.1", None, "mentors[0].roles[1]", "expected a string"),
    ("mentors.0.skills_wanted", [], "mentors[0].skills_wanted", "unknown field"),
    ("mentees.0.capacity", 1, "mentees[0].capacity", "unknown field"),
    ("settings", [], "settings", "expected an object"),
    ("settings.colour", "red", "settings.colour", "unknown field"),
    ("settings.weights.text", -0.5, "settings.weights.text", "must be between 0.0 and None"),
    ("settings.weights.skills", "1", "settings.weights.skills", "expected a number"),
    ("settings.weights.karma", 1, "settings.weights.karma", "unknown field"),
    ("settings.hard_rules.shared_language", 1, "settings.hard_rules.shared_language",
     "expected true or false"),
    ("settings.hard_rules.min_language_proficiency", 0,
     "settings.hard_rules.min_language_proficiency", "must be at least 1"),
    ("settings.hard_rules.curfew", True, "settings.hard_rules.curfew", "unknown field"),
    ("settings.forbidden_pairs.0", ["a"], "settings.forbidden_pairs[0]",
     "expected [mentee id, mentor id]"),
    ("settings.pinned_pairs.0", ["b", "y", "z"], "settings.pinned_pairs[0]",
     "expected [mentee id, mentor id]"),
    ("settings.previous_pairs.0", "a,x", "settings.previous_pairs[0]",
     "expected [mentee id, mentor id]"),
    ("settings.previous_pairs.0", [1, "x"], "settings.previous_pairs[0][0]", "expected a string"),
    ("settings.previous_pairs.0", ["a", 2], "settings.previous_pairs[0][1]", "expected a string"),
    ("settings.pinned_pairs", {"b": "y"}, "settings.pinned_pairs", "expected a list"),
    ("settings.forbidden_pairs.0", ["ghost", "y"], "settings.forbidden_pairs[0][0]",
     "unknown mentee id 'ghost'"),
    ("settings.pinned_pairs.0", ["b", "nobody"], "settings.pinned_pairs[0][1]",
     "unknown mentor id 'nobody'"),
    ("settings.program_kind", "trio", "settings.program_kind",
     "expected one of one_to_one, group, advisory_board"),
    ("settings.program_goal", "fun", "settings.program_goal",
     "expected one of cross_cultural, cross_functional, other"),
    ("settings.objective", "best", "settings.objective",
     "expected one of participation_first, score_first, fairness, stable"),
    ("settings.objective", 1, "settings.objective", "expected a string"),
    ("settings.reverse_mentoring", "yes", "settings.reverse_mentoring", "expected true or false"),
    ("settings.load_balance", 0, "settings.load_balance", "expected true or false"),
    ("settings.seniority_gap", [4, 3], "settings.seniority_gap",
     "expected [low, high] with low <= high"),
    ("settings.seniority_gap", [1, 2, 3], "settings.seniority_gap",
     "expected [low, high] with low <= high"),
    ("settings.seniority_gap", [1], "settings.seniority_gap",
     "expected [low, high] with low <= high"),
    ("settings.seniority_gap", [1, "2"], "settings.seniority_gap[1]", "expected an integer"),
    ("settings.min_score", 1.01, "settings.min_score", "must be between 0.0 and 1.0"),
    ("settings.min_score", -0.01, "settings.min_score", "must be between 0.0 and 1.0"),
    ("settings.min_score", float("nan"), "settings.min_score", "expected a number"),
    ("settings.min_score", float("inf"), "settings.min_score", "expected a number"),
    ("settings.min_score", True, "settings.min_score", "expected a number"),
    ("settings.group_cohesion_weight", -1, "settings.group_cohesion_weight",
     "must be between 0.0 and None"),
    ("settings.group_size", 0, "settings.group_size", "must be at least 1"),
    ("settings.candidate_limit", 0, "settings.candidate_limit", "must be at least 1"),
    ("settings.max_certification_rounds", -1, "settings.max_certification_rounds",
     "must be at least 0"),
    ("settings.board_roles", "chair", "settings.board_roles", "expected a list"),
    ("settings.round_date", "01/03/2026", "settings.round_date", "expected a date as YYYY-MM-DD"),
    ("settings.round_date", 20260301, "settings.round_date", "expected a string"),
    ("pair_scores", {}, "pair_scores", "expected a list"),
    ("pair_scores.0", ["a", "x", 0], "pair_scores[0]", "expected an object"),
    ("pair_scores.0.score", ..., "pair_scores[0].score", "required field is missing"),
    ("pair_scores.0.mentor", ..., "pair_scores[0].mentor", "required field is missing"),
    ("pair_scores.1.mentee", ..., "pair_scores[1].mentee", "required field is missing"),
    ("pair_scores.0.weight", 1, "pair_scores[0].weight", "unknown field"),
    ("pair_scores.0.score", 1.5, "pair_scores[0].score", "must be between 0.0 and 1.0"),
    ("pair_scores.2.mentee", "ghost", "pair_scores[2].mentee", "unknown mentee 'ghost'"),
    ("pair_scores.2.mentor", "nobody", "pair_scores[2].mentor", "unknown mentor 'nobody'"),
    ("pair_scores.2.mentor", "x", "pair_scores[2]",
     "duplicate pair ('a', 'x') (first listed at pair_scores[0])"),
    ("pair_scores.1.mentee", "a", "pair_scores[1]",
     "duplicate pair ('a', 'x') (first listed at pair_scores[0])"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "value", "path", "reason"), BAD)
def test_a_bad_value_is_refused_naming_its_field_and_the_reason(change, value, path, reason):
    with pytest.raises(CohortFormatError) as error:
        load_cohort(_with(change, value))
    assert error.value.path == path
    assert str(error.value) == f"{path}: {reason}"


@pytest.mark.parametrize(
    ("data", "path", "reason"),
    [
        ([], "$", "expected an object"),
        ({"mentees": []}, "$.mentors", "required field is missing"),
        ({"mentors": []}, "$.mentees", "required field is missing"),
        ({"mentees": [], "mentors": [], "extra": 1}, "$.extra", "unknown field"),
        # Unknown fields are named in alphabetical order, the first one only.
        ({"mentees": [], "mentors": [], "zz": 1, "aa": 2}, "$.aa", "unknown field"),
    ],
)
def test_the_document_itself_is_checked(data, path, reason):
    with pytest.raises(CohortFormatError) as error:
        load_cohort(data)
    assert str(error.value) == f"{path}: {reason}"


def test_the_first_missing_required_field_is_named_alphabetically():
    with pytest.raises(CohortFormatError) as error:
        load_cohort({"mentees": [], "mentors": [], "pair_scores": [{"score": 0.5}]})
    assert error.value.path == "pair_scores[0].mentee"


# The Python API: the same mistakes, refused by `match` itself.


def _match(mentees=None, mentors=None, settings=None, scores=None):
    return match(
        mentees or [Mentee(id="a"), Mentee(id="b")],
        mentors or [Mentor(id="x")],
        settings or MatchSettings(),
        scores if scores is not None else [PairScore("a", "x", 0.5)],
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: _match(mentees=[Mentee(id="a"), Mentee(id="a")]), "mentee ids must be unique"),
        (lambda: _match(mentors=[Mentor(id="x"), Mentor(id="x")]), "mentor ids must be unique"),
        (
            lambda: match(
                [Mentee(id="a")], [Mentor(id="x")], MatchSettings(weights=Weights(hours=-1))
            ),
            "weights must not be negative",
        ),
        (
            lambda: _match(scores=[PairScore("a", "x", 1.0001)]),
            "pair_scores[0]: score must be between 0 and 1",
        ),
        (
            lambda: _match(scores=[PairScore("b", "x", 0.1), PairScore("a", "x", -0.0001)]),
            "pair_scores[1]: score must be between 0 and 1",
        ),
        (
            lambda: _match(scores=[PairScore("ghost", "x", 0.5)]),
            "pair_scores[0]: unknown mentee id 'ghost'",
        ),
        (
            lambda: _match(scores=[PairScore("a", "nobody", 0.5)]),
            "pair_scores[0]: unknown mentor id 'nobody'",
        ),
        (lambda: MatchSettings(candidate_limit=0), "candidate_limit must be at least 1"),
        (
            lambda: MatchSettings(seniority_gap=(2, 1)),
            "seniority_gap must be (low, high) with low <= high",
        ),
    ],
)
def test_the_python_api_refuses_the_same_mistakes(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


def test_the_python_api_takes_the_boundary_values():
    """Scores of exactly 0 and 1, a candidate limit of 1 and a gap of one value are allowed."""
    settings = MatchSettings(candidate_limit=1, seniority_gap=(2, 2))
    assert settings.candidate_limit == 1
    assert settings.seniority_gap == (2, 2)
    result = _match(
        mentors=[Mentor(id="x"), Mentor(id="y")],
        scores=[PairScore("a", "x", 1.0), PairScore("b", "y", 0.0)],
        settings=MatchSettings(weights=Weights(text=0.0)),
    )
    assert {(p.mentee_id, p.mentor_id) for p in result.pairs} == {("a", "x"), ("b", "y")}
    assert result.total_score == 1.0


def test_the_answer_is_written_with_six_decimals_and_optional_keys_only_when_set():
    result = MatchResult(
        pairs=(
            MatchedPair(
                "a",
                "x",
                0.12345678,
                factors=(FactorContribution("skills", 0.33333333, 0.11111111, "Both: sql"),),
                role="chair",
                group=0,
            ),
            MatchedPair("b", "y", 0.5, pinned=True),
        ),
        unmatched=(Unmatched("c", 2, "no pair left"),),
        total_score=0.62345678,
        matched_slots=2,
        demanded_slots=4,
        min_pair_score=0.12345678,
        report=SolverReport(
            objective="score_first",
            certified_optimal=False,
            gap=float("inf"),
            relative_gap=0.25,
            coverage_gap=1,
            iterations=3,
            candidate_edges=5,
            feasible_pairs=6,
            max_coverage=3,
            timings=(("solve", 0.5),),
            notes=("a note",),
        ),
        warnings=("a warning",),
        min_chosen_pair_score=0.5,
    )
    assert result_to_json(result) == {
        "pairs": [
            {
                "mentee": "a",
                "mentor": "x",
                "score": 0.123457,
                "pinned": False,
                "role": "chair",
                "group": 0,
                "explanation": "Both: sql",
                "factors": [
                    {
                        "factor": "skills",
                        "value": 0.333333,
                        "contribution": 0.111111,
                        "text": "Both: sql",
                    }
                ],
            },
            {
                "mentee": "b",
                "mentor": "y",
                "score": 0.5,
                "pinned": True,
                "explanation": "",
                "factors": [],
            },
        ],
        "unmatched": [{"mentee": "c", "slots_unfilled": 2, "reason": "no pair left"}],
        "objective_value": {
            "total_score": 0.623457,
            "matched_slots": 2,
            "demanded_slots": 4,
            "min_pair_score": 0.12345678,
            "min_chosen_pair_score": 0.5,
        },
        "solver": {
            "objective": "score_first",
            "certified_optimal": False,
            "gap": None,
            "relative_gap": 0.25,
            "coverage_gap": 1,
            "iterations": 3,
            "candidate_edges": 5,
            "feasible_pairs": 6,
            "max_coverage": 3,
            "timings": {"solve": 0.5},
            "notes": ["a note"],
        },
        "warnings": ["a warning"],
    }
