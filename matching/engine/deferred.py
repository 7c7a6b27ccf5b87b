"""The proposal loop of deferred acceptance on flat arrays, compiled with Numba when it can be.

``propose`` is plain Python that Numba compiles as it is (``cache=True``: the machine code is
kept on disk next to this file, or in the user's cache directory, when either is writable;
otherwise it is compiled once per process). Without Numba, or if compiling fails, the same
function runs in the interpreter: the answers are identical, only slower. Small cohorts
interpret it too, as loading Numba would take longer than the loop (``COMPILE_FROM``).
``COMPILED`` set to False forces the interpreter (the tests compare both).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

COMPILED = True
# Loading Numba and the compiled loop costs a few tenths of a second in each new process:
# with fewer proposals than this to start with, the interpreter is done sooner (unless this
# process has loaded the compiled loop already).
COMPILE_FROM = 500_000

_compiled: Callable[..., int] | None = None
_compile_failed = False


def propose(
    stack: np.ndarray,
    n_stack: int,
    in_stack: np.ndarray,
    pos: np.ndarray,
    end: np.ndarray,
    pool_mentor: np.ndarray,
    pool_score: np.ndarray,
    pool_rank: np.ndarray,
    wanted: np.ndarray,
    accepted: np.ndarray,
    room: np.ndarray,
    seat_start: np.ndarray,
    held_count: np.ndarray,
    held_level: np.ndarray,
    held_value: np.ndarray,
    held_mentee: np.ndarray,
    held_score: np.ndarray,
    has_more: np.ndarray,
    waiting: np.ndarray,
    is_waiting: np.ndarray,
) -> int:
    """Let free mentees propose until none can; returns how many now wait for more pairs.

    Mentee i proposes to the pool entries ``pos[i]`` to ``end[i]`` in order (its preference
    order): mentor ``pool_mentor[k]``, pair score ``pool_score[k]``, and the mentor's stated
    rank of i in ``pool_rank[k]`` (-1 if unranked). Mentor j keeps its ``room[j]`` best
    mentees in a min-heap at ``seat_start[j]``: worst on top, by (level, value, -mentee) with
    level 1 and value -rank for a ranked mentee, level 0 and value = score otherwise. A mentee
    who runs out of entries with a slot open and ``has_more`` is written to ``waiting``.
    """
    n_waiting = 0
    while n_stack > 0:
        n_stack -= 1
        i = stack[n_stack]
        in_stack[i] = False
        while accepted[i] < wanted[i] and pos[i] < end[i]:
            k = pos[i]
            pos[i] = k + 1
            j = pool_mentor[k]
            seats = room[j]
            if seats <= 0:
                continue
            rank = pool_rank[k]
            level = 1 if rank >= 0 else 0
            value = -float(rank) if rank >= 0 else pool_score[k]
            base = seat_start[j]
            count = held_count[j]
            if count < seats:
                # Insert, moving up past better entries (the worst stays on top).
                p = count
                while p > 0:
                    q = (p - 1) // 2
                    ql, qv, qm = held_level[base + q], held_value[base + q], held_mentee[base + q]
                    if level < ql or (
                        level == ql and (value < qv or (value == qv and i > qm))
                    ):  # the new entry is worse than its parent
                        held_level[base + p] = ql
                        held_value[base + p] = qv
                        held_mentee[base + p] = qm
                        held_score[base + p] = held_score[base + q]
                        p = q
                    else:
                        break
                held_level[base + p] = level
                held_value[base + p] = value
                held_mentee[base + p] = i
                held_score[base + p] = pool_score[k]
                held_count[j] = count + 1
                accepted[i] += 1
                continue
            tl, tv, tm = held_level[base], held_value[base], held_mentee[base]
            if not (tl < level or (tl == level and (tv < value or (tv == value and tm > i)))):
                continue  # the mentor's worst is better: rejected
            # Replace the worst, moving down past worse entries.
            p = 0
            while True:
                c = 2 * p + 1
                if c >= count:
                    break
                if c + 1 < count:
                    al, av, am = held_level[base + c], held_value[base + c], held_mentee[base + c]
                    bl, bv, bm = (
                        held_level[base + c + 1],
                        held_value[base + c + 1],
                        held_mentee[base + c + 1],
                    )
                    if bl < al or (bl == al and (bv < av or (bv == av and bm > am))):
                        c += 1
                cl, cv, cm = held_level[base + c], held_value[base + c], held_mentee[base + c]
                if cl < level or (cl == level and (cv < value or (cv == value and cm > i))):
                    held_level[base + p] = cl
                    held_value[base + p] = cv
                    held_mentee[base + p] = cm
                    held_score[base + p] = held_score[base + c]
                    p = c
                else:
                    break
            held_level[base + p] = level
            held_value[base + p] = value
            held_mentee[base + p] = i
            held_score[base + p] = pool_score[k]
            accepted[i] += 1
            accepted[tm] -= 1
            if not in_stack[tm]:
                in_stack[tm] = True
                stack[n_stack] = tm
                n_stack += 1
        if accepted[i] < wanted[i] and has_more[i] and not is_waiting[i]:
            is_waiting[i] = True
            waiting[n_waiting] = i
            n_waiting += 1
    return n_waiting


def _compile() -> Callable[..., int] | None:
    global _compiled, _compile_failed
    if _compile_failed:
        return None
    if _compiled is None:
        try:
            import numba
        except ImportError:
            _compile_failed = True
            logger.warning("numba is not installed: stable matching runs in the interpreter")
            return None
        try:
            _compiled = numba.njit(cache=True, nogil=True)(propose)
        except RuntimeError:  # no writable cache directory: compile once per process
            _compiled = numba.njit(nogil=True)(propose)
    return _compiled


def run(*args: Any, proposals: int = COMPILE_FROM) -> int:
    """``propose`` compiled when possible and worth it for about ``proposals`` proposals,
    interpreted otherwise (same answers)."""
    global _compile_failed
    worth_it = proposals >= COMPILE_FROM or _compiled is not None
    kernel = _compile() if COMPILED and worth_it else None
    if kernel is not None:
        try:
            return int(kernel(*args))
        except Exception as error:  # a compiler failure, before anything ran
            if type(error).__module__.split(".")[0] != "numba":
                raise
            _compile_failed = True
            logger.warning("numba could not compile stable matching (%s): interpreting", error)
    return int(propose(*args))
