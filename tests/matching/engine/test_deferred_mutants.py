"""The proposal loop of deferred acceptance (``deferred.propose``), called on its flat arrays.

Every answer here is worked out independently of the loop: the pairs by a plain list-based
deferred acceptance (mentee-proposing, so its answer does not depend on who proposes first),
checked for blocking pairs by brute force; the heap layout only through the one promise the
caller reads (each full mentor's worst mentee on top of its seats). Written for the mutants of
``matching/engine/deferred.py`` (docs/testing.md), and run first by ``scripts/mutate``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import deferred


@dataclass(frozen=True)
class Lists:
    """Who may propose to whom, in order, and how each mentor ranks its proposers."""

    wanted: tuple[int, ...]
    room: tuple[int, ...]
    order: tuple[tuple[int, ...], ...]  # per mentee: mentors in the mentee's preference order
    score: dict[tuple[int, int], float]  # (mentee, mentor) -> pair score
    rank: dict[tuple[int, int], int]  # (mentee, mentor) -> the mentor's stated rank, if any
    has_more: tuple[bool, ...]

    def mentor_key(self, mentee: int, mentor: int) -> tuple:
        """Smaller is better: a stated rank first, then the higher score, then the lower index."""
        if (mentee, mentor) in self.rank:
            return (0, self.rank[(mentee, mentor)], mentee)
        return (1, -self.score[(mentee, mentor)], mentee)


@st.composite
def lists(draw, max_mentees: int = 6, max_mentors: int = 4, max_room: int = 3) -> Lists:
    n_mentees = draw(st.integers(1, max_mentees))
    n_mentors = draw(st.integers(1, max_mentors))
    wanted = tuple(draw(st.lists(st.integers(0, 3), min_size=n_mentees, max_size=n_mentees)))
    room = tuple(draw(st.lists(st.integers(0, max_room), min_size=n_mentors, max_size=n_mentors)))
    order = tuple(
        tuple(draw(st.permutations(range(n_mentors)))[: draw(st.integers(0, n_mentors))])
        for _ in range(n_mentees)
    )
    # Scores on a coarse grid, so that mentors often compare equal scores (the index decides).
    grid = st.sampled_from([0.25, 0.5, 0.75, 1.0])
    score = {(i, j): draw(grid) for i in range(n_mentees) for j in order[i]}
    rank: dict[tuple[int, int], int] = {}
    for j in range(n_mentors):
        if draw(st.booleans()):
            ranked = draw(st.permutations(range(n_mentees)))[: draw(st.integers(0, n_mentees))]
            rank.update({(i, j): r for r, i in enumerate(ranked)})
    has_more = tuple(draw(st.lists(st.booleans(), min_size=n_mentees, max_size=n_mentees)))
    return Lists(wanted, room, order, score, rank, has_more)


@dataclass
class Run:
    arrays: dict[str, np.ndarray]
    n_waiting: int

    def pairs(self) -> set[tuple[int, int]]:
        a = self.arrays
        held: set[tuple[int, int]] = set()
        for j, start in enumerate(a["seat_start"]):
            for p in range(int(a["held_count"][j])):
                held.add((int(a["held_mentee"][start + p]), j))
        return held


_ARGUMENTS = (
    "stack",
    "n_stack",
    "in_stack",
    "pos",
    "end",
    "pool_mentor",
    "pool_score",
    "pool_rank",
    "wanted",
    "accepted",
    "room",
    "seat_start",
    "held_count",
    "held_level",
    "held_value",
    "held_mentee",
    "held_score",
    "has_more",
    "waiting",
    "is_waiting",
)


def _arrays(lists: Lists) -> tuple[dict[str, np.ndarray], int]:
    """The arrays ``baseline.stable_match`` builds (one stretch of pool per mentee, seats laid
    out mentor after mentor, every mentee with a slot on the stack, the first on top)."""
    n_mentees, n_mentors = len(lists.wanted), len(lists.room)
    entries = [(i, j) for i in range(n_mentees) for j in lists.order[i]]
    lengths = [len(o) for o in lists.order]
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    room = np.array(lists.room, dtype=np.int64)
    seats = int(room.sum())
    wanted = np.array(lists.wanted, dtype=np.int64)
    stack = np.flatnonzero(wanted > 0).astype(np.int64)[::-1].copy()
    n_stack = len(stack)
    arrays = {
        "stack": np.concatenate([stack, np.zeros(n_mentees - n_stack, dtype=np.int64)]),
        "in_stack": wanted > 0,
        "pos": starts[:-1].copy(),
        "end": starts[1:].copy(),
        "pool_mentor": np.array([j for _, j in entries], dtype=np.int64),
        "pool_score": np.array([lists.score[e] for e in entries], dtype=np.float64),
        "pool_rank": np.array([lists.rank.get(e, -1) for e in entries], dtype=np.int64),
        "wanted": wanted,
        "accepted": np.zeros(n_mentees, dtype=np.int64),
        "room": room,
        "seat_start": np.concatenate([[0], np.cumsum(room)[:-1]]).astype(np.int64),
        "held_count": np.zeros(n_mentors, dtype=np.int64),
        "held_level": np.zeros(seats, dtype=np.int8),
        "held_value": np.zeros(seats, dtype=np.float64),
        "held_mentee": np.zeros(seats, dtype=np.int64),
        "held_score": np.zeros(seats, dtype=np.float64),
        "has_more": np.array(lists.has_more, dtype=bool),
        "waiting": np.zeros(n_mentees, dtype=np.int64),
        "is_waiting": np.zeros(n_mentees, dtype=bool),
    }
    return arrays, n_stack


def _call(arrays: dict[str, np.ndarray], n_stack: int) -> tuple:
    return tuple(n_stack if name == "n_stack" else arrays[name] for name in _ARGUMENTS)


def _propose(lists: Lists) -> Run:
    arrays, n_stack = _arrays(lists)
    return Run(arrays, deferred.propose(*_call(arrays, n_stack)))


def _key_at(lists: Lists, mentor: int, mentee: int) -> tuple:
    return lists.mentor_key(mentee, mentor)


def _reference(lists: Lists) -> set[tuple[int, int]]:
    """Deferred acceptance on plain lists: a free mentee asks its next mentor; the mentor keeps
    its best ``room`` proposers. Mentee-proposing, so the answer is the mentee-optimal stable
    matching whoever proposes first."""
    next_choice = [0] * len(lists.wanted)
    held: dict[int, list[int]] = {j: [] for j in range(len(lists.room))}
    partners = [0] * len(lists.wanted)
    free = [i for i, w in enumerate(lists.wanted) if w > 0]
    while free:
        i = free.pop(0)
        while partners[i] < lists.wanted[i] and next_choice[i] < len(lists.order[i]):
            j = lists.order[i][next_choice[i]]
            next_choice[i] += 1
            if lists.room[j] == 0:
                continue
            held[j].append(i)
            partners[i] += 1
            held[j].sort(key=functools.partial(_key_at, lists, j))
            if len(held[j]) > lists.room[j]:
                dropped = held[j].pop()
                partners[dropped] -= 1
                if dropped != i and dropped not in free:
                    free.append(dropped)
    return {(i, j) for j, mentees in held.items() for i in mentees}


def _blocking_pairs(lists: Lists, pairs: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every listed pair, not matched, that both would rather have (brute force)."""
    blocking = []
    for i, mentors in enumerate(lists.order):
        mine = [j for j in mentors if (i, j) in pairs]
        for position, j in enumerate(mentors):
            if (i, j) in pairs or lists.room[j] == 0:
                continue
            mentee_wants = len(mine) < lists.wanted[i] or any(
                mentors.index(other) > position for other in mine
            )
            theirs = [e for e, m in pairs if m == j]
            key = lists.mentor_key(i, j)
            mentor_wants = len(theirs) < lists.room[j] or any(
                lists.mentor_key(other, j) > key for other in theirs
            )
            if mentee_wants and mentor_wants:
                blocking.append((i, j))
    return blocking


@settings(max_examples=300, deadline=None, derandomize=True)
@given(lists())
def test_the_loop_finds_the_mentee_optimal_stable_pairs(lists):
    run = _propose(lists)
    pairs = run.pairs()
    assert _blocking_pairs(lists, pairs) == []
    assert pairs == _reference(lists)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(lists())
def test_the_counts_and_held_scores_match_the_pairs(lists):
    run = _propose(lists)
    a, pairs = run.arrays, run.pairs()
    assert a["accepted"].tolist() == [
        sum(i == mentee for mentee, _ in pairs) for i in range(len(lists.wanted))
    ]
    assert a["held_count"].tolist() == [
        sum(j == mentor for _, mentor in pairs) for j in range(len(lists.room))
    ]
    for j, start in enumerate(a["seat_start"]):
        for p in range(int(a["held_count"][j])):
            mentee = int(a["held_mentee"][start + p])
            assert a["held_score"][start + p] == lists.score[(mentee, j)]
            ranked = (mentee, j) in lists.rank
            assert a["held_level"][start + p] == (1 if ranked else 0)
            expected = -lists.rank[(mentee, j)] if ranked else lists.score[(mentee, j)]
            assert a["held_value"][start + p] == expected


def _entry_key(a: dict[str, np.ndarray], seat: int) -> tuple:
    """Smaller is worse for the mentor, as the heap orders its seats."""
    return (int(a["held_level"][seat]), float(a["held_value"][seat]), -int(a["held_mentee"][seat]))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(lists(max_mentees=10, max_mentors=2, max_room=7))
def test_each_mentors_worst_mentee_sits_on_top_of_its_seats(lists):
    """The expander reads ``held_value[seat_start[j]]`` as a full mentor's floor: the seats
    form a min-heap, every parent no better than its children."""
    run = _propose(lists)
    a = run.arrays
    for j, start in enumerate(a["seat_start"]):
        count = int(a["held_count"][j])
        for child in range(1, count):
            parent = (child - 1) // 2
            assert _entry_key(a, start + parent) <= _entry_key(a, start + child)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(lists())
def test_mentees_with_a_slot_left_and_more_to_ask_wait_once_each(lists):
    run = _propose(lists)
    a = run.arrays
    open_slot = a["accepted"] < a["wanted"]
    # A mentee with a slot left has asked everyone on its list.
    assert (a["pos"][open_slot] == a["end"][open_slot]).all()
    expected = np.flatnonzero(open_slot & a["has_more"]).tolist()
    assert sorted(a["waiting"][: run.n_waiting].tolist()) == expected
    assert run.n_waiting == len(expected)
    assert np.flatnonzero(a["is_waiting"]).tolist() == expected
    assert not a["in_stack"].any()


def test_a_mentee_already_waiting_is_not_listed_twice():
    lists = Lists(
        wanted=(1,), room=(0,), order=((0,),), score={(0, 0): 0.5}, rank={}, has_more=(True,)
    )
    run = _propose(lists)
    assert run.n_waiting == 1
    a = run.arrays
    # Pushed again (as after being displaced) with nothing new to ask: already listed.
    a["stack"][0], a["in_stack"][0] = 0, True
    assert deferred.propose(*_call(a, 1)) == 0
    assert a["is_waiting"].tolist() == [True]


def test_a_displaced_mentee_asks_its_next_mentor():
    """Mentor 0 (one seat, ranks mentee 1 first) takes 1 from 0; 0 moves on to mentor 1."""
    lists = Lists(
        wanted=(1, 1),
        room=(1, 1),
        order=((0, 1), (0,)),
        score={(0, 0): 0.9, (0, 1): 0.1, (1, 0): 0.2},
        rank={(1, 0): 0},
        has_more=(False, False),
    )
    assert _propose(lists).pairs() == {(1, 0), (0, 1)}


class _NumbaLikeError(Exception):
    """Stands in for a Numba typing error: only the module it claims decides."""


_NumbaLikeError.__module__ = "numba.core.errors"


def _args() -> tuple:
    """One mentee, one mentor with a seat: the interpreter answers 0 (nobody waits)."""
    lists = Lists(
        wanted=(1,), room=(1,), order=((0,),), score={(0, 0): 0.5}, rank={}, has_more=(False,)
    )
    return _call(*_arrays(lists))


def test_a_compiler_failure_falls_back_to_the_interpreter_for_good(monkeypatch, caplog):
    def failing(*args):
        raise _NumbaLikeError("cannot type this")

    monkeypatch.setattr(deferred, "COMPILED", True)
    monkeypatch.setattr(deferred, "_compiled", failing)
    monkeypatch.setattr(deferred, "_compile_failed", False)
    with caplog.at_level(logging.WARNING, logger=deferred.__name__):
        assert deferred.run(*_args(), proposals=1) == 0
    assert deferred._compile_failed
    assert "could not compile" in caplog.text
    # From now on the compiler is not tried again.
    assert deferred._compile() is None


def test_an_error_that_is_not_the_compilers_is_raised(monkeypatch):
    def failing(*args):
        raise IndexError("a bug in the loop")

    monkeypatch.setattr(deferred, "COMPILED", True)
    monkeypatch.setattr(deferred, "_compiled", failing)
    monkeypatch.setattr(deferred, "_compile_failed", False)
    with pytest.raises(IndexError):
        deferred.run(*_args(), proposals=1)
    assert not deferred._compile_failed


def test_the_compiled_loop_is_used_once_loaded_and_its_answer_returned(monkeypatch):
    calls = []

    def kernel(*args):
        calls.append(len(args))
        return 7

    monkeypatch.setattr(deferred, "COMPILED", True)
    monkeypatch.setattr(deferred, "_compiled", kernel)
    monkeypatch.setattr(deferred, "_compile_failed", False)
    assert deferred.run(*_args(), proposals=1) == 7
    assert calls == [20]
    monkeypatch.setattr(deferred, "COMPILED", False)
    assert deferred.run(*_args(), proposals=10**9) == 0
    assert calls == [20]


# Cohorts found by a search for heaps whose children tie: a mentor with four to six seats,
# equal scores, and a replacement whose move down must compare mentee indices.
_TIED_HEAPS = [
    Lists(
        wanted=(2, 0, 2, 2, 2, 3, 1, 2, 0),
        room=(4, 6),
        order=((1, 0), (1, 0), (1, 0), (1, 0), (1, 0), (), (1,), (1, 0), (1, 0)),
        score={
            (0, 1): 0.75, (0, 0): 0.75, (1, 1): 0.5, (1, 0): 0.75, (2, 1): 0.75, (2, 0): 0.5,
            (3, 1): 0.5, (3, 0): 0.5, (4, 1): 0.75, (4, 0): 0.5, (6, 1): 0.75, (7, 1): 0.5,
            (7, 0): 0.75, (8, 1): 0.75, (8, 0): 0.5,
        },
        rank={},
        has_more=(True, True, True, True, False, False, False, True, True),
    ),
    Lists(
        wanted=(3, 1, 3, 2, 3, 2),
        room=(4, 3),
        order=((1, 0), (0, 1), (1, 0), (1, 0), (0,), (0,)),
        score={
            (0, 1): 0.75, (0, 0): 0.75, (1, 0): 0.5, (1, 1): 0.5, (2, 1): 0.5, (2, 0): 0.75,
            (3, 1): 0.75, (3, 0): 0.75, (4, 0): 0.5, (5, 0): 0.75,
        },
        rank={},
        has_more=(True, False, True, False, False, True),
    ),
]  # fmt: skip


@pytest.mark.parametrize("lists", _TIED_HEAPS)
def test_tied_children_keep_each_mentors_worst_on_top(lists):
    run = _propose(lists)
    assert run.pairs() == _reference(lists)
    a = run.arrays
    for j, start in enumerate(a["seat_start"]):
        for child in range(1, int(a["held_count"][j])):
            assert _entry_key(a, start + (child - 1) // 2) <= _entry_key(a, start + child)


def test_a_mentee_displaced_by_several_mentors_at_once_is_stacked_once():
    """Mentee 0 holds all three mentors; mentee 1, better for each, takes them one after the
    other. 0 goes back on the stack once (the stack has room for each mentee once)."""
    lists = Lists(
        wanted=(3, 3),
        room=(1, 1, 1),
        order=((0, 1, 2), (0, 1, 2)),
        score={(0, 0): 0.5, (0, 1): 0.5, (0, 2): 0.5, (1, 0): 0.9, (1, 1): 0.9, (1, 2): 0.9},
        rank={},
        has_more=(False, False),
    )
    run = _propose(lists)
    assert run.pairs() == {(1, 0), (1, 1), (1, 2)}
    assert run.arrays["accepted"].tolist() == [0, 3]


def test_the_compiled_loop_keeps_its_machine_code_on_disk_and_releases_the_gil(monkeypatch):
    """Only the wrapper is made here (Numba compiles at the first call). Without the GIL the
    round's lease thread keeps renewing while a long stable matching runs."""
    pytest.importorskip("numba")
    monkeypatch.setattr(deferred, "_compiled", None)
    monkeypatch.setattr(deferred, "_compile_failed", False)
    kernel = deferred._compile()
    assert type(kernel._cache).__name__ != "NullCache"
    assert kernel.targetoptions["nogil"] is True


def test_without_a_cache_directory_the_loop_still_releases_the_gil(monkeypatch):
    caching = pytest.importorskip("numba.core.caching")

    def unwritable(self):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(caching._CacheLocator, "ensure_cache_path", unwritable)
    monkeypatch.setattr(deferred, "_compiled", None)
    monkeypatch.setattr(deferred, "_compile_failed", False)
    kernel = deferred._compile()
    assert type(kernel._cache).__name__ == "NullCache"
    assert kernel.targetoptions["nogil"] is True
