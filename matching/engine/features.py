"""Encoding of a cohort into arrays, and the vectorised factors and hard rules over pairs.

Every factor can be evaluated in two shapes from the same arrays: a block (some mentee rows
against all mentors, used to score the cohort block by block) and a list of pairs (used to
explain chosen pairs and to certify pruned ones), so both always agree.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.engine.hours import overlap_hours_matrix, profile_of
from matching.engine.types import (
    MatchSettings,
    Mentee,
    Mentor,
    PairScore,
    ProgramGoal,
)

FACTORS = ("text", "skills", "language", "hours", "seniority", "diversity", "preferences")

# Exclusion reasons, in the order an admin would check them.
SAME_PERSON, REPORTING_LINE, SAME_MANAGER, FORBIDDEN, PREVIOUS, NO_LANGUAGE, NOT_LISTED = range(7)
EXCLUSION_NAMES = (
    "same person",
    "reporting line",
    "same manager",
    "forbidden pair",
    "previous pair (rotation)",
    "no shared language",
    "no explicit score",
)

INFEASIBLE = np.float32(-1.0)
# Added to the block tables for pairs that break the language rule: every such pair ends
# below -1 and the final clip turns it into INFEASIBLE, with no extra pass over the block.
RULE_MARK = np.float32(-4.0)
# Largest merged factor table (mentee codes x mentor codes, float32): 8 MB stays in cache.
TABLE_LIMIT = 1 << 21
# Pairs per chunk when a list of pairs is scored (bounds the temporary arrays).
PAIR_CHUNK = 1 << 17


@functools.lru_cache(maxsize=1 << 16)
def normalize_skill(skill: str) -> str:
    # Cohorts repeat the same few hundred skill names thousands of times.
    return " ".join(skill.split()).casefold()


def _normalize_email(email: str) -> str:
    return email.strip().casefold()


def _vocabulary(values: Sequence[Sequence[str]]) -> dict[str, int]:
    vocabulary: dict[str, int] = {}
    for row in values:
        for value in row:
            vocabulary.setdefault(value, len(vocabulary))
    return vocabulary


def _incidence(rows: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    for row in rows:
        columns = sorted({vocabulary[value] for value in row if value in vocabulary})
        indices.extend(columns)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
        shape=(len(rows), len(vocabulary)),
    )


def _codes(values: Sequence[str], vocabulary: dict[str, int]) -> np.ndarray:
    """Integer code per value; 0 means unknown so that two blanks never count as equal."""
    codes = np.zeros(len(values), dtype=np.int32)
    for index, value in enumerate(values):
        key = value.strip().casefold()
        if key:
            codes[index] = vocabulary.setdefault(key, len(vocabulary) + 1)
    return codes


@dataclass(frozen=True)
class FactorTable:
    """A factor that depends only on small categorical profiles of both sides.

    Hours, seniority, diversity and languages take few distinct values per person, so each
    is computed once per (mentee profile, mentor profile) and gathered for every pair.
    """

    mentee_codes: np.ndarray  # int32 row of ``values`` per mentee
    mentor_codes: np.ndarray  # int32 column of ``values`` per mentor
    values: np.ndarray  # float32, already multiplied by the factor weight

    def block(self, rows: np.ndarray | slice) -> np.ndarray:
        return np.take(self.values[self.mentee_codes[rows]], self.mentor_codes, axis=1)

    def pairs(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        pairs: np.ndarray = self.values[self.mentee_codes[rows], self.mentor_codes[columns]]
        return pairs

    def cut(self, columns: np.ndarray) -> FactorTable:
        return replace(self, mentor_codes=self.mentor_codes[columns])


def _compact(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique, inverse = np.unique(codes, return_inverse=True)
    return unique, inverse.reshape(-1).astype(np.int32)


def _table(
    mentee_keys: np.ndarray,
    mentor_keys: np.ndarray,
    value: Callable[[np.ndarray, np.ndarray], np.ndarray],
    scale: float,
) -> FactorTable:
    """Table of ``value(mentee key rows, mentor key rows)`` over the distinct keys of each side.

    Keys are 2-d integer arrays (one row per person); ``value`` gets the distinct keys as
    broadcastable ``(a, 1, k)`` and ``(1, b, k)`` arrays.
    """
    mentee_unique, mentee_codes = np.unique(mentee_keys, axis=0, return_inverse=True)
    mentor_unique, mentor_codes = np.unique(mentor_keys, axis=0, return_inverse=True)
    values = value(mentee_unique[:, None, :], mentor_unique[None, :, :])
    return FactorTable(
        mentee_codes.reshape(-1).astype(np.int32),
        mentor_codes.reshape(-1).astype(np.int32),
        (np.float32(scale) * values.astype(np.float32)).astype(np.float32),
    )


def _merge(first: FactorTable, second: FactorTable) -> FactorTable:
    """One table for the sum of two, over the profile combinations that occur."""
    rows_b, columns_b = second.values.shape
    mentee_unique, mentee_codes = _compact(
        first.mentee_codes.astype(np.int64) * rows_b + second.mentee_codes
    )
    mentor_unique, mentor_codes = _compact(
        first.mentor_codes.astype(np.int64) * columns_b + second.mentor_codes
    )
    row_a, row_b = np.divmod(mentee_unique, rows_b)
    column_a, column_b = np.divmod(mentor_unique, columns_b)
    values = first.values[row_a][:, column_a] + second.values[row_b][:, column_b]
    return FactorTable(mentee_codes, mentor_codes, values.astype(np.float32))


def _merged_size(first: FactorTable, second: FactorTable) -> int:
    rows_b, columns_b = second.values.shape
    mentees = len(np.unique(first.mentee_codes.astype(np.int64) * rows_b + second.mentee_codes))
    mentors = len(np.unique(first.mentor_codes.astype(np.int64) * columns_b + second.mentor_codes))
    return mentees * mentors


def _merge_tables(tables: list[FactorTable]) -> tuple[FactorTable, ...]:
    """Merge tables while the result stays small, so a block needs as few gathers as possible."""
    merged: list[FactorTable] = []
    for table in sorted(tables, key=lambda t: t.values.size):
        if merged and _merged_size(merged[-1], table) <= TABLE_LIMIT:
            merged[-1] = _merge(merged[-1], table)
        else:
            merged.append(table)
    return tuple(merged)


@dataclass
class EncodedCohort:
    mentees: Sequence[Mentee]
    mentors: Sequence[Mentor]
    settings: MatchSettings
    mentee_index: dict[str, int]
    mentor_index: Mapping[str, int]
    demand: np.ndarray
    capacity: np.ndarray
    weights: np.ndarray  # per factor in FACTORS order, zero when inactive, sums to 1
    text_mentee: sp.csr_matrix | None
    text_mentor_t: np.ndarray | sp.csr_matrix | None
    text_terms: np.ndarray | None
    skills_mentee: np.ndarray | sp.csr_matrix
    skills_mentor_t: np.ndarray | sp.csr_matrix | None  # None in a view that scores skills linearly
    skills_wanted_count: np.ndarray
    skill_names: list[str]
    language_mentee: np.ndarray
    language_mentor_t: np.ndarray
    mentee_has_language: np.ndarray
    mentor_has_language: np.ndarray
    hours_profile_mentee: np.ndarray
    hours_profile_mentor: np.ndarray
    hours_factor: np.ndarray
    hours_overlap: np.ndarray
    seniority_mentee: np.ndarray
    seniority_mentor: np.ndarray
    country_mentee: np.ndarray
    country_mentor: np.ndarray
    culture_mentee: np.ndarray
    culture_mentor: np.ndarray
    function_mentee: np.ndarray
    function_mentor: np.ndarray
    preferences: sp.csr_matrix
    exclusion_keys: np.ndarray  # sorted mentee*n_mentors+mentor keys of excluded pairs
    exclusion_reasons: np.ndarray  # reason code per key
    explicit_scores: sp.csr_matrix | None
    explicit_mask: sp.csr_matrix | None
    # The score as the blocks compute it: weighted tables, one sparse-times-dense product for
    # the text and skills factors, and the factors that fit neither ("direct").
    pair_tables: tuple[FactorTable, ...] = ()  # one per table factor, for lists of pairs
    block_tables: tuple[FactorTable, ...] = ()  # merged, with the language rule marked
    language_rule: FactorTable | None = None  # 1 where the language rule excludes the pair
    linear_mentee: sp.csr_matrix | None = None  # weighted text and skill features per mentee
    linear_mentor_t: np.ndarray | None = None  # features x mentors
    direct_factors: tuple[tuple[str, float], ...] = ()
    # A view on some mentors (restrict_mentors): the mentor of each column in the full
    # cohort, and the column of each full-cohort mentor (-1 if not in the view). Exclusion
    # keys stay those of the full cohort.
    base_columns: np.ndarray | None = None
    mentor_position: np.ndarray | None = None

    @property
    def n_mentees(self) -> int:
        return len(self.mentees)

    @property
    def n_mentors(self) -> int:
        return len(self.mentors)


def _language_matrix(
    people: Sequence[Mentee | Mentor], vocabulary: dict[str, int], min_level: int | None
) -> np.ndarray:
    matrix = np.zeros((len(people), max(len(vocabulary), 1)), dtype=np.float32)
    for row, person in enumerate(people):
        for language in person.languages:
            level = language.proficiency
            if min_level is not None and level is not None and level < min_level:
                continue
            matrix[row, vocabulary[language.code]] = 1.0
    return matrix


def _preference_matrix(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    mentee_index: dict[str, int],
    mentor_index: dict[str, int],
) -> sp.csr_matrix:
    """Half from the mentee's ranking and half from the mentor's: first choice 1, last > 0."""
    values: dict[tuple[int, int], float] = defaultdict(float)
    for row, mentee in enumerate(mentees):
        ranked = [mentor_index[m] for m in dict.fromkeys(mentee.preferences) if m in mentor_index]
        for rank, column in enumerate(ranked):
            values[row, column] += 0.5 * (1.0 - rank / len(ranked))
    for column, mentor in enumerate(mentors):
        ranked = [mentee_index[m] for m in dict.fromkeys(mentor.preferences) if m in mentee_index]
        for rank, row in enumerate(ranked):
            values[row, column] += 0.5 * (1.0 - rank / len(ranked))
    if not values:
        # scipy-stubs type an empty matrix of a given shape as float64 only.
        return sp.csr_matrix((len(mentees), len(mentors)), dtype=np.float32)  # type: ignore[arg-type]
    keys = np.array(list(values.keys()), dtype=np.int64)
    data = np.array(list(values.values()), dtype=np.float32)
    return sp.csr_matrix(
        (data, (keys[:, 0], keys[:, 1])), shape=(len(mentees), len(mentors)), dtype=np.float32
    )


def _exclusions(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    mentee_index: dict[str, int],
    mentor_index: dict[str, int],
    settings: MatchSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ruled out by a sparse rule; the first applicable reason wins."""
    n_mentors = len(mentors)
    reasons: dict[int, int] = {}

    def add(row: int, column: int, reason: int) -> None:
        key = row * n_mentors + column
        if key not in reasons or reasons[key] > reason:
            reasons[key] = reason

    mentors_by_email: dict[str, list[int]] = defaultdict(list)
    mentors_by_manager: dict[str, list[int]] = defaultdict(list)
    for column, mentor in enumerate(mentors):
        if mentor.email.strip():
            mentors_by_email[_normalize_email(mentor.email)].append(column)
        if mentor.manager_email.strip():
            mentors_by_manager[_normalize_email(mentor.manager_email)].append(column)
    rules = settings.hard_rules
    for row, mentee in enumerate(mentees):
        if mentee.id in mentor_index:
            add(row, mentor_index[mentee.id], SAME_PERSON)
        email = _normalize_email(mentee.email)
        manager = _normalize_email(mentee.manager_email)
        if email:
            for column in mentors_by_email.get(email, ()):
                add(row, column, SAME_PERSON)
        if rules.reporting_line:
            if manager:
                for column in mentors_by_email.get(manager, ()):
                    add(row, column, REPORTING_LINE)
            if email:
                for column in mentors_by_manager.get(email, ()):
                    add(row, column, REPORTING_LINE)
        if rules.same_manager and manager:
            for column in mentors_by_manager.get(manager, ()):
                add(row, column, SAME_MANAGER)
    for mentee_id, mentor_id in settings.forbidden_pairs:
        if mentee_id in mentee_index and mentor_id in mentor_index:
            add(mentee_index[mentee_id], mentor_index[mentor_id], FORBIDDEN)
    if rules.rotate_mentors:
        for mentee_id, mentor_id in settings.previous_pairs:
            if mentee_id in mentee_index and mentor_id in mentor_index:
                add(mentee_index[mentee_id], mentor_index[mentor_id], PREVIOUS)
    keys = np.fromiter(reasons.keys(), dtype=np.int64, count=len(reasons))
    codes = np.fromiter(reasons.values(), dtype=np.int8, count=len(reasons))
    order = np.argsort(keys)
    return keys[order], codes[order]


def _dense_if_small(matrix: sp.csr_matrix, limit: int = 60_000_000) -> np.ndarray | sp.csr_matrix:
    """Dense right-hand sides let BLAS do block products on all cores; huge ones stay sparse."""
    if matrix.shape[0] * matrix.shape[1] <= limit:
        return np.ascontiguousarray(matrix.toarray(), dtype=np.float32)
    return matrix


def check_pair_ids(enc: EncodedCohort) -> None:
    """Refuse forbidden or pinned pairs that name someone not in the cohort.

    Both are an admin's decisions about this cohort, so an unknown id is a mistake (a typo, or
    someone who left) worth stopping for. Previous pairs are history and may name people who
    have left; they are not checked.
    """
    settings = enc.settings
    for name, pairs in (
        ("forbidden_pairs", settings.forbidden_pairs),
        ("pinned_pairs", settings.pinned_pairs),
    ):
        for k, (mentee_id, mentor_id) in enumerate(pairs):
            if mentee_id not in enc.mentee_index:
                raise ValueError(f"{name}[{k}]: unknown mentee id {mentee_id!r}")
            if mentor_id not in enc.mentor_index:
                raise ValueError(f"{name}[{k}]: unknown mentor id {mentor_id!r}")


def encode(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    settings: MatchSettings,
    pair_scores: Sequence[PairScore] | None = None,
) -> EncodedCohort:
    mentee_index = {m.id: i for i, m in enumerate(mentees)}
    mentor_index = {m.id: j for j, m in enumerate(mentors)}
    if len(mentee_index) != len(mentees):
        raise ValueError("mentee ids must be unique")
    if len(mentor_index) != len(mentors):
        raise ValueError("mentor ids must be unique")
    explicit = pair_scores is not None
    n_mentees, n_mentors = len(mentees), len(mentors)

    text_mentee = text_mentor_t = text_terms = None
    goals = [m.goals for m in mentees]
    expertise = [m.expertise for m in mentors]
    has_text = not explicit and any(t.strip() for t in goals) and any(t.strip() for t in expertise)
    if has_text:
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32)
        try:
            # One pass over all texts: the same vectors as fitting then transforming each side.
            both = vectorizer.fit_transform(goals + expertise).tocsr()
            text_mentee = both[: len(goals)]
            text_mentor_t = _dense_if_small(both[len(goals) :].T.tocsr())
            text_terms = vectorizer.get_feature_names_out()
        except ValueError:  # only stop words: no usable vocabulary
            has_text = False

    wanted = [[normalize_skill(s) for s in m.skills_wanted if s.strip()] for m in mentees]
    offered = [[normalize_skill(s) for s in m.skills_offered if s.strip()] for m in mentors]
    skill_vocabulary = _vocabulary(wanted)
    skills_mentee = _incidence(wanted, skill_vocabulary)
    skills_mentor = _incidence(offered, skill_vocabulary)
    skills_wanted_count = np.asarray(skills_mentee.sum(axis=1)).ravel().astype(np.float32)
    has_skills = not explicit and bool(skills_mentee.nnz)

    rules = settings.hard_rules
    language_vocabulary = _vocabulary(
        [[lang.code for lang in p.languages] for p in mentees]
        + [[lang.code for lang in p.languages] for p in mentors]
    )
    language_mentee = _language_matrix(mentees, language_vocabulary, rules.min_language_proficiency)
    language_mentor = _language_matrix(mentors, language_vocabulary, rules.min_language_proficiency)

    round_date = settings.round_date or dt.datetime.now(dt.UTC).date()
    mentee_profiles = [profile_of(m.time_zone, m.working_hours) for m in mentees]
    mentor_profiles = [profile_of(m.time_zone, m.working_hours) for m in mentors]
    profile_vocabulary_mentee = {p: i for i, p in enumerate(dict.fromkeys(mentee_profiles))}
    profile_vocabulary_mentor = {p: i for i, p in enumerate(dict.fromkeys(mentor_profiles))}
    overlap, mentee_week, mentor_week = overlap_hours_matrix(
        list(profile_vocabulary_mentee), list(profile_vocabulary_mentor), round_date
    )
    shorter_week = np.minimum(mentee_week[:, None], mentor_week[None, :])
    hours_factor = np.where(shorter_week > 0, overlap / np.maximum(shorter_week, 1e-9), 0.0)
    hours_factor = np.clip(hours_factor, 0.0, 1.0).astype(np.float32)

    country_vocabulary: dict[str, int] = {}
    culture_vocabulary: dict[str, int] = {}
    function_vocabulary: dict[str, int] = {}
    country_mentee = _codes([m.country for m in mentees], country_vocabulary)
    country_mentor = _codes([m.country for m in mentors], country_vocabulary)
    culture_mentee = _codes([m.culture for m in mentees], culture_vocabulary)
    culture_mentor = _codes([m.culture for m in mentors], culture_vocabulary)
    function_mentee = _codes([m.function for m in mentees], function_vocabulary)
    function_mentor = _codes([m.function for m in mentors], function_vocabulary)

    preferences = _preference_matrix(mentees, mentors, mentee_index, mentor_index)

    weights_given = settings.weights
    goal = settings.program_goal
    has_diversity = goal == ProgramGoal.CROSS_CULTURAL and bool(
        country_mentee.any() or culture_mentee.any()
    )
    has_diversity |= goal == ProgramGoal.CROSS_FUNCTIONAL and bool(function_mentee.any())
    active = {
        "text": has_text,
        "skills": has_skills,
        "language": not explicit and not rules.shared_language and bool(language_mentee.any()),
        "hours": not explicit,
        "seniority": not explicit,
        "diversity": not explicit and has_diversity,
        "preferences": not explicit and preferences.nnz > 0,
    }
    raw = np.array(
        [getattr(weights_given, f) if active[f] else 0.0 for f in FACTORS], dtype=np.float64
    )
    if (raw < 0).any():
        raise ValueError("weights must not be negative")
    weights = raw / raw.sum() if raw.sum() > 0 else raw

    exclusion_keys, exclusion_reasons = _exclusions(
        mentees, mentors, mentee_index, mentor_index, settings
    )

    explicit_scores = explicit_mask = None
    if explicit:
        rows: list[int] = []
        columns: list[int] = []
        values: list[float] = []
        seen: set[tuple[str, str]] = set()
        for k, item in enumerate(pair_scores or ()):
            if item.mentee_id not in mentee_index:
                raise ValueError(f"pair_scores[{k}]: unknown mentee id {item.mentee_id!r}")
            if item.mentor_id not in mentor_index:
                raise ValueError(f"pair_scores[{k}]: unknown mentor id {item.mentor_id!r}")
            if not 0.0 <= item.score <= 1.0:
                raise ValueError(f"pair_scores[{k}]: score must be between 0 and 1")
            # A sparse matrix would add the two scores up: refuse instead of guessing.
            pair = (item.mentee_id, item.mentor_id)
            if pair in seen:
                raise ValueError(f"pair_scores[{k}]: duplicate pair {pair!r}")
            seen.add(pair)
            rows.append(mentee_index[item.mentee_id])
            columns.append(mentor_index[item.mentor_id])
            values.append(item.score)
        shape = (n_mentees, n_mentors)
        explicit_scores = sp.csr_matrix(
            (np.asarray(values, dtype=np.float32), (rows, columns)), shape=shape, dtype=np.float32
        )
        explicit_scores.sum_duplicates()
        explicit_mask = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=shape
        )
        explicit_mask.data[:] = 1.0

    enc = EncodedCohort(
        mentees=mentees,
        mentors=mentors,
        settings=settings,
        mentee_index=mentee_index,
        mentor_index=mentor_index,
        demand=np.array([max(0, m.mentors_wanted) for m in mentees], dtype=np.int64),
        capacity=np.array([max(0, m.capacity) for m in mentors], dtype=np.int64),
        weights=weights,
        text_mentee=text_mentee,
        text_mentor_t=text_mentor_t,
        text_terms=text_terms,
        skills_mentee=skills_mentee,
        skills_mentor_t=_dense_if_small(skills_mentor.T.tocsr()),
        skills_wanted_count=skills_wanted_count,
        skill_names=list(skill_vocabulary),
        language_mentee=language_mentee,
        language_mentor_t=np.ascontiguousarray(language_mentor.T),
        mentee_has_language=language_mentee.any(axis=1)
        | np.array([bool(m.languages) for m in mentees], dtype=bool),
        mentor_has_language=language_mentor.any(axis=1)
        | np.array([bool(m.languages) for m in mentors], dtype=bool),
        hours_profile_mentee=np.array(
            [profile_vocabulary_mentee[p] for p in mentee_profiles], dtype=np.int32
        ),
        hours_profile_mentor=np.array(
            [profile_vocabulary_mentor[p] for p in mentor_profiles], dtype=np.int32
        ),
        hours_factor=hours_factor,
        hours_overlap=overlap.astype(np.float32),
        seniority_mentee=np.array([m.seniority for m in mentees], dtype=np.int32),
        seniority_mentor=np.array([m.seniority for m in mentors], dtype=np.int32),
        country_mentee=country_mentee,
        country_mentor=country_mentor,
        culture_mentee=culture_mentee,
        culture_mentor=culture_mentor,
        function_mentee=function_mentee,
        function_mentor=function_mentor,
        preferences=preferences,
        exclusion_keys=exclusion_keys,
        exclusion_reasons=exclusion_reasons,
        explicit_scores=explicit_scores,
        explicit_mask=explicit_mask,
    )
    if not explicit:
        _prepare_scoring(enc)
    return enc


def _seniority_table(enc: EncodedCohort, weight: float) -> FactorTable:
    low, high = enc.settings.seniority_gap
    sign = -1 if enc.settings.reverse_mentoring else 1

    def value(mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        gap = sign * (mentor[..., 0].astype(np.int64) - mentee[..., 0])
        distance = np.maximum(low - gap, 0) + np.maximum(gap - high, 0)
        result: np.ndarray = np.maximum(1.0 - 0.5 * distance, 0.0)
        return result

    return _table(enc.seniority_mentee[:, None], enc.seniority_mentor[:, None], value, weight)


def _diversity_table(enc: EncodedCohort, weight: float) -> FactorTable:
    def differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        result: np.ndarray = (a != b) & (a > 0) & (b > 0)
        return result

    if enc.settings.program_goal == ProgramGoal.CROSS_FUNCTIONAL:
        return _table(
            enc.function_mentee[:, None],
            enc.function_mentor[:, None],
            lambda a, b: differs(a[..., 0], b[..., 0]),
            weight,
        )
    return _table(
        np.stack([enc.country_mentee, enc.culture_mentee], axis=1),
        np.stack([enc.country_mentor, enc.culture_mentor], axis=1),
        lambda a, b: differs(a[..., 0], b[..., 0]) | differs(a[..., 1], b[..., 1]),
        weight,
    )


def _language_keys(matrix: np.ndarray, has_language: np.ndarray) -> np.ndarray:
    return np.concatenate([matrix > 0, has_language[:, None]], axis=1).astype(np.int8)


def _language_table(enc: EncodedCohort, rule: bool, weight: float) -> FactorTable:
    def shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(((a[..., :-1] > 0) & (b[..., :-1] > 0)).any(axis=-1))

    def excluded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # Someone who listed no language at all is unknown, not a mismatch.
        return ~shared(a, b) & (a[..., -1] > 0) & (b[..., -1] > 0)

    return _table(
        _language_keys(enc.language_mentee, enc.mentee_has_language),
        _language_keys(enc.language_mentor_t.T, enc.mentor_has_language),
        excluded if rule else shared,
        weight,
    )


def _prepare_scoring(enc: EncodedCohort) -> None:
    """Split the score into tables, one linear product and the rest (see EncodedCohort)."""
    weights = dict(active_factors(enc))
    tables: list[FactorTable] = []
    if "hours" in weights:
        tables.append(
            FactorTable(
                enc.hours_profile_mentee,
                enc.hours_profile_mentor,
                (np.float32(weights.pop("hours")) * enc.hours_factor).astype(np.float32),
            )
        )
    if "seniority" in weights:
        tables.append(_seniority_table(enc, weights.pop("seniority")))
    if "diversity" in weights:
        tables.append(_diversity_table(enc, weights.pop("diversity")))
    if "language" in weights:
        tables.append(_language_table(enc, False, weights.pop("language")))
    enc.pair_tables = tuple(tables)
    marked = list(tables)
    if enc.settings.hard_rules.shared_language:
        enc.language_rule = _language_table(enc, True, 1.0)
        rule = enc.language_rule
        if rule.values.any():
            marked.append(replace(rule, values=(rule.values * RULE_MARK).astype(np.float32)))
    enc.block_tables = _merge_tables(marked)
    left: list[sp.csr_matrix] = []
    right: list[np.ndarray] = []
    if "text" in weights and isinstance(enc.text_mentor_t, np.ndarray):
        assert enc.text_mentee is not None
        left.append(enc.text_mentee * np.float32(weights.pop("text")))
        right.append(enc.text_mentor_t)
    if "skills" in weights and isinstance(enc.skills_mentor_t, np.ndarray):
        scale = np.float32(weights.pop("skills")) / np.maximum(enc.skills_wanted_count, 1.0)
        left.append(sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ enc.skills_mentee))
        right.append(enc.skills_mentor_t)
    if left:
        enc.linear_mentee = sp.hstack(left, format="csr", dtype=np.float32)
        enc.linear_mentor_t = np.ascontiguousarray(np.vstack(right), dtype=np.float32)
    enc.direct_factors = tuple(weights.items())


# ---------------------------------------------------------------------------------------------
# Factors. ``rows`` selects mentees; with ``columns=None`` the result is a block against all
# mentors, otherwise ``rows`` and ``columns`` are equal-length arrays of pairs.
# ---------------------------------------------------------------------------------------------


def _product(
    left: sp.csr_matrix | np.ndarray,
    right_t: np.ndarray | sp.csr_matrix,
    rows: np.ndarray | slice,
    columns: np.ndarray | None,
) -> np.ndarray:
    left_rows = left[rows]
    if columns is None:
        product = left_rows @ right_t
        if sp.issparse(product):
            # scipy-stubs narrow issparse() to an abstract base that lacks toarray().
            product = product.toarray()  # type: ignore[attr-defined]
        return np.asarray(product, dtype=np.float32)
    right_rows = right_t.T.tocsr()[columns] if sp.issparse(right_t) else right_t.T[columns]
    if sp.issparse(left_rows):
        return np.asarray(left_rows.multiply(right_rows).sum(axis=1), dtype=np.float32).ravel()
    pairs: np.ndarray = np.einsum("ij,ij->i", left_rows, np.asarray(right_rows))
    return pairs.astype(np.float32)


def text_factor(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    assert enc.text_mentee is not None and enc.text_mentor_t is not None
    text: np.ndarray = np.minimum(_product(enc.text_mentee, enc.text_mentor_t, rows, columns), 1.0)
    return text


def skill_overlap_count(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    assert enc.skills_mentor_t is not None
    return _product(enc.skills_mentee, enc.skills_mentor_t, rows, columns)


def skills_factor(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    shared = skill_overlap_count(enc, rows, columns)
    wanted = np.maximum(enc.skills_wanted_count[rows], 1.0)
    if columns is None:
        shared /= wanted[:, None]
        return shared
    factor: np.ndarray = shared / wanted
    return factor


def shared_language_count(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    count: np.ndarray
    if columns is None:
        count = enc.language_mentee[rows] @ enc.language_mentor_t
    else:
        count = np.einsum("ij,ji->i", enc.language_mentee[rows], enc.language_mentor_t[:, columns])
    return count


def language_factor(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    return (shared_language_count(enc, rows, columns) > 0).astype(np.float32)


def hours_factor(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    mentee_profiles = enc.hours_profile_mentee[rows]
    factor: np.ndarray
    if columns is None:
        factor = enc.hours_factor[mentee_profiles][:, enc.hours_profile_mentor]
    else:
        factor = enc.hours_factor[mentee_profiles, enc.hours_profile_mentor[columns]]
    return factor


def overlap_hours(enc: EncodedCohort, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    hours: np.ndarray = enc.hours_overlap[
        enc.hours_profile_mentee[rows], enc.hours_profile_mentor[columns]
    ]
    return hours


def seniority_gap(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    """Levels the mentor is above the mentee (below, for reverse mentoring)."""
    mentee = enc.seniority_mentee[rows]
    mentor = enc.seniority_mentor if columns is None else enc.seniority_mentor[columns]
    gap: np.ndarray = np.subtract.outer(mentor, mentee).T if columns is None else mentor - mentee
    return -gap if enc.settings.reverse_mentoring else gap


def seniority_factor(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    low, high = enc.settings.seniority_gap
    gap = seniority_gap(enc, rows, columns)
    if not gap.size:
        return np.zeros(gap.shape, dtype=np.float32)
    # Few distinct gaps: score each once and look the rest up.
    smallest = int(gap.min())
    values = np.arange(smallest, int(gap.max()) + 1)
    distance = np.maximum(low - values, 0) + np.maximum(values - high, 0)
    # Half a point lost per level outside the preferred range.
    table = np.maximum(1.0 - 0.5 * distance, 0.0).astype(np.float32)
    factor: np.ndarray = table[gap - smallest]
    return factor


def _differs(
    mentee_codes: np.ndarray,
    mentor_codes: np.ndarray,
    rows: np.ndarray | slice,
    columns: np.ndarray | None,
) -> np.ndarray:
    a = mentee_codes[rows]
    b = mentor_codes if columns is None else mentor_codes[columns]
    differs: np.ndarray
    if columns is None:
        differs = (a[:, None] != b[None, :]) & (a[:, None] > 0) & (b[None, :] > 0)
    else:
        differs = (a != b) & (a > 0) & (b > 0)
    return differs


def diversity_factor(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    if enc.settings.program_goal == ProgramGoal.CROSS_FUNCTIONAL:
        return _differs(enc.function_mentee, enc.function_mentor, rows, columns).astype(np.float32)
    different = _differs(enc.country_mentee, enc.country_mentor, rows, columns)
    different |= _differs(enc.culture_mentee, enc.culture_mentor, rows, columns)
    return different.astype(np.float32)


def preferences_factor(
    enc: EncodedCohort, rows: np.ndarray | slice, columns: np.ndarray | None
) -> np.ndarray:
    if columns is None:
        return enc.preferences[rows].toarray()
    # scipy-stubs index a sparse matrix by two ints only, not by arrays of pairs.
    pairs = enc.preferences[rows, columns]  # type: ignore[index]
    return np.asarray(pairs, dtype=np.float32).ravel()


FACTOR_FUNCTIONS = {
    "text": text_factor,
    "skills": skills_factor,
    "language": language_factor,
    "hours": hours_factor,
    "seniority": seniority_factor,
    "diversity": diversity_factor,
    "preferences": preferences_factor,
}


def active_factors(enc: EncodedCohort) -> list[tuple[str, float]]:
    return [(name, float(w)) for name, w in zip(FACTORS, enc.weights, strict=True) if w > 0]


def _block_rows(rows: np.ndarray | slice, n_rows: int) -> np.ndarray:
    if isinstance(rows, slice):
        return np.arange(n_rows)[rows]
    return np.asarray(rows)


def _linear_block(enc: EncodedCohort, rows: np.ndarray | slice) -> np.ndarray:
    assert enc.linear_mentee is not None and enc.linear_mentor_t is not None
    return np.asarray(enc.linear_mentee[rows] @ enc.linear_mentor_t, dtype=np.float32)


def _linear_pairs(enc: EncodedCohort, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    assert enc.linear_mentee is not None and enc.linear_mentor_t is not None
    left = enc.linear_mentee[rows]
    owner = np.repeat(np.arange(len(rows)), np.diff(left.indptr))
    values = left.data * enc.linear_mentor_t[left.indices, columns[owner]]
    return np.bincount(owner, weights=values, minlength=len(rows)).astype(np.float32)


def _factor_block(enc: EncodedCohort, rows: np.ndarray | slice, n_rows: int) -> np.ndarray:
    """Weighted score of a block, clipped to [0, 1], INFEASIBLE where the language rule bites."""
    scores: np.ndarray | None = None
    if enc.linear_mentee is not None:
        scores = _linear_block(enc, rows)
    for table in enc.block_tables:
        part = table.block(rows)
        if scores is None:
            scores = part
        else:
            scores += part
    if scores is None:
        scores = np.zeros((n_rows, enc.n_mentors), dtype=np.float32)
    for name, weight in enc.direct_factors:
        scores += np.float32(weight) * FACTOR_FUNCTIONS[name](enc, rows, None)
    # Every factor is non-negative, so only marked pairs fall below 0.
    np.clip(scores, INFEASIBLE, 1.0, out=scores)
    return scores


def _factor_pairs(enc: EncodedCohort, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    scores = np.zeros(len(rows), dtype=np.float32)
    for start in range(0, len(rows), PAIR_CHUNK):
        r, c = rows[start : start + PAIR_CHUNK], columns[start : start + PAIR_CHUNK]
        part = scores[start : start + PAIR_CHUNK]
        for table in enc.pair_tables:
            part += table.pairs(r, c)
        if enc.linear_mentee is not None:
            part += _linear_pairs(enc, r, c)
        for name, weight in enc.direct_factors:
            part += np.float32(weight) * FACTOR_FUNCTIONS[name](enc, r, c)
    np.clip(scores, 0.0, 1.0, out=scores)
    return scores


def _sparse_exclusions(
    enc: EncodedCohort, row_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local row, column, reason) of the block's pairs ruled out by a sparse rule."""
    width = _key_width(enc)
    lows = np.searchsorted(enc.exclusion_keys, row_ids * width)
    highs = np.searchsorted(enc.exclusion_keys, (row_ids + 1) * width)
    lengths = highs - lows
    offsets = np.repeat(lows - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    positions = offsets + np.arange(int(lengths.sum()))
    columns = enc.exclusion_keys[positions] % width
    local_rows = np.repeat(np.arange(len(row_ids)), lengths)
    reasons = enc.exclusion_reasons[positions].astype(np.int64)
    if enc.mentor_position is not None:
        columns = enc.mentor_position[columns]
        seen = columns >= 0
        local_rows, columns, reasons = local_rows[seen], columns[seen], reasons[seen]
    return local_rows, columns, reasons


def _key_width(enc: EncodedCohort) -> int:
    """Mentor count the exclusion keys are based on (the full cohort's, also in a view)."""
    return len(enc.mentor_position) if enc.mentor_position is not None else enc.n_mentors


def score_block(enc: EncodedCohort, rows: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores of some mentees against every mentor, INFEASIBLE where a hard rule applies.

    Returns the scores and, per mentee row, how many mentors each exclusion reason removed
    (the first applicable reason counts).
    """
    row_ids = _block_rows(rows, enc.n_mentees)
    n_rows = len(row_ids)
    if enc.explicit_scores is not None:
        return _explicit_block(enc, rows, row_ids)
    scores = _factor_block(enc, rows, n_rows)
    counts = np.zeros((n_rows, len(EXCLUSION_NAMES)), dtype=np.int32)
    local_rows, local_columns, reasons = _sparse_exclusions(enc, row_ids)
    np.add.at(counts, (local_rows, reasons), 1)
    rule = enc.language_rule
    if rule is not None:
        # Pairs a sparse rule already excludes count under that rule (it comes first).
        mentors_per_code = np.bincount(rule.mentor_codes, minlength=rule.values.shape[1])
        per_code = (rule.values > 0).astype(np.int64) @ mentors_per_code
        excluded = per_code[rule.mentee_codes[row_ids]]
        both = rule.pairs(row_ids[local_rows], local_columns) > 0
        excluded -= np.bincount(local_rows[both], minlength=n_rows)
        counts[:, NO_LANGUAGE] = excluded
    scores[local_rows, local_columns] = INFEASIBLE
    return scores, counts


def _explicit_block(
    enc: EncodedCohort, rows: slice | np.ndarray, row_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    assert enc.explicit_scores is not None and enc.explicit_mask is not None
    n_rows, n_mentors = len(row_ids), enc.n_mentors
    scores = enc.explicit_scores[rows].toarray()
    feasible = enc.explicit_mask[rows].toarray() > 0
    counts = np.zeros((n_rows, len(EXCLUSION_NAMES)), dtype=np.int32)
    counts[:, NOT_LISTED] = n_mentors - feasible.sum(axis=1)
    if enc.settings.hard_rules.shared_language:
        no_language = shared_language_count(enc, rows, None) <= 0
        # Someone who listed no language at all is unknown, not a mismatch.
        no_language &= enc.mentee_has_language[rows][:, None]
        no_language &= enc.mentor_has_language[None, :]
    else:
        no_language = None
    local_rows, local_columns, reasons = _sparse_exclusions(enc, row_ids)
    sparse_hit = np.zeros((n_rows, n_mentors), dtype=bool)
    sparse_hit[local_rows, local_columns] = True
    if no_language is not None:
        counts[:, NO_LANGUAGE] = (no_language & ~sparse_hit & feasible).sum(axis=1)
        feasible &= ~no_language
    np.add.at(counts, (local_rows, reasons), 1)
    feasible[local_rows, local_columns] = False
    scores[~feasible] = INFEASIBLE
    return scores, counts


def score_pairs(
    enc: EncodedCohort, rows: np.ndarray, columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores, feasibility and first exclusion reason (-1 if none) of explicit pairs."""
    rows = np.asarray(rows, dtype=np.int64)
    columns = np.asarray(columns, dtype=np.int64)
    n = len(rows)
    reason = np.full(n, -1, dtype=np.int64)
    if enc.explicit_scores is not None:
        assert enc.explicit_mask is not None
        scores = np.asarray(enc.explicit_scores[rows, columns], dtype=np.float32).ravel()
        listed = np.asarray(enc.explicit_mask[rows, columns]).ravel() > 0
        reason[~listed] = NOT_LISTED
        if enc.settings.hard_rules.shared_language and n:
            no_language = shared_language_count(enc, rows, columns) <= 0
            no_language &= enc.mentee_has_language[rows] & enc.mentor_has_language[columns]
            reason[no_language & ((reason < 0) | (reason > NO_LANGUAGE))] = NO_LANGUAGE
    else:
        scores = _factor_pairs(enc, rows, columns)
        if enc.language_rule is not None and n:
            reason[enc.language_rule.pairs(rows, columns) > 0] = NO_LANGUAGE
    base_columns = columns if enc.base_columns is None else enc.base_columns[columns]
    keys = rows * _key_width(enc) + base_columns
    position = np.searchsorted(enc.exclusion_keys, keys)
    position = np.minimum(position, max(len(enc.exclusion_keys) - 1, 0))
    if len(enc.exclusion_keys):
        hit = enc.exclusion_keys[position] == keys
        reason[hit] = enc.exclusion_reasons[position[hit]]
    feasible = reason < 0
    return scores, feasible, reason


class _Subset(Sequence[Mentor]):
    """Some mentors of a cohort, without copying them."""

    def __init__(self, mentors: Sequence[Mentor], columns: np.ndarray) -> None:
        self._mentors, self._columns = mentors, columns

    def __len__(self) -> int:
        return len(self._columns)

    def __getitem__(self, index: int) -> Mentor:  # type: ignore[override]
        return self._mentors[int(self._columns[index])]


class _SubsetIndex(Mapping[str, int]):
    """Column of each mentor id in a view, built on first use (scoring never needs it)."""

    def __init__(self, mentors: Sequence[Mentor]) -> None:
        self._mentors = mentors
        self._index: dict[str, int] | None = None

    def _built(self) -> dict[str, int]:
        if self._index is None:
            self._index = {m.id: k for k, m in enumerate(self._mentors)}
        return self._index

    def __getitem__(self, key: str) -> int:
        return self._built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._mentors)


def restrict_mentors(enc: EncodedCohort, columns: np.ndarray) -> EncodedCohort:
    """The same cohort seen through a subset of mentors (column ``k`` is ``columns[k]``).

    Lets certification and the greedy baseline score a few rows against some mentors with
    the block code path. A view copies only what scoring reads, so it is cheap to make.
    """
    columns = np.asarray(columns, dtype=np.int64)
    base_columns = columns if enc.base_columns is None else enc.base_columns[columns]
    width = _key_width(enc)
    position = np.full(width, -1, dtype=np.int64)
    position[base_columns] = np.arange(len(columns))
    direct = {name for name, _ in enc.direct_factors}

    def cut(
        matrix: np.ndarray | sp.csr_matrix | None, needed: bool = True
    ) -> np.ndarray | sp.csr_matrix | None:
        if matrix is None or not needed:
            return None
        return matrix[:, columns]

    mentors = _Subset(enc.mentors, columns)
    return replace(
        enc,
        mentors=mentors,
        mentor_index=_SubsetIndex(mentors),
        capacity=enc.capacity[columns],
        # Text and skills are read only when they are not part of the linear product.
        text_mentor_t=cut(enc.text_mentor_t, "text" in direct),
        skills_mentor_t=cut(enc.skills_mentor_t, "skills" in direct),
        language_mentor_t=enc.language_mentor_t[:, columns],
        mentor_has_language=enc.mentor_has_language[columns],
        hours_profile_mentor=enc.hours_profile_mentor[columns],
        seniority_mentor=enc.seniority_mentor[columns],
        country_mentor=enc.country_mentor[columns],
        culture_mentor=enc.culture_mentor[columns],
        function_mentor=enc.function_mentor[columns],
        preferences=enc.preferences[:, columns].tocsr()
        if "preferences" in direct
        # scipy-stubs type an empty matrix of a given shape as float64 only.
        else sp.csr_matrix((enc.n_mentees, len(columns)), dtype=np.float32),  # type: ignore[arg-type]
        explicit_scores=None if enc.explicit_scores is None else enc.explicit_scores[:, columns],
        explicit_mask=None if enc.explicit_mask is None else enc.explicit_mask[:, columns],
        pair_tables=tuple(table.cut(columns) for table in enc.pair_tables),
        block_tables=tuple(table.cut(columns) for table in enc.block_tables),
        language_rule=None if enc.language_rule is None else enc.language_rule.cut(columns),
        linear_mentor_t=None
        if enc.linear_mentor_t is None
        else np.ascontiguousarray(enc.linear_mentor_t[:, columns]),
        base_columns=base_columns,
        mentor_position=position,
    )
