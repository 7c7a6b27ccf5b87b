"""The flow network and its certificates on networks small enough to solve by hand.

Nodes: 0 is the source, mentees are 1..n, mentors follow, the sink is last. Every expected
arc, flow, cost, cut and potential below is worked out in the comments, not read from the
engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from matching.engine.flow import (
    FlowNetwork,
    NegativeCycle,
    Residual,
    build_network,
    check_potentials,
    concat_ranges,
    max_flow_value,
    potentials,
    reachable_from_source,
    residual_graph,
    score_to_cost,
    solve_min_cost,
    with_arcs,
)

A, B = 0, 1  # mentee rows
X, Y = 0, 1  # mentor columns
# Node numbers of the two-by-two network: source 0, a 1, b 2, x 3, y 4, sink 5.
SOURCE, NODE_A, NODE_B, NODE_X, NODE_Y, SINK = range(6)


def _arcs(network: FlowNetwork) -> list[tuple[int, int, int, int]]:
    return sorted(
        zip(
            network.tails.tolist(),
            network.heads.tolist(),
            network.capacities.tolist(),
            network.costs.tolist(),
            strict=True,
        )
    )


def _two_by_two(
    scores: dict[tuple[int, int], float],
    *,
    demand: tuple[int, int] = (1, 1),
    capacity: tuple[int, int] = (1, 1),
    **options,
) -> FlowNetwork:
    pairs = list(scores)
    return build_network(
        2,
        2,
        np.array(demand),
        np.array(capacity),
        np.array([p[0] for p in pairs], dtype=np.int64),
        np.array([p[1] for p in pairs], dtype=np.int64),
        score_to_cost(np.array([scores[p] for p in pairs])),
        **options,
    )


def _chosen(network: FlowNetwork, scores: dict[tuple[int, int], float]) -> set[tuple[int, int]]:
    flows = network.pair_flows()
    return {pair for pair, flow in zip(scores, flows.tolist(), strict=True) if flow > 0}


def test_scores_become_negative_integer_costs_in_millionths():
    costs = score_to_cost(np.array([0.5, 1.0, 0.1234567, 0.0]))
    assert costs.tolist() == [-500_000, -1_000_000, -123_457, 0]
    assert costs.dtype == np.int64


def test_node_numbers_put_the_source_first_then_mentees_then_mentors_then_the_sink():
    network = build_network(
        3, 2, np.ones(3), np.ones(2), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    )
    assert (network.source, network.sink, network.n_nodes) == (0, 6, 7)
    assert network.mentee_node(np.array([0, 2])).tolist() == [1, 3]
    assert network.mentor_node(np.array([0, 1])).tolist() == [4, 5]


def test_the_network_has_one_arc_per_pair_per_mentee_and_per_mentor():
    network = _two_by_two({(A, X): 0.9, (A, Y): 0.1, (B, X): 0.5}, demand=(1, 2), capacity=(3, 1))
    assert network.n_pair_arcs == 3
    assert _arcs(network) == sorted(
        [
            (NODE_A, NODE_X, 1, -900_000),
            (NODE_A, NODE_Y, 1, -100_000),
            (NODE_B, NODE_X, 1, -500_000),
            (SOURCE, NODE_A, 1, 0),  # a wants one mentor
            (SOURCE, NODE_B, 2, 0),  # b wants two
            (NODE_X, SINK, 3, 0),  # x has three seats
            (NODE_Y, SINK, 1, 0),
        ]
    )
    # The pair arcs come first, in the order given: pair_flows() reads them by position.
    assert network.tails[:3].tolist() == [NODE_A, NODE_A, NODE_B]
    assert network.heads[:3].tolist() == [NODE_X, NODE_Y, NODE_X]


def test_the_bypass_arc_carries_every_wanted_slot_from_source_to_sink_at_no_cost():
    network = _two_by_two({(A, X): 0.9}, demand=(1, 2), bypass=True)
    assert (SOURCE, SINK, 3, 0) in _arcs(network)
    assert len(network.tails) == 1 + 2 + 2 + 1


def test_load_balancing_gives_each_seat_its_own_arc_costing_its_rank_times_the_penalty():
    """x has three seats, y one; x already holds one pinned mentee, so x's open seats are its
    second, third and fourth: 1, 2 and 3 times 0.05 = 50 000, 100 000, 150 000 cost units."""
    network = _two_by_two(
        {(A, X): 0.9},
        capacity=(3, 1),
        load_balance_penalty=0.05,
        seats_taken=np.array([1, 0]),
    )
    seat_arcs = [arc for arc in _arcs(network) if arc[1] == SINK]
    assert seat_arcs == [
        (NODE_X, SINK, 1, 50_000),
        (NODE_X, SINK, 1, 100_000),
        (NODE_X, SINK, 1, 150_000),
        (NODE_Y, SINK, 1, 0),
    ]


def test_load_balancing_without_pinned_seats_starts_every_mentor_at_a_free_first_seat():
    network = _two_by_two({(A, X): 0.9}, capacity=(2, 2), load_balance_penalty=0.25)
    seat_arcs = [arc for arc in _arcs(network) if arc[1] == SINK]
    assert seat_arcs == [
        (NODE_X, SINK, 1, 0),
        (NODE_X, SINK, 1, 250_000),
        (NODE_Y, SINK, 1, 0),
        (NODE_Y, SINK, 1, 250_000),
    ]


# a-x 0.9, a-y 0.1, b-x 0.5, every capacity 1. Covering both mentees needs a-y and b-x
# (0.6 in all); the best total is a-x alone (0.9), which leaves b out.
CROSS = {(A, X): 0.9, (A, Y): 0.1, (B, X): 0.5}


def test_max_flow_first_covers_both_mentees_at_the_best_total_for_that_coverage():
    network = _two_by_two(CROSS)
    solve_min_cost(network, max_flow_first=True)
    assert _chosen(network, CROSS) == {(A, Y), (B, X)}
    assert network.optimal_cost == -600_000


def test_with_the_bypass_min_cost_alone_takes_the_best_total_and_leaves_a_slot_open():
    network = _two_by_two(CROSS, bypass=True)
    solve_min_cost(network, max_flow_first=False)
    assert _chosen(network, CROSS) == {(A, X)}
    assert network.optimal_cost == -900_000
    assert network.flows is not None
    assert network.flows[-1] == 1  # b's slot went straight to the sink


def test_without_the_bypass_min_cost_must_route_every_wanted_slot():
    network = _two_by_two(CROSS)
    solve_min_cost(network, max_flow_first=False)
    assert _chosen(network, CROSS) == {(A, Y), (B, X)}
    assert network.optimal_cost == -600_000


def test_a_supply_the_network_cannot_carry_is_an_error_not_a_partial_answer():
    network = _two_by_two({(A, X): 0.9}, demand=(2, 0))
    with pytest.raises(RuntimeError, match="min-cost flow failed"):
        solve_min_cost(network, max_flow_first=False)


def test_load_balancing_sends_the_second_mentee_to_the_emptier_mentor():
    """a-x 0.9, b-x 0.8, b-y 0.78: x's second seat costs 0.05, so b-y (0.78) beats b-x
    (0.8 - 0.05 = 0.75)."""
    scores = {(A, X): 0.9, (B, X): 0.8, (B, Y): 0.78}
    network = _two_by_two(scores, capacity=(2, 1), load_balance_penalty=0.05)
    solve_min_cost(network, max_flow_first=True)
    assert _chosen(network, scores) == {(A, X), (B, Y)}
    assert network.optimal_cost == -1_680_000


def test_max_flow_value_and_its_minimum_cut():
    """a and b both want only x (one seat): the flow is 1. From the source the residual graph
    still reaches the mentee left out, through it x, and back along the used pair the other
    mentee; y (no pairs) and the sink stay on the far side."""
    network = _two_by_two({(A, X): 0.9, (B, X): 0.5})
    flow, source_side = max_flow_value(network)
    assert flow == 1
    assert source_side.tolist() == [True, True, True, True, False, False]


def test_max_flow_value_on_a_subset_of_arcs():
    network = _two_by_two({(A, X): 0.9, (B, Y): 0.5})
    flow, _ = max_flow_value(network)
    assert flow == 2
    without_b_y = np.array([True, False, True, True, True, True])
    flow, source_side = max_flow_value(network, without_b_y)
    assert flow == 1
    # b is still fed by the source but has no arc on: the cut leaves b and y's arc apart.
    assert source_side.tolist() == [True, False, True, False, False, False]


def test_the_bypass_arc_never_counts_as_coverage():
    network = _two_by_two({(A, X): 0.9}, bypass=True)
    flow, source_side = max_flow_value(network)
    assert flow == 1
    assert not source_side[SINK]


def test_the_residual_graph_has_forward_arcs_with_room_and_backward_arcs_with_flow():
    network = _two_by_two({(A, X): 0.9})
    solve_min_cost(network, max_flow_first=True)
    residual = residual_graph(network)
    arcs = sorted(
        zip(residual.tails.tolist(), residual.heads.tolist(), residual.costs.tolist(), strict=True)
    )
    # Flow source -> a -> x -> sink. Room is left on source -> b and on y -> sink.
    assert arcs == sorted(
        [
            (SOURCE, NODE_B, 0),
            (NODE_Y, SINK, 0),
            (NODE_A, SOURCE, 0),
            (NODE_X, NODE_A, 900_000),
            (SINK, NODE_X, 0),
        ]
    )


def test_reachable_from_source_follows_residual_arcs_only_forwards():
    network = _two_by_two({(A, X): 0.9})
    solve_min_cost(network, max_flow_first=True)
    reached = reachable_from_source(network, residual_graph(network))
    # source -> b only: b has no pair, a is saturated from the source.
    assert reached.tolist() == [True, False, True, False, False, False]


def test_with_arcs_appends_arcs_to_a_residual_graph():
    residual = Residual(np.array([0]), np.array([1]), np.array([5]))
    grown = with_arcs(residual, np.array([1, 2]), np.array([3, 0]), np.array([-4, 7]))
    assert grown.tails.tolist() == [0, 1, 2]
    assert grown.heads.tolist() == [1, 3, 0]
    assert grown.costs.tolist() == [5, -4, 7]


def test_concat_ranges_concatenates_the_ranges_without_a_loop():
    ranges = concat_ranges(np.array([5, 0, 9]), np.array([2, 3, 0]))
    assert ranges.tolist() == [5, 6, 0, 1, 2]


@pytest.mark.parametrize(
    ("distance", "feasible"),
    [
        ([0, 5, 5], True),  # 0 -> 1: 5 + 0 - 5 = 0; 1 -> 0: -5 + 5 - 0 = 0; 1 -> 2: 0
        ([0, 6, 6], False),  # 0 -> 1: 5 + 0 - 6 = -1
        ([0, 4, 4], False),  # 1 -> 0: -5 + 4 - 0 = -1
        ([0, 5, 6], False),  # 1 -> 2: 0 + 5 - 6 = -1
    ],
)
def test_check_potentials_wants_every_reduced_cost_non_negative(distance, feasible):
    residual = Residual(np.array([0, 1, 1]), np.array([1, 0, 2]), np.array([5, -5, 0]))
    assert check_potentials(residual, np.array(distance)) is feasible


def _solved(scores: dict[tuple[int, int], float], **options) -> tuple[FlowNetwork, Residual]:
    network = _two_by_two(scores, **options)
    solve_min_cost(network, max_flow_first=True)
    return network, residual_graph(network)


@pytest.mark.parametrize(
    "scores",
    [CROSS, {(A, X): 0.9}, {(A, X): 0.9, (A, Y): 0.8, (B, X): 0.7, (B, Y): 0.1}, {}],
)
def test_potentials_of_an_optimal_flow_leave_no_residual_arc_with_negative_reduced_cost(scores):
    network, residual = _solved(scores)
    distance = potentials(network, residual)
    assert check_potentials(residual, distance)


def test_potentials_lower_mentors_and_raise_mentees_as_far_as_the_residual_arcs_allow():
    """Flow source -> a -> x -> sink (a-x 0.9, nothing else). The residual arcs x -> a
    (cost 900 000), sink -> x (0) and y -> sink (0) give d(a) <= d(x) + 900 000 <= d(sink) +
    900 000 <= d(y) + 900 000. A pruned pair a -> y of score s has reduced cost
    -s * SCALE + d(a) - d(y), so the certificate is strongest when d(a) - d(y) reaches that
    bound: 900 000, what a gives up by leaving x."""
    network, residual = _solved({(A, X): 0.9})
    distance = potentials(network, residual)
    assert check_potentials(residual, distance)
    assert distance[NODE_A] - distance[NODE_Y] == 900_000
    assert distance[NODE_A] - distance[NODE_X] == 900_000


def test_potentials_give_up_on_a_negative_cycle():
    network = _two_by_two({})
    residual = Residual(np.array([NODE_A, NODE_X]), np.array([NODE_X, NODE_A]), np.array([-1, -1]))
    with pytest.raises(NegativeCycle):
        potentials(network, residual)


def test_potentials_give_up_when_the_pass_limit_is_reached():
    """A chain source -> a -> x -> sink of cost -1 each, from all potentials 0: pass 1 lowers
    a, x and the sink to -1, pass 2 lowers x to -2 and the sink to -2, pass 3 the sink to
    -3, and pass 4 finds nothing left to improve. Four passes."""
    network = _two_by_two({})
    residual = Residual(
        np.array([SOURCE, NODE_A, NODE_X]),
        np.array([NODE_A, NODE_X, SINK]),
        np.array([-1, -1, -1]),
    )
    with pytest.raises(NegativeCycle, match="pass limit"):
        potentials(network, residual, max_passes=3)
    distance = potentials(network, residual, max_passes=4)
    assert network.potential_passes == 4
    assert check_potentials(residual, distance)
    assert distance[SINK] - distance[SOURCE] <= -3


def test_a_network_not_yet_solved_has_no_flows_and_no_cost():
    network = _two_by_two({(A, X): 0.9})
    assert network.flows is None
    assert (network.optimal_cost, network.potential_passes) == (0, 0)
    with pytest.raises(AssertionError):
        network.pair_flows()


def test_potentials_start_from_the_initial_values_given():
    network, residual = _solved({(A, X): 0.9})
    start = np.zeros(network.n_nodes, dtype=np.int64)
    start[NODE_Y] = -7
    distance = potentials(network, residual, initial=start)
    assert check_potentials(residual, distance)
    assert start[NODE_Y] == -7  # the caller's array is not changed
    assert distance[NODE_Y] <= -7


def test_a_maximum_flow_the_solver_cannot_count_is_an_error_not_an_answer():
    """Arcs of 2**62 units each (the pair arcs widened by hand: the network builder gives
    them one) add up past 64 bits: OR-tools refuses (possible overflow), and so must we,
    rather than return its partial figures."""
    big = 2**62
    network = build_network(
        2,
        2,
        np.array([big, big]),
        np.array([big, big]),
        np.array([A, B], dtype=np.int64),
        np.array([X, Y], dtype=np.int64),
        np.array([0, 0]),
    )
    network.capacities[: network.n_pair_arcs] = big
    with pytest.raises(RuntimeError, match="max flow failed"):
        max_flow_value(network)


def test_potentials_step_a_mentor_down_its_second_seat_in_each_round_of_block_moves():
    """a wants two mentors and holds x (0.9, the only pair); x has two seats under a load
    balancing penalty of 0.1, the first used (cost 0), the second free (cost 100 000).
    Residual arcs: source -> a (0), a -> source (0), x -> a (900 000), x -> sink (second
    seat, 100 000), sink -> x (first seat, 0). No arc costs below 0, so Bellman-Ford keeps
    every potential at 0; the block moves then lower x to max(d(a) - 900 000, d(sink) -
    100 000) and the sink to d(x), and leave a and the source at 0 (a <= source + 0).
    Round 1: x -> -100 000, sink -> -100 000, x -> -200 000. Round 2: sink -> -200 000, x ->
    -300 000. Round 3: sink -> -300 000, x -> -400 000. So d(a) - d(x) is at least 400 000
    after three rounds (the bound is 900 000, what a gives up by leaving x). Without either
    mentor move of a round, each round lowers x by 100 000 only: 300 000."""
    network = build_network(
        1,
        1,
        np.array([2]),
        np.array([2]),
        np.array([A], dtype=np.int64),
        np.array([X], dtype=np.int64),
        score_to_cost(np.array([0.9])),
        load_balance_penalty=0.1,
    )
    solve_min_cost(network, max_flow_first=True)
    assert network.flows is not None
    assert network.flows.tolist() == [1, 1, 1, 0]  # a-x, source-a, first seat, second seat
    residual = residual_graph(network)
    distance = potentials(network, residual)
    assert check_potentials(residual, distance)
    source, node_a, node_x, sink = range(4)
    assert distance[node_a] == distance[source] == 0
    assert 400_000 <= distance[node_a] - distance[node_x] <= 900_000
    assert distance[node_x] <= distance[sink] <= distance[node_x] + 100_000


def test_a_mentee_with_nothing_left_to_want_rises_out_of_reach():
    """a wants no mentor (its slots all taken, say by pinned pairs) and has no pair; b holds
    x (0.5). Nothing enters a in the residual graph: source -> a has no room (capacity 0)
    and no pair of a carries flow. So the mentee move raises a to UNREACHABLE (10**15), and
    a pruned pair a-m of any score (at most 10**6 cost units) keeps a reduced cost
    -score + d(a) - d(m) far above 0: never a violation, never a wasted round."""
    network, residual = _solved({(B, X): 0.5}, demand=(0, 1))
    distance = potentials(network, residual)
    assert check_potentials(residual, distance)
    assert distance[NODE_A] == 10**15
    for mentor in (NODE_X, NODE_Y):
        assert distance[NODE_A] - distance[mentor] > 10**12
