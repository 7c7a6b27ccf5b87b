"""Greedy (best pair first) and deferred acceptance, on the same candidate structures."""

from __future__ import annotations

import dataclasses
import heapq
import re
import time
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np

from matching.engine import deferred
from matching.engine.candidates import BLOCK_ELEMENTS, Candidates, row_top
from matching.engine.features import EncodedCohort, restrict_mentors, score_block
from matching.engine.flow import concat_ranges
from matching.engine.types import MatchResult, Mentee, Mentor

Person = TypeVar("Person", Mentee, Mentor)

# Pairs a pruned mentee hands to the walk per expansion, and mentees expanded together.
EXPANSION_STEP = 32
EXPANSION_ROWS = 256
# Deferred acceptance expands in rounds that wait on each other: fewer, larger steps.
STABLE_EXPANSION_STEP = 64


def greedy_assign(
    enc: EncodedCohort,
    candidates: Candidates,
    demand: np.ndarray,
    capacity: np.ndarray,
    min_score: float = 0.0,
    blocked_keys: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Take pairs in descending score while both sides have room, over all feasible pairs.

    Candidate edges are walked in order (score descending, then mentee, then mentor); a
    mentee's pruned pairs are scored only when the walk comes near that mentee's bound, a
    few at a time, so the order is the same as sorting every pair.
    """
    order = np.lexsort((candidates.columns, candidates.rows, -candidates.scores))
    scores = candidates.scores[order].tolist()
    rows = candidates.rows[order].tolist()
    columns = candidates.columns[order].tolist()
    remaining = demand.astype(np.int64).tolist()
    room = capacity.astype(np.int64).tolist()
    expander = _Expander(enc, candidates, min_score, blocked_keys)
    expansions = [(-float(b), int(i)) for i, b in enumerate(candidates.pruned_bound) if b >= 0]
    heapq.heapify(expansions)
    extras: list[tuple[float, int, int]] = []
    chosen: list[tuple[int, int, float]] = []
    position = 0
    while True:
        main = scores[position] if position < len(scores) else -1.0
        extra = -extras[0][0] if extras else -1.0
        best = max(main, extra)
        if expansions and -expansions[0][0] >= best:
            # The walk reached a mentee's pruned pairs. Expanding more rows than strictly
            # needed is harmless (their pairs wait in the heap), and one batch costs about
            # as much as one row.
            batch: list[int] = []
            while expansions and (-expansions[0][0] >= best or len(batch) < EXPANSION_ROWS):
                row = heapq.heappop(expansions)[1]
                if remaining[row] > 0:
                    batch.append(row)
            if batch:
                pushed, bounds = expander.expand(np.array(batch), np.array(room) > 0)
                for item in pushed:
                    heapq.heappush(extras, item)
                for bound in bounds:
                    heapq.heappush(expansions, bound)
            continue
        if best < 0:
            break
        if main >= extra:
            i, j, score = rows[position], columns[position], main
            position += 1
        else:
            _, i, j = heapq.heappop(extras)
            score = extra
        if remaining[i] > 0 and room[j] > 0:
            remaining[i] -= 1
            room[j] -= 1
            chosen.append((i, j, score))
    if not chosen:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    r, c, s = zip(*chosen, strict=True)
    return np.array(r, dtype=np.int64), np.array(c, dtype=np.int64), np.array(s, dtype=np.float32)


class _Expander:
    """A mentee's pruned pairs, EXPANSION_STEP at a time in (score descending, mentor) order.

    Each row remembers the last pair handed out, so the next call continues right after it;
    mentors the caller marks closed are left out, and so are `blocked_keys` (pinned pairs,
    already placed outside the walk).
    """

    def __init__(
        self,
        enc: EncodedCohort,
        candidates: Candidates,
        min_score: float,
        blocked_keys: np.ndarray | None = None,
        step: int = EXPANSION_STEP,
    ) -> None:
        self.enc = enc
        self.candidates = candidates
        self.min_score = min_score
        self.step = step
        blocked = np.zeros(0, dtype=np.int64) if blocked_keys is None else blocked_keys
        self.blocked_rows, self.blocked_columns = np.divmod(blocked, max(enc.n_mentors, 1))
        self.last_score = np.full(enc.n_mentees, np.inf, dtype=np.float32)
        self.last_column = np.full(enc.n_mentees, -1, dtype=np.int64)

    def expand(
        self, rows: np.ndarray, open_mentors: np.ndarray
    ) -> tuple[list[tuple[float, int, int]], list[tuple[float, int]]]:
        """The next pairs as heap items (-score, row, column), and (-bound, row) for rows
        with more pairs left."""
        found_rows, found_columns, values, bound_rows, bounds = self._expand(rows, open_mentors)
        pushed = list(
            zip((-values).tolist(), found_rows.tolist(), found_columns.tolist(), strict=True)
        )
        return pushed, list(zip((-bounds).tolist(), bound_rows.tolist(), strict=True))

    def expand_arrays(
        self,
        rows: np.ndarray,
        open_mentors: np.ndarray,
        floor_value: np.ndarray,
        floor_mentee: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The next pairs (rows, columns, scores; each row's together, best first) and the
        rows with more pairs left.

        A pair (i, j) whose (score, -i) is not above (``floor_value[j]``,
        ``-floor_mentee[j]``) is left out for good: its mentor would reject it now and later.
        """
        found_rows, found_columns, values, bound_rows, _ = self._expand(
            rows, open_mentors, floor_value, floor_mentee
        )
        return found_rows, found_columns, values, bound_rows

    def _expand(
        self,
        rows: np.ndarray,
        open_mentors: np.ndarray,
        floor_value: np.ndarray | None = None,
        floor_mentee: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        enc, candidates = self.enc, self.candidates
        cap = np.full(len(rows), np.inf)
        if floor_value is not None and len(rows):
            # No row has a pair left above its cap, so a mentor whose floor is above the caps
            # of a group of rows is not even scored for them: rows go best cap first, and
            # each group is scored against the mentors still in reach of its first row.
            cap = np.minimum(candidates.pruned_bound[rows], self.last_score[rows])
            by_cap = np.argsort(-cap, kind="stable")
            rows, cap = rows[by_cap], cap[by_cap]
        found: list[tuple[np.ndarray, ...]] = []
        start = 0
        while start < len(rows):
            reach = open_mentors
            if floor_value is not None:
                reach = open_mentors & (floor_value <= cap[start])
            columns = np.flatnonzero(reach)
            if not len(columns):
                break  # later rows have lower caps: nobody is in reach of them either
            position = np.full(enc.n_mentors, -1, dtype=np.int64)
            position[columns] = np.arange(len(columns))
            # Viewing every mentor through a subset would copy the mentor side for nothing.
            sub = enc if len(columns) == enc.n_mentors else restrict_mentors(enc, columns)
            step = max(1, BLOCK_ELEMENTS // (2 * len(columns)))
            groups = 1 if floor_value is not None else -(-len(rows) // step)
            for _ in range(groups):
                chunk = rows[start : start + step]
                found.append(
                    self._expand_chunk(chunk, sub, columns, position, floor_value, floor_mentee)
                )
                start += len(chunk)
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=np.float32), empty, np.zeros(0, np.float32)
        return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]

    def _expand_chunk(
        self,
        chunk: np.ndarray,
        sub: EncodedCohort,
        columns: np.ndarray,
        position: np.ndarray,
        floor_value: np.ndarray | None,
        floor_mentee: np.ndarray | None,
    ) -> tuple[np.ndarray, ...]:
        candidates = self.candidates
        scores, _ = score_block(sub, chunk)
        if self.min_score > 0:
            scores[scores < self.min_score] = -1.0
        # Candidate edges are walked separately (they are sorted by mentee).
        low = np.searchsorted(candidates.rows, chunk, side="left")
        high = np.searchsorted(candidates.rows, chunk, side="right")
        edges = concat_ranges(low, high - low)
        local = np.repeat(np.arange(len(chunk)), high - low)
        at = position[candidates.columns[edges]]
        scores[local[at >= 0], at[at >= 0]] = -1.0
        self._mask_blocked(scores, chunk, position)
        # Pairs up to the last one handed out are already in the heap.
        last = self.last_score[chunk][:, None]
        done = (scores > last) | (
            (scores == last) & (columns[None, :] <= self.last_column[chunk][:, None])
        )
        scores[done] = -1.0
        if floor_value is not None and floor_mentee is not None:
            floor = floor_value[columns][None, :]
            dead = (scores < floor) | (
                (scores == floor) & (chunk[:, None] >= floor_mentee[columns][None, :])
            )
            scores[dead] = -1.0
        local, at, values, bound = row_top(scores, self.step)
        found_rows, found_columns = chunk[local], columns[at]
        # row_top lists each row's pairs best first: the last one is where to go on.
        ends = np.flatnonzero(np.r_[local[1:] != local[:-1], True]) if len(local) else local
        self.last_score[found_rows[ends]] = values[ends]
        self.last_column[found_rows[ends]] = found_columns[ends]
        more = bound >= 0
        return found_rows, found_columns, values, chunk[more], bound[more]

    def _mask_blocked(self, scores: np.ndarray, chunk: np.ndarray, position: np.ndarray) -> None:
        if not len(self.blocked_rows):
            return
        row_position = np.full(self.enc.n_mentees, -1, dtype=np.int64)
        row_position[chunk] = np.arange(len(chunk))
        local = row_position[self.blocked_rows]
        at = position[self.blocked_columns]
        hit = (local >= 0) & (at >= 0)
        scores[local[hit], at[hit]] = -1.0


def stable_assign(
    enc: EncodedCohort,
    candidates: Candidates,
    demand: np.ndarray,
    capacity: np.ndarray,
    min_score: float = 0.0,
    blocked_keys: np.ndarray | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mentee-proposing deferred acceptance with k slots per mentee and c seats per mentor.

    Both sides rank their stated preferences first, then everyone else by score, and equal
    scores by index (lower first; ``by_id`` makes index order the ids' natural order). Each
    mentee starts with the candidate edges that are a prefix of that order; one who runs out
    of them with a slot still open gets their next pairs over all feasible mentors from the
    expander, so the result is stable against the full lists, not only the pruned ones.

    The proposals run in ``deferred.propose`` (compiled by Numba when available) on flat
    arrays: a pool of (mentor, score, mentor's rank of the mentee) entries, each mentee
    reading its own stretch of it in order. Between runs the expander appends the next pairs
    of the mentees who ran out, leaving out pairs their mentor would reject anyway. Seconds
    spent preparing, proposing and expanding are added to ``timings``.
    """
    clock = _Laps(timings)
    mentee_rank = _stated_ranks(enc.mentees, enc.mentor_index)
    stated = _edge_ranks(candidates, mentee_rank)
    # Strictly above the bound: pairs tied with the best pruned one wait for the expander,
    # which hands them out in mentor order with the pruned ones.
    keep = (stated >= 0) | (candidates.scores > candidates.pruned_bound[candidates.rows])
    if blocked_keys is not None and len(blocked_keys):
        # Pinned pairs are already placed; a stated preference must not add them again.
        keep &= ~np.isin(candidates.keys(enc.n_mentors), blocked_keys)
    candidates = _score_order_prefixes(candidates, keep)
    rows, columns, scores = candidates.rows, candidates.columns, candidates.scores
    order = _preference_order(rows, scores, stated[keep])
    mentor_ranks = _MentorRanks(enc)
    pool = _Pool(columns[order], scores[order], mentor_ranks(rows[order], columns[order]))
    n_mentees = enc.n_mentees
    starts = np.searchsorted(rows[order], np.arange(n_mentees + 1))
    pos, end = starts[:-1].astype(np.int64), starts[1:].astype(np.int64)

    expander = _Expander(enc, candidates, min_score, blocked_keys, step=STABLE_EXPANSION_STEP)
    room = np.maximum(capacity.astype(np.int64), 0)
    open_mentors = room > 0
    seat_start = np.concatenate([[0], np.cumsum(room)[:-1]]).astype(np.int64)
    seats = int(room.sum())
    held_count = np.zeros(enc.n_mentors, dtype=np.int64)
    held_level = np.zeros(seats, dtype=np.int8)
    held_value = np.zeros(seats, dtype=np.float64)
    held_mentee = np.zeros(seats, dtype=np.int64)
    held_score = np.zeros(seats, dtype=np.float64)
    wanted = demand.astype(np.int64)
    accepted = np.zeros(n_mentees, dtype=np.int64)
    has_more = candidates.pruned_bound >= 0
    stack = np.flatnonzero(wanted > 0).astype(np.int64)[::-1].copy()
    stack = np.concatenate([stack, np.zeros(n_mentees - len(stack), dtype=np.int64)])
    n_stack = int((wanted > 0).sum())
    in_stack = wanted > 0
    waiting = np.zeros(n_mentees, dtype=np.int64)
    is_waiting = np.zeros(n_mentees, dtype=bool)
    # Mentors who state no ranking compare every proposal by score: once full, a pair below
    # their worst mentee is rejected now and forever (a mentor's worst only gets better).
    plain = np.ones(enc.n_mentors, dtype=bool)
    plain[list(mentor_ranks.ranking_mentors)] = False
    clock.lap("prepare")
    while True:
        n_waiting = deferred.run(
            stack,
            n_stack,
            in_stack,
            pos,
            end,
            pool.mentor,
            pool.score,
            pool.rank,
            wanted,
            accepted,
            room,
            seat_start,
            held_count,
            held_level,
            held_value,
            held_mentee,
            held_score,
            has_more,
            waiting,
            is_waiting,
            proposals=pool.size,
        )
        clock.lap("propose")
        if not n_waiting:
            break
        # Who proposes next does not change the outcome of deferred acceptance, so mentees
        # who ran out wait and are expanded together, one scoring pass per batch.
        batch = np.sort(waiting[:n_waiting])
        is_waiting[batch] = False
        full = plain & open_mentors & (held_count >= room)
        floor_value = np.full(enc.n_mentors, -np.inf)
        floor_mentee = np.zeros(enc.n_mentors, dtype=np.int64)
        floor_value[full] = held_value[seat_start[full]]
        floor_mentee[full] = held_mentee[seat_start[full]]
        found_rows, found_columns, values, more_rows = expander.expand_arrays(
            batch, open_mentors, floor_value, floor_mentee
        )
        has_more[batch] = False
        has_more[more_rows] = True
        if not len(found_rows):
            clock.lap("expand")
            break  # nobody got a pair, so nobody can propose again
        # Each row's pairs arrive together and best first: the row reads them next.
        first = pool.append(found_columns, values, mentor_ranks(found_rows, found_columns))
        grouped = np.flatnonzero(np.r_[True, found_rows[1:] != found_rows[:-1]])
        counts = np.diff(np.r_[grouped, len(found_rows)])
        expanded = found_rows[grouped]
        pos[expanded] = first + grouped
        end[expanded] = first + grouped + counts
        n_stack = len(expanded)
        stack[:n_stack] = expanded[::-1]
        in_stack[expanded] = True
        clock.lap("expand")
    used = np.flatnonzero(held_count > 0)
    slots = concat_ranges(seat_start[used], held_count[used])
    columns_out = np.repeat(used, held_count[used])
    return held_mentee[slots], columns_out, held_score[slots].astype(np.float32)


class _Laps:
    """Adds the seconds since the previous lap to ``timings[phase]`` (if there are timings)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.started = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[phase] = self.timings.get(phase, 0.0) + now - self.started
        self.started = now


def _preference_order(rows: np.ndarray, scores: np.ndarray, stated: np.ndarray) -> np.ndarray:
    """Edges sorted (by mentor within mentee) into each mentee's order: stated ranks first,
    then score descending, then mentor.

    One stable sort of an exact 64-bit key (mentee, unranked, rank or descending score bits)
    instead of a four-key lexsort: non-negative float32 scores order like their bit patterns,
    and equal keys keep the mentor order they arrive in.
    """
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    assert rows.max() < 2**31 and (stated < 2**31).all()
    bits = (scores.astype(np.float32) + np.float32(0.0)).view(np.uint32).astype(np.int64)
    unranked = stated < 0
    value = np.where(unranked, 0x7FFFFFFF - bits, stated.astype(np.int64))
    key = (rows.astype(np.int64) << 32) | (unranked.astype(np.int64) << 31) | value
    return np.argsort(key, kind="stable")


class _Pool:
    """Growable flat arrays of proposals: (mentor, score, mentor's stated rank or -1)."""

    def __init__(self, mentor: np.ndarray, score: np.ndarray, rank: np.ndarray) -> None:
        self.size = len(mentor)
        capacity = max(16, self.size)
        self.mentor = np.zeros(capacity, dtype=np.int64)
        self.score = np.zeros(capacity, dtype=np.float64)
        self.rank = np.zeros(capacity, dtype=np.int64)
        self.mentor[: self.size], self.score[: self.size], self.rank[: self.size] = (
            mentor,
            score,
            rank,
        )

    def append(self, mentor: np.ndarray, score: np.ndarray, rank: np.ndarray) -> int:
        """Add entries; returns the position of the first."""
        first, self.size = self.size, self.size + len(mentor)
        if self.size > len(self.mentor):
            capacity = max(self.size, 2 * len(self.mentor))
            for name in ("mentor", "score", "rank"):
                old = getattr(self, name)
                grown = np.zeros(capacity, dtype=old.dtype)
                grown[:first] = old[:first]
                setattr(self, name, grown)
        self.mentor[first : self.size] = mentor
        self.score[first : self.size] = score
        self.rank[first : self.size] = rank
        return first


class _MentorRanks:
    """Each mentor's stated rank of a mentee, -1 where unranked, looked up for many pairs."""

    def __init__(self, enc: EncodedCohort) -> None:
        self.n_mentors = enc.n_mentors
        keys: list[int] = []
        ranks: list[int] = []
        self.ranking_mentors: set[int] = set()
        for j, ranked in enumerate(_stated_ranks(enc.mentors, enc.mentee_index)):
            if ranked:
                self.ranking_mentors.add(j)
                keys.extend(i * enc.n_mentors + j for i in ranked)
                ranks.extend(ranked.values())
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
        self.keys = np.array(keys, dtype=np.int64)[order]
        self.ranks = np.array(ranks, dtype=np.int64)[order]

    def __call__(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        out = np.full(len(rows), -1, dtype=np.int64)
        if not len(self.keys):
            return out
        keys = rows.astype(np.int64) * self.n_mentors + columns
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        hit = self.keys[at] == keys
        out[hit] = self.ranks[at[hit]]
        return out


_DIGITS = re.compile(r"(\d+)")


def natural_key(identifier: str) -> tuple[list[str | int], str]:
    """Ids in natural order: digit runs compare as numbers (e2 before e10, 9 before 10)."""
    parts: list[str | int] = list(_DIGITS.split(identifier))
    parts[1::2] = [int(part) for part in parts[1::2]]
    return parts, identifier


def by_id(people: Sequence[Person]) -> list[Person]:
    """People in natural id order: the tie-breaking order of stable matching."""
    return sorted(people, key=lambda person: natural_key(person.id))


def in_listed_order(
    result: MatchResult, mentees: Sequence[Mentee], mentors: Sequence[Mentor]
) -> MatchResult:
    """Pinned pairs first, then pairs by mentor and mentee, unmatched mentees as listed."""
    mentee_at = {m.id: k for k, m in enumerate(mentees)}
    mentor_at = {m.id: k for k, m in enumerate(mentors)}
    pinned = [p for p in result.pairs if p.pinned]  # already in the settings' order
    pairs = pinned + sorted(
        (p for p in result.pairs if not p.pinned),
        key=lambda p: (mentor_at[p.mentor_id], mentee_at[p.mentee_id]),
    )
    unmatched = sorted(result.unmatched, key=lambda u: mentee_at[u.mentee_id])
    return dataclasses.replace(result, pairs=tuple(pairs), unmatched=tuple(unmatched))


def _stated_ranks(
    people: Sequence[Mentee | Mentor], index: Mapping[str, int]
) -> list[dict[int, int]]:
    """Each person's stated ranking as {other side's index: rank}, unknown ids dropped."""
    return [
        {index[other]: k for k, other in enumerate(dict.fromkeys(p.preferences)) if other in index}
        if p.preferences
        else {}
        for p in people
    ]


def _edge_ranks(candidates: Candidates, mentee_rank: list[dict[int, int]]) -> np.ndarray:
    """Per candidate edge, the mentee's stated rank of that mentor, -1 where unranked."""
    ranks = np.full(len(candidates.rows), -1.0)
    for i, ranked in enumerate(mentee_rank):
        if not ranked:
            continue
        low, high = np.searchsorted(candidates.rows, [i, i + 1])
        for k in range(low, high):
            ranks[k] = ranked.get(int(candidates.columns[k]), -1)
    return ranks


def _score_order_prefixes(candidates: Candidates, keep: np.ndarray) -> Candidates:
    """Each mentee's edges cut to a prefix of their order: stated preferences, then every
    mentor scoring above the best pruned one. Mentor-side extras below that bound go back to
    the pruned pool, where the expander hands them out in their proper place."""
    return Candidates(
        rows=candidates.rows[keep],
        columns=candidates.columns[keep],
        scores=candidates.scores[keep],
        pruned_bound=candidates.pruned_bound,
        feasible_count=candidates.feasible_count,
        exclusion_counts=candidates.exclusion_counts,
    )
