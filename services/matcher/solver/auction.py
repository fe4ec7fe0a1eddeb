"""A vectorised forward auction (after Bertsekas) for large b-matching problems.

Exact solvers take tens of seconds on realistic candidate graphs of 10,000 people (long
augmenting paths through many near-equal pairs); an auction settles them in a fraction of that.

Every unit of a left person's capacity is a bidder; a right person is an object with as many
seats as its capacity, and a bidder pays for its cheapest seat. A bidder may also stay single at
value 0. In each round all unassigned bidders bid at once (Jacobi, so the work stays in numpy):
each picks the person worth most to it net of that price (never one a sibling bidder already
holds, so no pair is chosen twice) and raises the seat's price by the margin over its best
alternative (another person, or staying single) plus `eps`; each person takes the highest bid
for its cheapest seat and the bidder holding it bids again. Counting the margin against other
people rather than other seats of the same person avoids a price war among identical seats.

The result is not guaranteed optimal, so `bound` certifies it: any non-negative prices give an
upper bound on the optimal total by linear-programming duality, evaluated here at the final
prices.
"""

from dataclasses import dataclass

import numpy as np

from services.matcher.solver.arrays import (
    Bools,
    Floats,
    Ints,
    firsts,
    positions,
    rank_within,
    starts,
)
from services.matcher.solver.duals import dual_bound

_SINGLE = -2


@dataclass(frozen=True)
class Outcome:
    chosen: Bools
    price: Floats
    """What a further pair with each right person would cost: its cheapest seat's price."""
    bound: float
    margin: Floats
    """Per left person, the value of its last unit of capacity at these prices (see `duals`)."""
    rounds: int


class _Market:
    def __init__(self, left: Ints, right: Ints, weight: Floats, lcap: Ints, rcap: Ints):
        order = _by_pair(left, right, len(rcap))
        self.edge, self.right, self.weight = order, right[order], weight[order]
        self.indptr = np.concatenate(([0], np.cumsum(np.bincount(left, minlength=len(lcap)))))
        self.person = np.repeat(np.arange(len(lcap)), lcap)  # bidder -> left person
        self.first_seat = starts(rcap)
        self.seat_of = np.repeat(np.arange(len(rcap)), rcap)
        self.seat_price = np.zeros(len(self.seat_of))
        self.seat_owner = np.full(len(self.seat_price), -1)
        self.cheapest = self.first_seat.copy()  # person -> its cheapest seat
        self.cheap_price = np.zeros(len(rcap))  # the price of that seat
        self.held = np.full(len(self.person), -1)  # bidder -> seat, or _SINGLE
        self.rcap = rcap
        self.first_bidder = starts(lcap)
        self.lcap = lcap
        # banned[e]: the left person of edge e already holds a seat of its right person, so
        # none of its other bidders may take one (a pair is chosen at most once)
        self.banned = np.zeros(len(order), bool)
        self.held_edge = np.full(len(self.person), -1)

    def resume(self, price: Floats, held: Bools, eps: float) -> Ints:
        """Seat the held edges at the given prices; returns who must bid: the unseated, and
        the seated that a better edge now tempts by more than `eps`."""
        edges = np.flatnonzero(held[self.edge])  # positions in the sorted edge order
        left = np.repeat(np.arange(len(self.lcap)), np.diff(self.indptr))[edges]
        bidder = self.first_bidder[left] + rank_within(left)
        person = self.right[edges]
        by_person = np.argsort(person, kind="stable")
        rank = np.empty(len(person), np.int64)
        rank[by_person] = rank_within(person[by_person])
        seat = self.first_seat[person] + rank
        self.seat_owner[seat], self.seat_price[seat] = bidder, price[person]
        self.held[bidder], self.held_edge[bidder] = seat, edges
        self.banned[edges] = self.lcap[left] > 1
        self.cheap_price[person] = price[person]
        self._reprice(np.unique(person))
        seated = np.flatnonzero(self.held >= 0)
        best, _, _ = self._options(seated)
        now = self.weight[self.held_edge[seated]] - self.seat_price[self.held[seated]]
        tempted = seated[best > now + eps]
        has_edges = np.diff(self.indptr)[self.person] > 0
        return np.concatenate(
            [np.flatnonzero((self.held == -1) & has_edges), self._unseat(tempted)]
        )

    def _unseat(self, bidders: Ints) -> Ints:
        """Free the bidders' seats at price zero (unassigned seats must cost nothing, or the
        prices would keep others away from them)."""
        seats = self.held[bidders]
        self.seat_owner[seats], self.seat_price[seats] = -1, 0.0
        people = self.seat_of[seats]
        self.cheap_price[people], self.cheapest[people] = 0.0, seats
        self.banned[self.held_edge[bidders]] = False
        self.held[bidders], self.held_edge[bidders] = -1, -1
        return bidders

    def bid(self, bidders: Ints, eps: float) -> Ints:
        """One round; returns who bids next."""
        best, second, edge = self._options(bidders)
        quits = best <= 0
        self.held[bidders[quits]] = _SINGLE
        bidders, best, second, edge = bidders[~quits], best[~quits], second[~quits], edge[~quits]
        target = self.right[edge]
        if len(bidders) == 0:
            return bidders
        bid = self.cheap_price[target] + best - np.maximum(second, 0.0) + eps
        order = np.lexsort((-bid, target))
        won = order[firsts(target[order])]
        seat = self.cheapest[target[won]]
        previous = self.seat_owner[seat]
        displaced = previous[previous >= 0]
        self.held[displaced] = -1
        self.banned[self.held_edge[displaced]] = False
        self.seat_owner[seat], self.seat_price[seat] = bidders[won], bid[won]
        self.held[bidders[won]] = seat
        self.held_edge[bidders[won]] = edge[won]
        self.banned[edge[won]] = self.lcap[self.person[bidders[won]]] > 1
        self.cheap_price[target[won]] = bid[won]
        self._reprice(target[won])
        lost = np.ones(len(bidders), bool)
        lost[won] = False
        return np.concatenate([bidders[lost], displaced])

    def _options(self, bidders: Ints) -> tuple[Floats, Floats, Ints]:
        """Best net value, second best over other people (-inf if none) and the best person."""
        start = self.indptr[self.person[bidders]]
        count = self.indptr[self.person[bidders] + 1] - start
        first = starts(count)
        pos = np.arange(int(count.sum())) + np.repeat(start - first, count)
        owner = np.repeat(np.arange(len(bidders)), count)
        net = self.weight[pos] - self.cheap_price[self.right[pos]]
        net[self.banned[pos]] = -np.inf
        best = np.maximum.reduceat(net, first)
        at_best = np.flatnonzero(net == best[owner])
        top = at_best[firsts(owner[at_best])]
        net[top] = -np.inf
        return best, np.maximum.reduceat(net, first), pos[top]

    def _reprice(self, people: Ints) -> None:
        people = people[self.rcap[people] > 1]
        if len(people) == 0:
            return
        count = self.rcap[people]
        seats = np.repeat(self.first_seat[people], count) + positions(count)
        prices = self.seat_price[seats]
        first = starts(count)
        low = np.minimum.reduceat(prices, first)
        owner = np.repeat(np.arange(len(people)), count)
        at_low = np.flatnonzero(prices == low[owner])
        self.cheapest[people] = seats[at_low[firsts(owner[at_low])]]
        self.cheap_price[people] = low


def auction(
    left: Ints,
    right: Ints,
    weight: Floats,
    *,
    left_cap: Ints,
    right_cap: Ints,
    eps: float,
    warm: tuple[Floats, Bools] | None = None,
) -> Outcome:
    """Edges (distinct, positive weights) between left and right people with capacities.
    `warm` restarts from an earlier solution of nearly the same problem: its prices per right
    person and which of these edges it held; only bidders that the new edges tempt bid again."""
    market = _Market(left, right, weight, left_cap, right_cap)
    has_edges = np.diff(market.indptr) > 0
    todo, rounds = np.flatnonzero(has_edges[market.person]), 0
    if warm is not None:
        todo = market.resume(*warm, eps)
    while len(todo):
        rounds += 1
        todo = market.bid(todo, eps)
    chosen = np.zeros(len(weight), bool)
    holders = np.flatnonzero(market.held >= 0)
    keys = market.person[holders] * len(right_cap) + market.seat_of[market.held[holders]]
    sorted_keys = left[market.edge] * len(right_cap) + market.right
    chosen[market.edge[np.searchsorted(sorted_keys, keys)]] = True
    price = market.cheap_price
    bound = dual_bound(left, right, weight, left_cap=left_cap, right_cap=right_cap, price=price)
    return Outcome(chosen, price, bound.value, bound.margin, rounds)


def _by_pair(left: Ints, right: Ints, n_right: int) -> Ints:
    """Edge order by (left, right); candidate edges mostly come sorted already."""
    key = left * n_right + right
    if len(key) < 2 or bool((key[1:] >= key[:-1]).all()):
        return np.arange(len(key))
    bits = max(1, len(key).bit_length())
    return np.sort((key << bits) | np.arange(len(key))) & ((1 << bits) - 1)
