"""Min-cost flow on candidate edges with OR-tools, and the residual-graph certificates.

Network: source -> mentee (capacity = slots wanted) -> mentor (capacity 1 per pair, so a pair
is used at most once) -> sink (capacity = mentor capacity). Scores become integer costs.

Two certificates decide whether the optimum on candidate edges is the optimum on all pairs:

* coverage: the mentees and mentors reachable from the source in the residual graph form a
  minimum cut; if no pruned pair leaves that set, the full graph has no larger flow.
* score: node potentials with non-negative reduced cost on every residual arc prove there is
  no improving cycle; if every pruned pair also has non-negative reduced cost, the solution is
  optimal for the full graph (linear-programming duality).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.graph.python import max_flow, min_cost_flow
from scipy.sparse.csgraph import breadth_first_order

# Scores in [0, 1] become integer costs with six decimals; OR-tools multiplies costs by the
# node count internally, and 10^6 * 10^6 nodes still fits in 64 bits.
SCALE = 1_000_000
# Block scores are computed by BLAS in different groupings, so the same pair can differ in
# the last float32 bit; two cost units (2e-6 of a score point) absorb that noise.
COST_TOLERANCE = 2
UNREACHABLE = 10**15  # pragma: no mutate


def score_to_cost(scores: np.ndarray) -> np.ndarray:
    return -np.rint(np.asarray(scores, dtype=np.float64) * SCALE).astype(np.int64)


@dataclass
class FlowNetwork:
    n_mentees: int
    n_mentors: int
    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    n_pair_arcs: int
    flows: np.ndarray | None = None
    optimal_cost: int = 0
    potential_passes: int = 0

    @property
    def source(self) -> int:
        return 0

    @property
    def sink(self) -> int:
        return self.n_mentees + self.n_mentors + 1

    @property
    def n_nodes(self) -> int:
        return self.n_mentees + self.n_mentors + 2

    def mentee_node(self, rows: np.ndarray) -> np.ndarray:
        return rows + 1

    def mentor_node(self, columns: np.ndarray) -> np.ndarray:
        return columns + 1 + self.n_mentees

    def pair_flows(self) -> np.ndarray:
        assert self.flows is not None
        return self.flows[: self.n_pair_arcs]


def build_network(
    n_mentees: int,
    n_mentors: int,
    demand: np.ndarray,
    capacity: np.ndarray,
    rows: np.ndarray,
    columns: np.ndarray,
    costs: np.ndarray,
    *,
    load_balance_penalty: float = 0.0,
    seats_taken: np.ndarray | None = None,
    bypass: bool = False,
) -> FlowNetwork:
    source, sink = 0, n_mentees + n_mentors + 1
    mentee_nodes = np.arange(n_mentees, dtype=np.int64) + 1
    mentor_nodes = np.arange(n_mentors, dtype=np.int64) + 1 + n_mentees
    tails = [rows + 1, np.full(n_mentees, source, dtype=np.int64)]
    heads = [columns + 1 + n_mentees, mentee_nodes]
    capacities = [np.ones(len(rows), dtype=np.int64), demand.astype(np.int64)]
    arc_costs = [costs.astype(np.int64), np.zeros(n_mentees, dtype=np.int64)]
    if load_balance_penalty > 0:
        # Convex cost per extra mentee on one mentor: the t-th seat costs t * penalty, so the
        # flow fills every mentor's first seat before anyone's second when scores allow.
        # Seats already taken (by pinned pairs) come first: a mentor with a pinned mentee
        # offers its second seat next.
        seats = capacity.astype(np.int64)
        owner = np.repeat(np.arange(n_mentors, dtype=np.int64), seats)
        seat_number = np.arange(int(seats.sum())) - np.repeat(np.cumsum(seats) - seats, seats)
        if seats_taken is not None:
            seat_number = seat_number + seats_taken.astype(np.int64)[owner]
        tails.append(mentor_nodes[owner])
        heads.append(np.full(len(owner), sink, dtype=np.int64))
        capacities.append(np.ones(len(owner), dtype=np.int64))
        arc_costs.append(np.rint(seat_number * load_balance_penalty * SCALE).astype(np.int64))
    else:
        tails.append(mentor_nodes)
        heads.append(np.full(n_mentors, sink, dtype=np.int64))
        capacities.append(capacity.astype(np.int64))
        arc_costs.append(np.zeros(n_mentors, dtype=np.int64))
    if bypass:
        tails.append(np.array([source]))
        heads.append(np.array([sink]))
        capacities.append(np.array([int(demand.sum())]))
        arc_costs.append(np.array([0]))
    return FlowNetwork(
        n_mentees=n_mentees,
        n_mentors=n_mentors,
        tails=np.concatenate(tails).astype(np.int64),
        heads=np.concatenate(heads).astype(np.int64),
        capacities=np.concatenate(capacities).astype(np.int64),
        costs=np.concatenate(arc_costs).astype(np.int64),
        n_pair_arcs=len(rows),
    )


def solve_min_cost(network: FlowNetwork, *, max_flow_first: bool) -> None:
    """Fill ``network.flows``: max flow at min cost, or min cost for the supplied flow."""
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        network.tails, network.heads, network.capacities, network.costs
    )
    # Supply is every slot wanted; with the bypass arc any unused part flows straight to the sink.
    from_source = (network.tails == network.source) & (network.heads != network.sink)
    supply = int(network.capacities[from_source].sum())
    solver.set_nodes_supplies(np.array([network.source, network.sink]), np.array([supply, -supply]))
    status = solver.solve_max_flow_with_min_cost() if max_flow_first else solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    network.flows = solver.flows(np.arange(len(network.tails))).astype(np.int64)
    network.optimal_cost = int(solver.optimal_cost())


def max_flow_value(
    network: FlowNetwork, arc_mask: np.ndarray | None = None
) -> tuple[int, np.ndarray]:
    """Maximum flow on the network (optionally a subset of its arcs) and the source side."""
    solver = max_flow.SimpleMaxFlow()
    tails, heads, capacities = network.tails, network.heads, network.capacities
    if arc_mask is not None:
        tails, heads, capacities = tails[arc_mask], heads[arc_mask], capacities[arc_mask]
    keep = heads != network.sink
    keep |= tails != network.source  # never count a bypass arc as coverage
    solver.add_arcs_with_capacity(tails[keep], heads[keep], capacities[keep])
    status = solver.solve(network.source, network.sink)
    if status != solver.OPTIMAL:
        raise RuntimeError(f"max flow failed with status {status}")
    source_side = np.zeros(network.n_nodes, dtype=bool)
    source_side[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)] = True
    return int(solver.optimal_flow()), source_side


@dataclass
class Residual:
    tails: np.ndarray
    heads: np.ndarray
    costs: np.ndarray


def with_arcs(
    residual: Residual, tails: np.ndarray, heads: np.ndarray, costs: np.ndarray
) -> Residual:
    return Residual(
        tails=np.concatenate([residual.tails, tails]),
        heads=np.concatenate([residual.heads, heads]),
        costs=np.concatenate([residual.costs, costs]),
    )


def residual_graph(network: FlowNetwork) -> Residual:
    assert network.flows is not None
    forward = network.flows < network.capacities
    backward = network.flows > 0
    return Residual(
        tails=np.concatenate([network.tails[forward], network.heads[backward]]),
        heads=np.concatenate([network.heads[forward], network.tails[backward]]),
        costs=np.concatenate([network.costs[forward], -network.costs[backward]]),
    )


def reachable_from_source(network: FlowNetwork, residual: Residual) -> np.ndarray:
    n = network.n_nodes
    adjacency = sp.csr_matrix(
        (np.ones(len(residual.tails), dtype=np.int8), (residual.tails, residual.heads)),
        shape=(n, n),
    )
    order = breadth_first_order(adjacency, network.source, directed=True, return_predecessors=False)
    reached = np.zeros(n, dtype=bool)
    reached[order] = True
    return reached


def concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(start, start + length)`` for every pair, without a loop."""
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total)


@dataclass
class _Sorted:
    """Residual arcs grouped by one end (``key``), with CSR-style offsets per node."""

    key: np.ndarray
    other: np.ndarray
    costs: np.ndarray
    offsets: np.ndarray

    @classmethod
    def by(cls, key: np.ndarray, other: np.ndarray, costs: np.ndarray, n: int) -> _Sorted:
        order = np.argsort(key, kind="stable")
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=n), out=offsets[1:])
        return cls(key[order], other[order], costs[order], offsets)

    def segment(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arcs whose key node is in ``first..stop-1``: node, arc range start, arc count."""
        nodes = np.arange(first, stop)
        return nodes, self.offsets[nodes], self.offsets[nodes + 1] - self.offsets[nodes]


def _relax(distance: np.ndarray, arcs: _Sorted, first: int, stop: int, *, lower: bool) -> None:
    """Move potentials of an arc-independent node range as far as feasibility allows.

    Lowering a node is bounded by its out-arcs (``arcs`` grouped by tail), raising by its
    in-arcs (grouped by head). A node without out-arcs keeps its value when lowered; one
    without in-arcs (a mentee with nothing left to want) rises to UNREACHABLE.
    """
    nodes, starts, lengths = arcs.segment(first, stop)
    has = lengths > 0
    if not lower:
        distance[nodes[~has]] = UNREACHABLE
    if not has.any():
        return
    low, high = int(arcs.offsets[first]), int(arcs.offsets[stop])
    if lower:
        values = distance[arcs.other[low:high]] - arcs.costs[low:high]
        bound = np.maximum.reduceat(values, starts[has] - low)
        distance[nodes[has]] = np.minimum(distance[nodes[has]], bound)
    else:
        values = distance[arcs.other[low:high]] + arcs.costs[low:high]
        bound = np.minimum.reduceat(values, starts[has] - low)
        distance[nodes[has]] = np.maximum(distance[nodes[has]], bound)


class NegativeCycle(RuntimeError):
    """The residual graph has an improving cycle: the flow is not optimal for these arcs."""


def potentials(
    network: FlowNetwork,
    residual: Residual,
    max_passes: int | None = None,
    initial: np.ndarray | None = None,
) -> np.ndarray:
    """Node potentials d with d[head] <= d[tail] + cost on every residual arc.

    Bellman-Ford from a virtual root, each pass relaxing only the out-arcs of the nodes that
    just improved (arcs grouped by tail, so a pass costs what it touches), then a few
    block-coordinate moves that lower mentor potentials and raise mentee ones: that direction
    is the one that lets pruned mentee -> mentor pairs pass the check.
    """
    n = network.n_nodes
    out_arcs = _Sorted.by(residual.tails, residual.heads, residual.costs, n)
    # Only the source and mentees are ever raised, so only their in-arcs are needed.
    into = residual.heads <= network.n_mentees
    in_arcs = _Sorted.by(residual.heads[into], residual.tails[into], residual.costs[into], n)
    distance = np.zeros(n, dtype=np.int64) if initial is None else initial.copy()
    nodes = np.arange(n)
    improved = np.zeros(n, dtype=bool)
    passes = 0
    limit = max_passes if max_passes is not None else n + 1
    while len(nodes):
        passes += 1
        if passes > limit:
            raise NegativeCycle("no potentials within the pass limit")
        starts = out_arcs.offsets[nodes]
        lengths = out_arcs.offsets[nodes + 1] - starts
        arcs = concat_ranges(starts, lengths)
        heads = out_arcs.other[arcs]
        candidate = np.repeat(distance[nodes], lengths) + out_arcs.costs[arcs]
        improving = candidate < distance[heads]
        if not improving.any():
            break
        heads, candidate = heads[improving], candidate[improving]
        np.minimum.at(distance, heads, candidate)
        improved[heads] = True
        nodes = np.flatnonzero(improved)
        improved[nodes] = False
    network.potential_passes = passes
    mentees = (1, 1 + network.n_mentees)
    mentors = (1 + network.n_mentees, 1 + network.n_mentees + network.n_mentors)
    sink = (network.sink, network.sink + 1)
    source = (network.source, network.source + 1)
    for _ in range(3):
        _relax(distance, out_arcs, *mentors, lower=True)
        _relax(distance, out_arcs, *sink, lower=True)
        _relax(distance, out_arcs, *mentors, lower=True)
        _relax(distance, in_arcs, *mentees, lower=False)
        _relax(distance, in_arcs, *source, lower=False)
        _relax(distance, in_arcs, *mentees, lower=False)
    return distance


def check_potentials(residual: Residual, distance: np.ndarray) -> bool:
    reduced = residual.costs + distance[residual.tails] - distance[residual.heads]
    return bool((reduced >= 0).all())
