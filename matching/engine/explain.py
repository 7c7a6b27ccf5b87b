"""Words for admins: why a pair scores what it scores, and why a mentee stayed unmatched."""

from __future__ import annotations

import numpy as np

from matching.engine.features import (
    FACTOR_FUNCTIONS,
    FORBIDDEN,
    NO_LANGUAGE,
    NOT_LISTED,
    PREVIOUS,
    REPORTING_LINE,
    SAME_MANAGER,
    SAME_PERSON,
    EncodedCohort,
    active_factors,
    normalize_skill,
    overlap_hours,
    score_pairs,
    seniority_gap,
)
from matching.engine.messages import Phrase, phrase
from matching.engine.types import FactorContribution, ProgramGoal

PAIR_CHUNK = 20_000


def _format_hours(hours: float) -> str:
    rounded = round(hours * 2) / 2
    return f"{rounded:g}"


# Exclusion reason codes as the rule keys of messages.RULE_NAMES.
RULE_KEYS = {
    SAME_PERSON: "same_person",
    REPORTING_LINE: "reporting_line",
    SAME_MANAGER: "same_manager",
    FORBIDDEN: "forbidden",
    PREVIOUS: "previous",
    NO_LANGUAGE: "no_language",
    NOT_LISTED: "not_listed",
}


def _text_terms(enc: EncodedCohort, rows: np.ndarray, columns: np.ndarray) -> list[list[str]]:
    """Up to three shared terms per pair, the ones adding most to the similarity."""
    assert enc.text_mentee is not None and enc.text_terms is not None
    assert enc.text_mentor_t is not None
    matrix = enc.text_mentee[rows]
    owner = np.repeat(np.arange(len(rows)), np.diff(matrix.indptr))
    mentor_t = enc.text_mentor_t
    if isinstance(mentor_t, np.ndarray):
        mentor_weights = mentor_t[matrix.indices, columns[owner]]
    else:
        mentor_weights = np.asarray(mentor_t[matrix.indices, columns[owner]]).ravel()
    products = matrix.data * mentor_weights
    keep = products > 0
    owner, terms, products = owner[keep], matrix.indices[keep], products[keep]
    order = np.lexsort((-products, owner))
    owner, terms = owner[order], terms[order]
    top = np.arange(len(owner)) - np.searchsorted(owner, owner) < 3
    found: list[list[str]] = [[] for _ in range(len(rows))]
    names = enc.text_terms
    for k, term in zip(owner[top].tolist(), terms[top].tolist(), strict=True):
        found[k].append(str(names[term]))
    return found


def _text_words(terms: list[str], value: float) -> Phrase:
    if not terms:
        return phrase("text.none")
    return phrase("text.terms", terms=tuple(terms), similarity=f"{value:.2f}")


class _Words:
    """Per-person lookups done once per call, so each pair costs a few set operations."""

    def __init__(self, enc: EncodedCohort) -> None:
        self.enc = enc
        self._wanted: dict[int, list[tuple[str, str]]] = {}
        self._offered: dict[int, set[str]] = {}
        self._mentor_languages: dict[int, set[str]] = {}
        self._seniority: dict[int, Phrase] = {}
        self._diversity: dict[tuple[str, ...], Phrase] = {}

    def skills(self, row: int, column: int) -> Phrase:
        wanted = self._wanted.get(row)
        if wanted is None:
            skills = dict.fromkeys(s.strip() for s in self.enc.mentees[row].skills_wanted)
            wanted = self._wanted[row] = [(s, normalize_skill(s)) for s in skills if s]
        offered = self._offered.get(column)
        if offered is None:
            offered = {normalize_skill(s) for s in self.enc.mentors[column].skills_offered}
            self._offered[column] = offered
        if not wanted:
            return phrase("skills.none_requested")
        shared = [s for s, key in wanted if key in offered]
        if not shared:
            return phrase("skills.none_offered", count=len(wanted))
        return phrase("skills.shared", count=len(shared), skills=tuple(shared))

    def language(self, row: int, column: int) -> Phrase:
        codes = self._mentor_languages.get(column)
        if codes is None:
            codes = {lang.code for lang in self.enc.mentors[column].languages}
            self._mentor_languages[column] = codes
        shared = [lang.code for lang in self.enc.mentees[row].languages if lang.code in codes]
        if not shared:
            return phrase("language.none")
        return phrase("language.shared", count=len(shared), languages=tuple(shared))

    def seniority(self, gap: int) -> Phrase:
        words = self._seniority.get(gap)
        if words is None:
            words = self._seniority[gap] = _seniority_words(self.enc, gap)
        return words

    def diversity(self, row: int, column: int) -> Phrase:
        mentee, mentor = self.enc.mentees[row], self.enc.mentors[column]
        key: tuple[str, ...] = (mentee.country, mentor.country, mentee.culture, mentor.culture)
        key += (mentee.function, mentor.function)
        words = self._diversity.get(key)
        if words is None:
            words = self._diversity[key] = _diversity_words(self.enc, row, column)
        return words


def _seniority_words(enc: EncodedCohort, gap: int) -> Phrase:
    low, high = enc.settings.seniority_gap
    preferred = f"{low}-{high}" if low != high else f"{low}"
    reverse = "_reverse" if enc.settings.reverse_mentoring else ""
    upper = "mentee" if enc.settings.reverse_mentoring else "mentor"
    if gap == 0:
        return phrase(f"seniority.same{reverse}", preferred=preferred)
    direction = "above" if gap > 0 else "below"
    return phrase(f"seniority.{upper}_{direction}{reverse}", count=abs(gap), preferred=preferred)


def _diversity_words(enc: EncodedCohort, row: int, column: int) -> Phrase:
    mentee, mentor = enc.mentees[row], enc.mentors[column]
    if enc.settings.program_goal == ProgramGoal.CROSS_FUNCTIONAL:
        if mentee.function and mentor.function and mentee.function != mentor.function:
            return phrase(
                "diversity.cross_functional", mentee=mentee.function, mentor=mentor.function
            )
        if not mentee.function:
            return phrase("diversity.same_function_unknown")
        return phrase("diversity.same_function", value=mentee.function)
    if mentee.country and mentor.country and mentee.country != mentor.country:
        return phrase("diversity.cross_country", mentee=mentee.country, mentor=mentor.country)
    if mentee.culture and mentor.culture and mentee.culture != mentor.culture:
        return phrase("diversity.cross_culture", mentee=mentee.culture, mentor=mentor.culture)
    if not (mentee.country or mentee.culture):
        return phrase("diversity.same_place_unknown")
    return phrase("diversity.same_place", value=mentee.country or mentee.culture)


def _preference_words(enc: EncodedCohort, row: int, column: int) -> Phrase:
    mentee, mentor = enc.mentees[row], enc.mentors[column]
    mentee_ranking = list(dict.fromkeys(mentee.preferences))
    mentor_ranking = list(dict.fromkeys(mentor.preferences))
    mentee_rank = mentee_ranking.index(mentor.id) + 1 if mentor.id in mentee_ranking else None
    mentor_rank = mentor_ranking.index(mentee.id) + 1 if mentee.id in mentor_ranking else None
    if mentee_rank and mentor_rank:
        return phrase("preferences.both", mentee_rank=mentee_rank, mentor_rank=mentor_rank)
    if mentee_rank:
        return phrase("preferences.mentee", rank=mentee_rank)
    if mentor_rank:
        return phrase("preferences.mentor", rank=mentor_rank)
    return phrase("preferences.none")


def explain_pairs(
    enc: EncodedCohort, rows: np.ndarray, columns: np.ndarray
) -> list[tuple[float, tuple[FactorContribution, ...]]]:
    """Score and factor breakdown of each (mentee row, mentor column) pair."""
    rows = np.asarray(rows, dtype=np.int64)
    columns = np.asarray(columns, dtype=np.int64)
    explained: list[tuple[float, tuple[FactorContribution, ...]]] = []
    factors = active_factors(enc)
    words = _Words(enc)
    rule = enc.settings.hard_rules.shared_language
    for start in range(0, len(rows), PAIR_CHUNK):
        r = rows[start : start + PAIR_CHUNK]
        c = columns[start : start + PAIR_CHUNK]
        scores = score_pairs(enc, r, c)[0].tolist()
        values = {name: FACTOR_FUNCTIONS[name](enc, r, c).tolist() for name, _ in factors}
        hours = overlap_hours(enc, r, c).tolist() if "hours" in values else []
        gaps = seniority_gap(enc, r, c).tolist() if "seniority" in values else []
        terms = _text_terms(enc, r, c) if "text" in values else []
        for k, (row, column) in enumerate(zip(r.tolist(), c.tolist(), strict=True)):
            parts: list[FactorContribution] = []
            if enc.explicit_scores is not None:
                said = phrase("explicit.score", score=f"{scores[k]:.2f}")
                parts.append(FactorContribution("explicit", scores[k], scores[k], said.text, said))
            for name, weight in factors:
                value = values[name][k]
                if name == "text":
                    said = _text_words(terms[k], value)
                elif name == "skills":
                    said = words.skills(row, column)
                elif name == "language":
                    said = words.language(row, column)
                elif name == "hours":
                    said = phrase("hours.overlap", hours=_format_hours(hours[k]))
                elif name == "seniority":
                    said = words.seniority(gaps[k])
                elif name == "diversity":
                    said = words.diversity(row, column)
                else:
                    said = _preference_words(enc, row, column)
                parts.append(FactorContribution(name, value, value * weight, said.text, said))
            if rule and enc.mentees[row].languages:
                # A hard rule adds nothing to the score, but admins still want to see it.
                said = words.language(row, column)
                parts.append(FactorContribution("language", 1.0, 0.0, said.text, said))
            explained.append((scores[k], tuple(parts)))
    return explained


def unmatched_reason(
    enc: EncodedCohort,
    row: int,
    exclusion_counts: np.ndarray,
    feasible_columns: np.ndarray,
    load: np.ndarray,
    capacity: np.ndarray,
    own_mentors: set[int],
    min_score: float,
    objective: str,
) -> Phrase:
    """Why a mentee has unfilled slots, judged against every mentor, not just candidates."""
    if enc.n_mentors == 0:
        return phrase("unmatched.no_mentors")
    if not len(feasible_columns):
        excluded = int(exclusion_counts.sum())
        if excluded < enc.n_mentors and min_score > 0:
            return phrase("unmatched.below_min_score", min_score=f"{min_score:g}")
        reasons = np.nonzero(exclusion_counts)[0]
        if len(reasons) == 1:
            return phrase(f"unmatched.rule.{RULE_KEYS[int(reasons[0])]}")
        detail = tuple(
            (RULE_KEYS[int(k)], int(exclusion_counts[k]))
            for k in sorted(reasons, key=lambda k: -exclusion_counts[k])
        )
        return phrase("unmatched.rules", detail=detail)
    others = [j for j in feasible_columns.tolist() if j not in own_mentors]
    if not others:
        return phrase("unmatched.already_mentors")
    full = [j for j in others if load[j] >= capacity[j]]
    if len(full) == len(others):
        return phrase("unmatched.at_capacity", count=len(others))
    if objective == "stable":
        return phrase("unmatched.stable", count=len(others) - len(full))
    return phrase("unmatched.objective", objective=objective, count=len(others) - len(full))
