"""The engine's sentences in the viewer's language.

The engine returns each explanation and unmatched reason as a message key with parameters (and
an English text). This module renders them with gettext; the test suite checks that every key
the engine can say has an entry here, with the same parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from matching.engine.messages import MESSAGES


def _list(values: Any) -> str:
    return ", ".join(str(v) for v in values) if not isinstance(values, str) else values


def _country(code: str) -> str:
    # Countries are stored as ISO codes; show their names in the viewer's language.
    return str(dict(countries).get(code, code)) if len(code) == 2 else code


def _rule(key: str) -> str:
    return {
        "same_person": _("same person"),
        "reporting_line": _("reporting line"),
        "same_manager": _("same manager"),
        "forbidden": _("forbidden pair"),
        "previous": _("previous pair (rotation)"),
        "no_language": _("no shared language"),
        "not_listed": _("no explicit score"),
    }.get(key, key)


def _rules_detail(detail: Any) -> str:
    return ", ".join(f"{count} {_rule(rule)}" for rule, count in detail)


def _seniority(singular: str, plural: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda p: ngettext(singular, plural, p["count"]) % p


RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "learned.rating": lambda p: (
        _("pairs like this one rated their match %(rating)s/5 on average") % p
    ),
    "learned.success": lambda p: _("%(percent)s%% of pairs like this one kept meeting") % p,
    "text.none": lambda p: _("goals and expertise share no key words"),
    "text.terms": lambda p: (
        _("goals match expertise on %(terms)s (similarity %(similarity)s)")
        % {**p, "terms": _list(p["terms"])}
    ),
    "skills.none_requested": lambda p: _("no skills requested"),
    "skills.none_offered": lambda p: (
        ngettext(
            "offers none of the %(count)d wanted skill",
            "offers none of the %(count)d wanted skills",
            p["count"],
        )
        % p
    ),
    "skills.shared": lambda p: (
        ngettext(
            "shares %(count)d wanted skill: %(skills)s",
            "shares %(count)d wanted skills: %(skills)s",
            p["count"],
        )
        % {**p, "skills": _list(p["skills"])}
    ),
    "language.none": lambda p: _("no shared language"),
    "language.shared": lambda p: (
        ngettext("shared language: %(languages)s", "shared languages: %(languages)s", p["count"])
        % {**p, "languages": _list(p["languages"])}
    ),
    "hours.overlap": lambda p: _("%(hours)s h of working-hours overlap per week") % p,
    "seniority.same": lambda p: _("same seniority level (preferred %(preferred)s)") % p,
    "seniority.mentor_above": lambda p: (
        ngettext(
            "mentor is %(count)d level above the mentee (preferred %(preferred)s)",
            "mentor is %(count)d levels above the mentee (preferred %(preferred)s)",
            p["count"],
        )
        % p
    ),
    "seniority.mentor_below": lambda p: (
        ngettext(
            "mentor is %(count)d level below the mentee (preferred %(preferred)s)",
            "mentor is %(count)d levels below the mentee (preferred %(preferred)s)",
            p["count"],
        )
        % p
    ),
    "seniority.same_reverse": lambda p: (
        _("same seniority level (reverse mentoring, preferred %(preferred)s)") % p
    ),
    "seniority.mentee_above_reverse": lambda p: (
        ngettext(
            "mentee is %(count)d level above the mentor (reverse mentoring, "
            "preferred %(preferred)s)",
            "mentee is %(count)d levels above the mentor (reverse mentoring, "
            "preferred %(preferred)s)",
            p["count"],
        )
        % p
    ),
    "seniority.mentee_below_reverse": lambda p: (
        ngettext(
            "mentee is %(count)d level below the mentor (reverse mentoring, "
            "preferred %(preferred)s)",
            "mentee is %(count)d levels below the mentor (reverse mentoring, "
            "preferred %(preferred)s)",
            p["count"],
        )
        % p
    ),
    "diversity.cross_functional": lambda p: _("cross-functional: %(mentee)s ↔ %(mentor)s") % p,
    "diversity.same_function": lambda p: _("same function: %(value)s") % p,
    "diversity.same_function_unknown": lambda p: _("same function: unknown"),
    "diversity.cross_country": lambda p: (
        _("cross-cultural: %(mentee)s ↔ %(mentor)s")
        % {"mentee": _country(p["mentee"]), "mentor": _country(p["mentor"])}
    ),
    "diversity.cross_culture": lambda p: _("cross-cultural: %(mentee)s ↔ %(mentor)s") % p,
    "diversity.same_place": lambda p: (
        _("same country and culture: %(value)s") % {"value": _country(p["value"])}
    ),
    "diversity.same_place_unknown": lambda p: _("same country and culture: unknown"),
    "preferences.mentee": lambda p: _("mentee ranked this mentor #%(rank)s") % p,
    "preferences.mentor": lambda p: _("mentor ranked this mentee #%(rank)s") % p,
    "preferences.both": lambda p: (
        _("mentee ranked this mentor #%(mentee_rank)s; mentor ranked this mentee #%(mentor_rank)s")
        % p
    ),
    "preferences.none": lambda p: _("no stated preference for each other"),
    "explicit.score": lambda p: _("score given by the organization: %(score)s") % p,
    "rule.not_allowed": lambda p: _("not allowed: %(rule)s") % {"rule": _rule(p["rule"])},
    "unmatched.no_mentors": lambda p: _("the cohort has no mentors"),
    "unmatched.below_min_score": lambda p: (
        _("every eligible mentor scores below the minimum score %(min_score)s") % p
    ),
    "unmatched.rule.same_person": lambda p: _("the only candidate mentors are the mentee themself"),
    "unmatched.rule.reporting_line": lambda p: _(
        "every candidate excluded by the reporting-line rule"
    ),
    "unmatched.rule.same_manager": lambda p: _("every candidate shares the mentee's manager"),
    "unmatched.rule.forbidden": lambda p: _("every candidate is a forbidden pair"),
    "unmatched.rule.previous": lambda p: _(
        "every candidate was a previous mentor (mentor rotation)"
    ),
    "unmatched.rule.no_language": lambda p: _("no mentor shares a language"),
    "unmatched.rule.not_listed": lambda p: _("no pair score was given for this mentee"),
    "unmatched.rules": lambda p: (
        _("every mentor is excluded by a hard rule (%(detail)s)")
        % {"detail": _rules_detail(p["detail"])}
    ),
    "unmatched.already_mentors": lambda p: _(
        "every eligible mentor is already one of this mentee's mentors"
    ),
    "unmatched.at_capacity": lambda p: (
        ngettext(
            "all %(count)d eligible mentor are at capacity",
            "all %(count)d eligible mentors are at capacity",
            p["count"],
        )
        % p
    ),
    "unmatched.stable": lambda p: (
        ngettext(
            "%(count)d eligible mentor with free seats prefer their current "
            "mentees or did not rank "
            "this mentee among their candidates",
            "%(count)d eligible mentors with free seats prefer their current "
            "mentees or did not rank "
            "this mentee among their candidates",
            p["count"],
        )
        % p
    ),
    "unmatched.objective": lambda p: (
        ngettext(
            "left unmatched by the %(objective)s objective although %(count)d eligible mentor has "
            "free seats",
            "left unmatched by the %(objective)s objective although %(count)d "
            "eligible mentors have "
            "free seats",
            p["count"],
        )
        % p
    ),
    "unmatched.board_roles": lambda p: (
        _("no eligible mentor with free capacity offers the role(s): %(roles)s")
        % {"roles": _list(p["roles"])}
    ),
}

assert set(RENDERERS) == set(MESSAGES), "every engine message needs a translation here"


def say(key: str, params: Any, fallback: str = "") -> str:
    """The sentence in the active language; the engine's English text if the key is unknown."""
    renderer = RENDERERS.get(key)
    if renderer is None:
        return fallback
    values = dict(params or ())
    try:
        return renderer(values)
    except (KeyError, TypeError, ValueError):
        return fallback


def say_factor(factor: Any) -> str:
    """A factor from the engine (dataclass) or as stored on a proposal (dict)."""
    if isinstance(factor, Mapping):
        phrase = factor.get("phrase") or {}
        return say(phrase.get("key", ""), phrase.get("params"), factor.get("text", ""))
    phrase = getattr(factor, "phrase", None)
    if phrase is None:
        return factor.text
    return say(phrase.key, phrase.params, factor.text)
