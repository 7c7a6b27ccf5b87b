"""Block-wise scoring of all pairs, keeping each mentee's best candidates by the full score.

The whole score matrix never exists at once: blocks of mentee rows are scored, reduced to
their top candidates and dropped. For every mentee the best score left out is kept as an
upper bound on all pruned pairs, which is what later certifies the pruned solve.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from matching.engine.features import (
    EXCLUSION_NAMES,
    EncodedCohort,
    restrict_mentors,
    score_block,
)

# About 16 MB of float32 scores per block when rows are rescored or scanned: large enough
# for few calls, small enough for peak memory.
BLOCK_ELEMENTS = 4_000_000
# About 1 MB per block of the bulk scoring: the block and its temporaries stay in the L2
# cache of one core while every factor is added and the best candidates are picked.
SCORE_BLOCK_ELEMENTS = 1 << 18
# Pairs per block when certification scans prefixes of mentors: each block also pays for a
# view on its mentors, so blocks are larger than in the bulk scoring.
SCAN_BLOCK_ELEMENTS = 1 << 21
# Groups per row when picking a row's best columns: the (limit+1)-th best group maximum is a
# threshold that at least limit+1 scores reach, so only those few are sorted.
GROUPS_PER_CANDIDATE = 4


@dataclass
class Candidates:
    """Candidate edges, kept sorted by (mentee, mentor): membership tests need no extra sort,
    and the flow network's arcs arrive almost grouped by node."""

    rows: np.ndarray  # int64 mentee index per candidate edge
    columns: np.ndarray  # int64 mentor index per candidate edge
    scores: np.ndarray  # float32
    pruned_bound: np.ndarray  # per mentee: best pruned feasible score, -1 when none pruned
    feasible_count: np.ndarray  # per mentee: feasible mentors before pruning
    exclusion_counts: np.ndarray  # per mentee and reason: mentors removed by a hard rule
    _sorted: np.ndarray | None = None

    @property
    def edges(self) -> int:
        return len(self.rows)

    def keys(self, n_mentors: int) -> np.ndarray:
        keys: np.ndarray = self.rows * n_mentors + self.columns
        return keys

    def sorted_keys(self, n_mentors: int) -> np.ndarray:
        if self._sorted is None or len(self._sorted) != len(self.rows):
            self.sort(n_mentors)
        assert self._sorted is not None
        return self._sorted

    def sort(self, n_mentors: int) -> None:
        keys = self.keys(n_mentors)
        if len(keys) > 1 and (keys[1:] < keys[:-1]).any():
            # Appended edges form a few sorted runs, which a stable sort merges cheaply.
            order = np.argsort(keys, kind="stable")
            keys = keys[order]
            self.rows, self.columns, self.scores = (
                self.rows[order],
                self.columns[order],
                self.scores[order],
            )
        self._sorted = keys

    def contains(self, keys: np.ndarray, n_mentors: int) -> np.ndarray:
        return sorted_member(self.sorted_keys(n_mentors), keys)

    def add(self, rows: np.ndarray, columns: np.ndarray, scores: np.ndarray, n_mentors: int) -> int:
        """Add edges not already present; returns how many were new."""
        keys = rows * n_mentors + columns
        keys, first = np.unique(keys, return_index=True)
        fresh = ~self.contains(keys, n_mentors)
        if not fresh.any():
            return 0
        keys, first = keys[fresh], first[fresh]
        self.rows = np.concatenate([self.rows, keys // n_mentors])
        self.columns = np.concatenate([self.columns, keys % n_mentors])
        self.scores = np.concatenate([self.scores, np.asarray(scores, dtype=np.float32)[first]])
        self.sort(n_mentors)
        return int(fresh.sum())


def sorted_member(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.isin`` for an already sorted haystack, without hashing it again."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    position = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    member: np.ndarray = sorted_keys[position] == keys
    return member


def row_top(
    scores: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each row's ``limit`` best feasible columns and the best score left out (-1 if none)."""
    n_rows, n_columns = scores.shape
    groups = GROUPS_PER_CANDIDATE * (limit + 1)
    local = columns = None
    if n_columns >= 2 * groups:
        starts = np.arange(0, n_columns, n_columns // groups)
        maxima = np.maximum.reduceat(scores, starts, axis=1)
        kth = maxima.shape[1] - limit - 1
        threshold = np.partition(maxima, kth, axis=1)[:, kth]
        # limit+1 groups reach the threshold, so at least limit+1 scores do; a threshold
        # below 0 would let infeasible pairs in, and 0 keeps every feasible one.
        np.maximum(threshold, 0.0, out=threshold)
        # A flat nonzero is several times faster than a 2-d one.
        flat = np.flatnonzero(scores >= threshold[:, None])
        if len(flat) <= 4 * n_rows * (limit + 1):  # else heavy ties: sorting would cost more
            local, columns = np.divmod(flat, n_columns)
    if local is None or columns is None:
        local, columns = np.divmod(np.flatnonzero(scores >= 0), n_columns)
    values = scores[local, columns]
    # Row ascending, score descending (scores are in [0, 1]).
    order = np.argsort(local * 4.0 - values, kind="stable")
    local, columns, values = local[order], columns[order], values[order]
    rank = np.arange(len(local)) - np.searchsorted(local, np.arange(n_rows))[local]
    bound = np.full(n_rows, -1.0, dtype=np.float32)
    at_limit = rank == limit
    bound[local[at_limit]] = values[at_limit]
    keep = rank < limit
    return local[keep], columns[keep], values[keep], bound


def _column_winners(
    scores: np.ndarray, threshold: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each column's best row in the block, where it beats the column's running threshold."""
    values = scores.max(axis=0)
    columns = np.nonzero((values >= 0) & (values > threshold))[0]
    best = np.argmax(scores[:, columns], axis=0)
    return best, columns, values[columns]


class _MentorBest:
    """Each mentor's ``limit`` best mentees among the block winners seen so far."""

    def __init__(self, n_mentors: int, limit: int) -> None:
        self.limit = limit
        self.threshold = np.full(n_mentors, -1.0, dtype=np.float32)
        self.rows = np.zeros(0, dtype=np.int64)
        self.columns = np.zeros(0, dtype=np.int64)
        self.scores = np.zeros(0, dtype=np.float32)
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending_size = 0

    def add(self, rows: np.ndarray, columns: np.ndarray, scores: np.ndarray) -> None:
        self.pending.append((rows, columns, scores))
        self.pending_size += len(rows)
        if self.pending_size > 2 * self.limit * len(self.threshold):
            self.merge()

    def merge(self) -> None:
        if not self.pending:
            return
        rows = np.concatenate([self.rows, *(p[0] for p in self.pending)])
        columns = np.concatenate([self.columns, *(p[1] for p in self.pending)])
        scores = np.concatenate([self.scores, *(p[2] for p in self.pending)])
        self.pending, self.pending_size = [], 0
        order = np.argsort(columns * 4.0 - scores)  # column ascending, score descending
        rows, columns, scores = rows[order], columns[order], scores[order]
        first = np.searchsorted(columns, np.arange(len(self.threshold)))
        rank = np.arange(len(columns)) - first[columns]
        keep = rank < self.limit
        self.rows, self.columns, self.scores = rows[keep], columns[keep], scores[keep]
        full = rank == self.limit - 1
        self.threshold[columns[full]] = scores[full]


def build_candidates(
    enc: EncodedCohort,
    limit: int,
    min_score: float = 0.0,
    threads: int = 2,
    mentor_limit: int = 0,
) -> Candidates:
    """Each mentee's ``limit`` best mentors, plus mentor-side edges.

    Each mentor also gets its best mentees (up to ``mentor_limit``) among the best row of
    every block: little-wanted mentors start with a few edges, which the certificates would
    otherwise add round after round. These extra edges only speed up the solve; the pruning
    bound and the certificates are about the mentee side alone.
    """
    n_mentees, n_mentors = enc.n_mentees, enc.n_mentors
    block_rows = max(1, SCORE_BLOCK_ELEMENTS // max(n_mentors, 1))
    starts = list(range(0, n_mentees, block_rows))
    mentor_best = _MentorBest(n_mentors, mentor_limit) if mentor_limit > 0 else None
    count_feasible = enc.explicit_scores is not None or min_score > 0

    def work(
        start: int,
    ) -> tuple[
        int,
        tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        np.ndarray,
        np.ndarray,
        tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    ]:
        rows = slice(start, min(start + block_rows, n_mentees))
        scores, counts = score_block(enc, rows)
        if min_score > 0:
            scores[scores < min_score] = -1.0
        if count_feasible:
            feasible = np.count_nonzero(scores >= 0, axis=1)
        else:  # every excluded pair is counted under exactly one reason
            feasible = n_mentors - counts.sum(axis=1)
        top = row_top(scores, limit)
        winners = None
        if mentor_best is not None:
            # Reading a threshold another thread is raising only lets more winners through.
            winners = _column_winners(scores, mentor_best.threshold)
        return start, top, counts, feasible, winners

    pruned_bound = np.full(n_mentees, -1.0, dtype=np.float32)
    feasible_count = np.zeros(n_mentees, dtype=np.int64)
    exclusion_counts = np.zeros((n_mentees, len(EXCLUSION_NAMES)), dtype=np.int32)
    all_rows, all_columns, all_scores = [], [], []
    if n_mentees and n_mentors:
        # NumPy and SciPy release the GIL in the heavy steps (none of them calls BLAS), so
        # two threads use both cores of a small machine.
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            for start, top, counts, feasible, winners in pool.map(work, starts):
                local_rows, columns, scores, bound = top
                stop = start + len(bound)
                all_rows.append(local_rows.astype(np.int64) + start)
                all_columns.append(columns.astype(np.int64))
                all_scores.append(scores.astype(np.float32))
                pruned_bound[start:stop] = bound
                feasible_count[start:stop] = feasible
                exclusion_counts[start:stop] = counts
                if mentor_best is not None and winners is not None:
                    mentor_best.add(winners[0] + start, winners[1], winners[2])
    empty_int = np.zeros(0, dtype=np.int64)
    candidates = Candidates(
        rows=np.concatenate(all_rows) if all_rows else empty_int,
        columns=np.concatenate(all_columns) if all_columns else empty_int,
        scores=np.concatenate(all_scores) if all_scores else np.zeros(0, dtype=np.float32),
        pruned_bound=pruned_bound,
        feasible_count=feasible_count,
        exclusion_counts=exclusion_counts,
    )
    candidates.sort(n_mentors)
    if mentor_best is not None:
        mentor_best.merge()
        usable = mentor_best.scores >= max(min_score, 0.0)
        candidates.add(
            mentor_best.rows[usable],
            mentor_best.columns[usable],
            mentor_best.scores[usable],
            n_mentors,
        )
    return candidates


def rescore_rows(
    enc: EncodedCohort, rows: np.ndarray, min_score: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All feasible pairs (rows, columns, scores) of the given mentees, block by block."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    out_rows, out_columns, out_scores = [], [], []
    block_rows = max(1, BLOCK_ELEMENTS // max(enc.n_mentors, 1))
    for start in range(0, len(rows), block_rows):
        chunk = rows[start : start + block_rows]
        scores, _ = score_block(enc, chunk)
        if min_score > 0:
            scores[scores < min_score] = -1.0
        local, columns = np.nonzero(scores >= 0)
        out_rows.append(chunk[local])
        out_columns.append(columns.astype(np.int64))
        out_scores.append(scores[local, columns])
    if not out_rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return np.concatenate(out_rows), np.concatenate(out_columns), np.concatenate(out_scores)


def scan_prefixes(
    enc: EncodedCohort,
    rows: np.ndarray,
    counts: np.ndarray,
    column_order: np.ndarray,
    min_score: float = 0.0,
    keep_per_row: int | None = None,
    select: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
    threads: int = 2,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feasible pairs of each row with the first ``counts[row]`` mentors of ``column_order``.

    With ``keep_per_row`` only each row's best pairs are returned, which bounds memory when a
    check only needs a witness per row; ``select(rows, columns, scores)`` (a block's mentee
    rows, mentor columns and scores) returns a mask of the pairs to keep, so a check that
    needs few of the scanned pairs never holds the others.

    Rows are sorted by how many mentors they need, so each block scores a dense rectangle
    barely larger than the pairs asked for.
    """
    order = np.argsort(counts, kind="stable")
    rows = np.asarray(rows, dtype=np.int64)[order]
    counts = np.asarray(counts, dtype=np.int64)[order]
    blocks = []
    start = 0
    while start < len(rows):
        # The widest row of a block is its last: grow the block while the rectangle fits.
        window = min(len(rows) - start, SCAN_BLOCK_ELEMENTS // max(int(counts[start]), 1) + 1)
        fits = np.arange(1, window + 1) * counts[start : start + window] <= SCAN_BLOCK_ELEMENTS
        stop = start + max(1, int(np.argmin(fits)) if not fits.all() else len(fits))
        blocks.append((start, stop))
        start = stop

    def work(block: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        start, stop = block
        width = int(counts[stop - 1])
        columns = column_order[:width]
        sub = restrict_mentors(enc, columns)
        block_rows = rows[start:stop]
        scores, _ = score_block(sub, block_rows)
        wanted = np.arange(width)[None, :] < counts[start:stop, None]
        wanted &= scores >= max(min_score, 0.0)
        if select is not None:
            wanted &= select(block_rows, columns, scores)
        if keep_per_row is not None and width > keep_per_row:
            masked = np.where(wanted, scores, -1.0)
            best = np.argpartition(-masked, keep_per_row - 1, axis=1)[:, :keep_per_row]
            keep = np.zeros_like(wanted)
            np.put_along_axis(keep, best, True, axis=1)
            wanted &= keep
        local, position = np.divmod(np.flatnonzero(wanted), width)
        return block_rows[local], columns[position], scores[local, position]

    blocks = [(a, b) for a, b in blocks if counts[b - 1] > 0]
    if threads > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            found = list(pool.map(work, blocks))
    else:
        found = [work(block) for block in blocks]
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return (
        np.concatenate([f[0] for f in found]),
        np.concatenate([f[1] for f in found]),
        np.concatenate([f[2] for f in found]),
    )
