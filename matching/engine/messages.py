"""Every sentence the engine says, by key, so that an application can say it in any language.

The engine returns a ``Phrase`` (key and parameters) beside each English text. Parameters are
data (numbers, skill names, country codes, rule keys), never English words; an application
renders ``MESSAGES[key]`` in its own language with the same parameters. ``count``, when
present, picks the singular or plural form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# key: (singular, plural) English templates with str.format placeholders.
MESSAGES: dict[str, tuple[str, str]] = {
    "text.none": ("goals and expertise share no key words",) * 2,
    "text.terms": ("goals match expertise on {terms} (similarity {similarity})",) * 2,
    "skills.none_requested": ("no skills requested",) * 2,
    "skills.none_offered": (
        "offers none of the {count} wanted skill",
        "offers none of the {count} wanted skills",
    ),
    "skills.shared": (
        "shares {count} wanted skill: {skills}",
        "shares {count} wanted skills: {skills}",
    ),
    "language.none": ("no shared language",) * 2,
    "language.shared": ("shared language: {languages}", "shared languages: {languages}"),
    "hours.overlap": ("{hours} h of working-hours overlap per week",) * 2,
    "seniority.same": ("same seniority level (preferred {preferred})",) * 2,
    "seniority.mentor_above": (
        "mentor is {count} level above the mentee (preferred {preferred})",
        "mentor is {count} levels above the mentee (preferred {preferred})",
    ),
    "seniority.mentor_below": (
        "mentor is {count} level below the mentee (preferred {preferred})",
        "mentor is {count} levels below the mentee (preferred {preferred})",
    ),
    "seniority.same_reverse": ("same seniority level (reverse mentoring, preferred {preferred})",)
    * 2,
    "seniority.mentee_above_reverse": (
        "mentee is {count} level above the mentor (reverse mentoring, preferred {preferred})",
        "mentee is {count} levels above the mentor (reverse mentoring, preferred {preferred})",
    ),
    "seniority.mentee_below_reverse": (
        "mentee is {count} level below the mentor (reverse mentoring, preferred {preferred})",
        "mentee is {count} levels below the mentor (reverse mentoring, preferred {preferred})",
    ),
    "diversity.cross_functional": ("cross-functional: {mentee} ↔ {mentor}",) * 2,
    "diversity.same_function": ("same function: {value}",) * 2,
    "diversity.same_function_unknown": ("same function: unknown",) * 2,
    "diversity.cross_country": ("cross-cultural: {mentee} ↔ {mentor}",) * 2,
    "diversity.cross_culture": ("cross-cultural: {mentee} ↔ {mentor}",) * 2,
    "diversity.same_place": ("same country and culture: {value}",) * 2,
    "diversity.same_place_unknown": ("same country and culture: unknown",) * 2,
    "learned.rating": ("pairs like this one rated their match {rating}/5 on average",) * 2,
    "learned.success": ("{percent}% of pairs like this one kept meeting",) * 2,
    "preferences.mentee": ("mentee ranked this mentor #{rank}",) * 2,
    "preferences.mentor": ("mentor ranked this mentee #{rank}",) * 2,
    "preferences.both": (
        "mentee ranked this mentor #{mentee_rank}; mentor ranked this mentee #{mentor_rank}",
    )
    * 2,
    "preferences.none": ("no stated preference for each other",) * 2,
    "explicit.score": ("score given by the organization: {score}",) * 2,
    "rule.not_allowed": ("not allowed: {rule}",) * 2,
    "unmatched.no_mentors": ("the cohort has no mentors",) * 2,
    "unmatched.below_min_score": (
        "every eligible mentor scores below the minimum score {min_score}",
    )
    * 2,
    "unmatched.rule.same_person": ("the only candidate mentors are the mentee themself",) * 2,
    "unmatched.rule.reporting_line": ("every candidate excluded by the reporting-line rule",) * 2,
    "unmatched.rule.same_manager": ("every candidate shares the mentee's manager",) * 2,
    "unmatched.rule.forbidden": ("every candidate is a forbidden pair",) * 2,
    "unmatched.rule.previous": ("every candidate was a previous mentor (mentor rotation)",) * 2,
    "unmatched.rule.no_language": ("no mentor shares a language",) * 2,
    "unmatched.rule.not_listed": ("no pair score was given for this mentee",) * 2,
    "unmatched.rules": ("every mentor is excluded by a hard rule ({detail})",) * 2,
    "unmatched.already_mentors": ("every eligible mentor is already one of this mentee's mentors",)
    * 2,
    "unmatched.at_capacity": (
        "all {count} eligible mentor are at capacity",
        "all {count} eligible mentors are at capacity",
    ),
    "unmatched.stable": (
        "{count} eligible mentor with free seats prefer their current mentees or did not rank "
        "this mentee among their candidates",
        "{count} eligible mentors with free seats prefer their current mentees or did not rank "
        "this mentee among their candidates",
    ),
    "unmatched.objective": (
        "left unmatched by the {objective} objective although {count} eligible mentor has free "
        "seats",
        "left unmatched by the {objective} objective although {count} eligible mentors have free "
        "seats",
    ),
    "unmatched.board_roles": ("no eligible mentor with free capacity offers the role(s): {roles}",)
    * 2,
}

# Rule names used inside ``rule.not_allowed`` and ``unmatched.rules`` (parameter ``rule``).
RULE_NAMES: dict[str, str] = {
    "same_person": "same person",
    "reporting_line": "reporting line",
    "same_manager": "same manager",
    "forbidden": "forbidden pair",
    "previous": "previous pair (rotation)",
    "no_language": "no shared language",
    "not_listed": "no explicit score",
}


@dataclass(frozen=True)
class Phrase:
    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def text(self) -> str:
        try:
            return _english(self)
        except TypeError:  # a parameter that cannot be hashed (a list): no caching
            return render_english(self.key, dict(self.params))


def phrase(key: str, **params: Any) -> Phrase:
    if key not in MESSAGES:
        raise KeyError(f"unknown message key {key!r}")
    return Phrase(key, tuple(params.items()))


# A cohort's explanations repeat few distinct sentences (1,357 among 60,000 factors of the
# 10,000-mentee benchmark), so each is rendered once.
@lru_cache(maxsize=16_384)
def _english(said: Phrase) -> str:
    return render_english(said.key, dict(said.params))


def render_english(key: str, params: dict[str, Any]) -> str:
    singular, plural = MESSAGES[key]
    template = singular if params.get("count", 1) == 1 else plural
    values = dict(params)
    if "rule" in values:
        values["rule"] = RULE_NAMES.get(values["rule"], values["rule"])
    if "detail" in values:
        values["detail"] = ", ".join(
            f"{count} {RULE_NAMES.get(rule, rule)}" for rule, count in values["detail"]
        )
    for name in ("terms", "skills", "languages", "roles"):
        if name in values and not isinstance(values[name], str):
            values[name] = ", ".join(values[name])
    return template.format(**values)
