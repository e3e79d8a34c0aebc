"""Properties of the matcher on random records: one status each, symmetric, never twice."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from orderdesk.reconciliation.matcher import Outcome, Record, Status, Tolerance, match

KEYS = st.sampled_from(["VM-1", "VM-2", "VM-3"])
TIMES = st.integers(min_value=0, max_value=400)
AMOUNTS = st.sampled_from([100, 150, 151, 200, 0, -50])
TOLERANCES = st.builds(
    Tolerance,
    window=st.integers(min_value=0, max_value=60),
    absolute=st.integers(min_value=0, max_value=2),
    percent=st.sampled_from([0, 10_000, 50_000]),
)


def side(first_id: int) -> st.SearchStrategy[list[Record]]:
    records = st.lists(st.tuples(KEYS, TIMES, AMOUNTS), max_size=40)
    return records.map(
        lambda rows: [Record(first_id + n, k, t, a) for n, (k, t, a) in enumerate(rows)]
    )


@settings(max_examples=300, deadline=None)
@given(a=side(1), b=side(10_000), tolerance=TOLERANCES)
def test_every_record_gets_exactly_one_status(
    a: list[Record], b: list[Record], tolerance: Tolerance
) -> None:
    outcomes = match(a, b, tolerance)
    assert Counter((o.side, o.id) for o in outcomes) == Counter(
        [("A", r.id) for r in a] + [("B", r.id) for r in b]
    )
    assert {o.status for o in outcomes if o.side == "A"} <= set(Status) - {Status.only_in_b}
    assert {o.status for o in outcomes if o.side == "B"} <= set(Status) - {Status.only_in_a}


@settings(max_examples=300, deadline=None)
@given(a=side(1), b=side(10_000), tolerance=TOLERANCES)
def test_pairs_are_symmetric_unique_and_honour_key_window_and_tolerance(
    a: list[Record], b: list[Record], tolerance: Tolerance
) -> None:
    outcomes = match(a, b, tolerance)
    by_id = {(o.side, o.id): o for o in outcomes}
    records = {("A", r.id): r for r in a} | {("B", r.id): r for r in b}
    paired = [o for o in outcomes if o.status in (Status.matched, Status.amount_mismatch)]
    counterparts = Counter((o.side, o.counterpart) for o in paired)
    assert all(n == 1 for n in counterparts.values())  # nobody is anyone's partner twice
    for o in paired:
        other_side = "B" if o.side == "A" else "A"
        other = by_id[other_side, o.counterpart]
        assert (other.status, other.counterpart) == (o.status, o.id)
        x = records[o.side, o.id]
        y = records[other_side, o.counterpart]
        assert x.key == y.key
        assert abs(x.time - y.time) <= tolerance.window
        assert tolerance.amounts_agree(x.amount, y.amount) == (o.status is Status.matched)
    for o in outcomes:
        if o.status not in (Status.matched, Status.amount_mismatch):
            assert o.counterpart is None


@settings(max_examples=200, deadline=None)
@given(a=side(1), b=side(10_000), tolerance=TOLERANCES)
def test_a_lone_record_has_no_free_counterpart_it_could_have_taken(
    a: list[Record], b: list[Record], tolerance: Tolerance
) -> None:
    outcomes = match(a, b, tolerance)
    lone_a = [r for r in a if _of(outcomes, "A", r.id).status is Status.only_in_a]
    lone_b = {r.id: r for r in b if _of(outcomes, "B", r.id).status is Status.only_in_b}
    for x in lone_a:
        assert not any(
            y.key == x.key and abs(y.time - x.time) <= tolerance.window for y in lone_b.values()
        )


@settings(max_examples=100, deadline=None)
@given(a=side(1), tolerance=TOLERANCES)
def test_a_source_reconciled_with_a_copy_of_itself_has_no_mismatches(
    a: list[Record], tolerance: Tolerance
) -> None:
    copy = [Record(r.id + 10_000, r.key, r.time, r.amount) for r in a]
    statuses = {o.status for o in match(a, copy, tolerance)}
    assert statuses <= {Status.matched, Status.ambiguous}


def _of(outcomes: list[Outcome], side: str, id_: int) -> Outcome:
    return next(o for o in outcomes if o.side == side and o.id == id_)
