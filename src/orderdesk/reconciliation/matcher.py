"""Pure matching of two sources' records: key groups, a time window, amount tolerance.

Per key group both sides are sorted by time; each A record takes its nearest B records
inside the window (at most MAX_CANDIDATES, found by walking out from its place in B).
Candidate pairs are ranked: amounts within tolerance first, then the smaller time gap.
Pairs are assigned greedily in that order. Pairs of equal rank that share a record are a
tie: every free record of such a tie is `ambiguous` (no unique best assignment) and leaves
the matching. Cost: O(n log n) per key group for the sorts, O(n · MAX_CANDIDATES) for the
candidates. See ADR 0015.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import Literal, NamedTuple

MAX_CANDIDATES = 16
Side = Literal["A", "B"]


class Status(StrEnum):
    matched = "matched"
    amount_mismatch = "amount_mismatch"
    only_in_a = "only_in_A"
    only_in_b = "only_in_B"
    ambiguous = "ambiguous"


class Record(NamedTuple):
    """One record: time in microseconds since the epoch, amount in 1/10,000 units."""

    id: int
    key: Hashable
    time: int
    amount: int


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Window (µs, inclusive) and amount tolerance: absolute units and/or percent × 10,000."""

    window: int
    absolute: int = 0
    percent: int = 0

    def amounts_agree(self, a: int, b: int) -> bool:
        """Within the absolute tolerance, or within the percentage of the larger amount."""
        diff = abs(a - b)
        if diff <= self.absolute:
            return True
        # percent is scaled by 10,000; compare diff / max ≤ percent / 100 in integers
        return diff * 1_000_000 <= self.percent * max(abs(a), abs(b))


class Outcome(NamedTuple):
    """The status of one record; deltas are B minus A for a paired record."""

    side: Side
    id: int
    status: Status
    counterpart: int | None = None
    time_delta: int | None = None
    amount_delta: int | None = None
    candidates: int = 0


class _Out:
    """Outcomes by side and id while a match runs."""

    __slots__ = ("a", "b")

    def __init__(self) -> None:
        self.a: dict[int, Outcome] = {}
        self.b: dict[int, Outcome] = {}


def match(a: Sequence[Record], b: Sequence[Record], tolerance: Tolerance) -> list[Outcome]:
    """One outcome per record of A and of B, in a deterministic order (A by id, then B)."""
    _check_unique(a, "A")
    _check_unique(b, "B")
    groups_a = _group(a)
    groups_b = _group(b)
    out = _Out()
    for key in groups_a.keys() | groups_b.keys():
        _match_group(groups_a.get(key, []), groups_b.get(key, []), tolerance, out)
    return [out.a[i] for i in sorted(out.a)] + [out.b[i] for i in sorted(out.b)]


def _check_unique(records: Sequence[Record], side: Side) -> None:
    if len({r.id for r in records}) != len(records):
        raise ValueError(f"duplicate record ids on side {side}")


def _group(records: Iterable[Record]) -> dict[Hashable, list[Record]]:
    groups: dict[Hashable, list[Record]] = defaultdict(list)
    for record in records:
        groups[record.key].append(record)
    return groups


_BY_TIME = attrgetter("time", "id")
_RANK = itemgetter(0)
Edge = tuple[int, Record, Record]


def _match_group(a: list[Record], b: list[Record], tolerance: Tolerance, out: _Out) -> None:
    a.sort(key=_BY_TIME)
    b.sort(key=_BY_TIME)
    edges = _candidates(a, b, tolerance)
    edges.sort(key=_RANK)  # stable: ties keep the A-by-time order
    free_a = {r.id for r in a}
    free_b = {r.id for r in b}
    agree_below = tolerance.window + 1  # ranks below this have agreeing amounts
    start, total = 0, len(edges)
    while start < total:
        rank = edges[start][0]
        end = start + 1
        while end < total and edges[end][0] == rank:
            end += 1
        if end == start + 1:  # the usual case: nothing else is as good
            _, x, y = edges[start]
            if x.id in free_a and y.id in free_b:
                _pair(x, y, rank < agree_below, out)
                free_a.discard(x.id)
                free_b.discard(y.id)
        else:
            _level(edges[start:end], rank < agree_below, free_a, free_b, out)
        start = end
    for x in a:
        if x.id in free_a:
            out.a[x.id] = Outcome("A", x.id, Status.only_in_a)
    for y in b:
        if y.id in free_b:
            out.b[y.id] = Outcome("B", y.id, Status.only_in_b)


def _level(level: list[Edge], agree: bool, free_a: set[int], free_b: set[int], out: _Out) -> None:
    """Pairs of one rank: a record in more than one of them is a tie (ambiguous)."""
    live = [(x, y) for _, x, y in level if x.id in free_a and y.id in free_b]
    xs = {x.id for x, _ in live}
    ys = {y.id for _, y in live}
    free_a -= xs
    free_b -= ys
    if len(xs) == len(ys) == len(live):  # disjoint pairs (the usual case): no tie
        for x, y in live:
            _pair(x, y, agree, out)
        return
    deg_a: Counter[int] = Counter(x.id for x, _ in live)
    deg_b: Counter[int] = Counter(y.id for _, y in live)
    for x, y in live:
        if deg_a[x.id] == 1 and deg_b[y.id] == 1:
            _pair(x, y, agree, out)
        else:
            out.a[x.id] = Outcome("A", x.id, Status.ambiguous, candidates=deg_a[x.id])
            out.b[y.id] = Outcome("B", y.id, Status.ambiguous, candidates=deg_b[y.id])


def _candidates(a: list[Record], b: list[Record], tolerance: Tolerance) -> list[Edge]:
    """For each A record its nearest B records inside the window, ranked.

    rank = gap for agreeing amounts, window + 1 + gap otherwise: one integer to sort by.
    """
    if not a or not b:
        return []
    times = [r.time for r in b]
    window = tolerance.window
    disagree = window + 1
    agree = tolerance.amounts_agree
    edges: list[Edge] = []
    size = len(times)
    for x in a:
        right = bisect.bisect_left(times, x.time - window)
        if right == size or times[right] > x.time + window:
            continue  # nothing inside the window: the usual lone record, cheaply
        right = bisect.bisect_left(times, x.time, right)
        left = right - 1
        for _ in range(MAX_CANDIDATES):
            gap_left = x.time - times[left] if left >= 0 else None
            gap_right = times[right] - x.time if right < size else None
            if gap_right is not None and (gap_left is None or gap_right <= gap_left):
                gap, y, right = gap_right, b[right], right + 1
            elif gap_left is not None:
                gap, y, left = gap_left, b[left], left - 1
            else:
                break
            if gap > window:
                break
            rank = gap if x.amount == y.amount or agree(x.amount, y.amount) else disagree + gap
            edges.append((rank, x, y))
    return edges


def _pair(x: Record, y: Record, agree: bool, out: _Out) -> None:
    status = Status.matched if agree else Status.amount_mismatch
    dt, da = y.time - x.time, y.amount - x.amount
    out.a[x.id] = Outcome("A", x.id, status, y.id, dt, da, 1)
    out.b[y.id] = Outcome("B", y.id, status, x.id, dt, da, 1)
