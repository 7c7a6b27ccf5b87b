"""Greedy (best pair first) and deferred acceptance, on the same candidate structures."""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np

from matching.engine.candidates import BLOCK_ELEMENTS, Candidates, row_top
from matching.engine.features import EncodedCohort, restrict_mentors, score_block
from matching.engine.flow import concat_ranges
from matching.engine.types import MatchResult, Mentee, Mentor

Person = TypeVar("Person", Mentee, Mentor)

# Pairs a pruned mentee hands to the walk per expansion, and mentees expanded together.
EXPANSION_STEP = 32
EXPANSION_ROWS = 256
# Deferred acceptance expands in rounds that wait on each other: fewer, larger steps.
STABLE_EXPANSION_STEP = 128


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
            batch = []
            while expansions and (-expansions[0][0] >= best or len(batch) < EXPANSION_ROWS):
                row = heapq.heappop(expansions)[1]
                if remaining[row] > 0:
                    batch.append(row)
            if batch:
                pushed, bounds = expander.expand(np.array(batch), np.array(room) > 0)
                for item in pushed:
                    heapq.heappush(extras, item)
                for item in bounds:
                    heapq.heappush(expansions, item)
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
        enc, candidates = self.enc, self.candidates
        columns = np.flatnonzero(open_mentors)
        pushed: list[tuple[float, int, int]] = []
        bounds: list[tuple[float, int]] = []
        if not len(columns):
            return pushed, bounds
        position = np.full(enc.n_mentors, -1, dtype=np.int64)
        position[columns] = np.arange(len(columns))
        # Viewing every mentor through a subset would copy the mentor side for nothing.
        sub = enc if len(columns) == enc.n_mentors else restrict_mentors(enc, columns)
        step = max(1, BLOCK_ELEMENTS // (2 * len(columns)))
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
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
            local, at, values, bound = row_top(scores, self.step)
            found_rows, found_columns = chunk[local], columns[at]
            pushed.extend(
                zip(
                    (-values).tolist(),
                    found_rows.tolist(),
                    found_columns.tolist(),
                    strict=True,
                )
            )
            # row_top lists each row's pairs best first: the last one is where to go on.
            ends = np.flatnonzero(np.r_[local[1:] != local[:-1], True]) if len(local) else local
            self.last_score[found_rows[ends]] = values[ends]
            self.last_column[found_rows[ends]] = found_columns[ends]
            more = bound >= 0
            bounds.extend(zip((-bound[more]).tolist(), chunk[more].tolist(), strict=True))
        return pushed, bounds

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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mentee-proposing deferred acceptance with k slots per mentee and c seats per mentor.

    Both sides rank their stated preferences first, then everyone else by score, and equal
    scores by index (lower first; ``by_id`` makes index order the ids' natural order). Each
    mentee starts with the candidate edges that are a prefix of that order; one who runs out
    of them with a slot still open gets their next pairs over all feasible mentors from the
    expander, so the result is stable against the full lists, not only the pruned ones.
    """
    mentee_rank = _stated_ranks(enc.mentees, enc.mentor_index)
    # Most mentors state nothing: only those who do get a lookup.
    mentor_rank = {
        j: ranks for j, ranks in enumerate(_stated_ranks(enc.mentors, enc.mentee_index)) if ranks
    }
    stated = _edge_ranks(candidates, mentee_rank)
    # Strictly above the bound: pairs tied with the best pruned one wait for the expander,
    # which hands them out in mentor order with the pruned ones.
    keep = (stated >= 0) | (candidates.scores > candidates.pruned_bound[candidates.rows])
    if blocked_keys is not None and len(blocked_keys):
        # Pinned pairs are already placed; a stated preference must not add them again.
        keep &= ~np.isin(candidates.keys(enc.n_mentors), blocked_keys)
    candidates = _score_order_prefixes(candidates, keep)
    rows, columns, scores = candidates.rows, candidates.columns, candidates.scores
    stated = stated[keep]
    unranked = stated < 0
    # Per mentee: stated ranks first, then score descending, then mentor.
    order = np.lexsort((columns, np.where(unranked, -scores, stated), unranked, rows))
    choice_mentor = columns[order].tolist()
    choice_score = scores[order].tolist()
    starts = np.searchsorted(rows[order], np.arange(enc.n_mentees + 1)).tolist()
    next_choice = starts[:-1]
    extra: dict[int, list[tuple[int, float]]] = {}  # expanded pairs, best first
    extra_next: dict[int, int] = {}

    def next_pair(i: int) -> tuple[int, float] | None:
        k = next_choice[i]
        if k < starts[i + 1]:
            next_choice[i] = k + 1
            return choice_mentor[k], choice_score[k]
        pairs = extra.get(i)
        if pairs is None or extra_next[i] >= len(pairs):
            return None
        extra_next[i] += 1
        return pairs[extra_next[i] - 1]

    expander = _Expander(enc, candidates, min_score, blocked_keys, step=STABLE_EXPANSION_STEP)
    open_mentors = capacity > 0
    has_more = (candidates.pruned_bound >= 0).tolist()
    room = capacity.astype(np.int64).tolist()
    # Per mentor, a min-heap of (stated rank level, value, -mentee, score): worst on top.
    held: list[list[tuple[int, float, int, float]]] = [[] for _ in enc.mentors]
    accepted = [0] * len(enc.mentees)
    wanted = demand.astype(np.int64).tolist()
    free = [i for i in range(len(enc.mentees)) if wanted[i] > 0]
    waiting: list[int] = []  # out of listed mentors, with more feasible ones not yet listed
    while free or waiting:
        if not free:
            # Who proposes next does not change the outcome of deferred acceptance, so
            # mentees who ran out wait and are expanded together, one scoring pass per batch.
            batch = np.array(sorted(set(waiting)), dtype=np.int64)
            waiting = []
            pushed, bounds = expander.expand(batch, open_mentors)
            for neg_score, i, j in pushed:  # each row's pairs arrive best first
                extra.setdefault(i, []).append((j, -neg_score))
                extra_next.setdefault(i, 0)
            more = {i for _, i in bounds}
            for i in batch.tolist():
                has_more[i] = i in more
            free = [i for i in batch.tolist() if extra_next.get(i, 0) < len(extra.get(i, ()))]
            continue
        i = free.pop()
        while accepted[i] < wanted[i]:
            pair = next_pair(i)
            if pair is None:
                break
            j, score = pair
            if room[j] <= 0:
                continue
            ranks = mentor_rank.get(j)
            rank = ranks.get(i) if ranks else None
            # Larger is better: any stated rank beats every unranked mentee; among equal
            # scores the lower index wins.
            entry = (1, -rank, -i, score) if rank is not None else (0, score, -i, score)
            if len(held[j]) < room[j]:
                heapq.heappush(held[j], entry)
                accepted[i] += 1
            elif entry > held[j][0]:
                rejected = -heapq.heapreplace(held[j], entry)[2]
                accepted[i] += 1
                accepted[rejected] -= 1
                free.append(rejected)
        if accepted[i] < wanted[i] and has_more[i]:
            waiting.append(i)
    pairs = [(-i, j, s) for j, entries in enumerate(held) for _, _, i, s in entries]
    if not pairs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    r, c, s = zip(*pairs, strict=True)
    return np.array(r, dtype=np.int64), np.array(c, dtype=np.int64), np.array(s, dtype=np.float32)


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


def _stated_ranks(people: Sequence, index: Mapping[str, int]) -> list[dict[int, int]]:
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
