"""The matcher on crafted cases: every status, inclusive edges, tolerances, ties."""

from __future__ import annotations

import pytest

from orderdesk.reconciliation.matcher import Outcome, Record, Status, Tolerance, match

S = 1_000_000  # one second in µs
RUB = 10_000  # one rouble in 1/10,000 units
EXACT_60 = Tolerance(window=60 * S)


def rec(id_: int, t: float, amount: float = 100, key: str = "VM-1") -> Record:
    return Record(id_, key, int(t * S), int(amount * RUB))


def by_side(outcomes: list[Outcome]) -> dict[tuple[str, int], Outcome]:
    return {(o.side, o.id): o for o in outcomes}


def test_same_key_close_time_and_same_amount_are_matched_both_ways() -> None:
    out = by_side(match([rec(1, 1000)], [rec(7, 1012)], EXACT_60))
    assert out["A", 1] == Outcome("A", 1, Status.matched, 7, 12 * S, 0, 1)
    assert out["B", 7] == Outcome("B", 7, Status.matched, 1, 12 * S, 0, 1)


def test_a_different_amount_within_the_window_is_an_amount_mismatch_with_the_difference() -> None:
    out = by_side(match([rec(1, 1000, 150)], [rec(2, 1005, 140)], EXACT_60))
    assert out["A", 1].status is Status.amount_mismatch
    assert out["A", 1].counterpart == 2
    assert out["B", 2].amount_delta == -10 * RUB


def test_records_without_counterparts_are_only_in_their_side() -> None:
    out = by_side(match([rec(1, 0), rec(2, 5000)], [rec(3, 10_000)], EXACT_60))
    assert out["A", 1].status is Status.only_in_a
    assert out["A", 2].status is Status.only_in_a
    assert out["B", 3].status is Status.only_in_b


def test_other_keys_never_match_even_at_the_same_time() -> None:
    out = by_side(match([rec(1, 100, key="VM-1")], [rec(2, 100, key="VM-2")], EXACT_60))
    assert (out["A", 1].status, out["B", 2].status) == (Status.only_in_a, Status.only_in_b)


@pytest.mark.parametrize(
    ("gap_us", "status"),
    [(60 * S, Status.matched), (-60 * S, Status.matched), (60 * S + 1, Status.only_in_a)],
)
def test_the_time_window_includes_its_edges_and_nothing_beyond(gap_us: int, status: Status) -> None:
    a = Record(1, "k", 10**12, 100)
    b = Record(2, "k", 10**12 + gap_us, 100)
    assert by_side(match([a], [b], EXACT_60))["A", 1].status is status


def test_a_zero_window_needs_the_same_instant() -> None:
    exact = Tolerance(window=0)
    assert by_side(match([rec(1, 5)], [rec(2, 5)], exact))["A", 1].status is Status.matched
    assert by_side(match([rec(1, 5)], [rec(2, 6)], exact))["A", 1].status is Status.only_in_a


@pytest.mark.parametrize(
    ("b_amount", "status"),
    [(100.50, Status.matched), (99.50, Status.matched), (100.51, Status.amount_mismatch)],
)
def test_absolute_tolerance_includes_its_edge(b_amount: float, status: Status) -> None:
    tolerance = Tolerance(window=60 * S, absolute=int(0.5 * RUB))
    out = by_side(match([rec(1, 0, 100)], [rec(2, 1, b_amount)], tolerance))
    assert out["A", 1].status is status


@pytest.mark.parametrize(
    ("b_amount", "status"),
    [(198, Status.matched), (202, Status.matched), (197.9, Status.amount_mismatch)],
)
def test_percent_tolerance_is_relative_to_the_larger_amount(
    b_amount: float, status: Status
) -> None:
    tolerance = Tolerance(window=60 * S, percent=1 * RUB)  # 1 %
    out = by_side(match([rec(1, 0, 200)], [rec(2, 1, b_amount)], tolerance))
    assert out["A", 1].status is status


def test_an_equal_amount_further_away_wins_over_a_nearer_wrong_amount() -> None:
    out = by_side(match([rec(1, 100, 80)], [rec(2, 101, 95), rec(3, 140, 80)], EXACT_60))
    assert (out["A", 1].status, out["A", 1].counterpart) == (Status.matched, 3)
    assert out["B", 2].status is Status.only_in_b


def test_the_nearest_counterpart_is_taken_and_the_farther_left_over() -> None:
    out = by_side(match([rec(1, 100)], [rec(2, 130), rec(3, 105)], EXACT_60))
    assert out["A", 1].counterpart == 3
    assert out["B", 2].status is Status.only_in_b


def test_two_equally_good_counterparts_make_every_record_of_the_tie_ambiguous() -> None:
    out = by_side(match([rec(1, 100)], [rec(2, 90), rec(3, 110)], EXACT_60))
    assert {o.status for o in out.values()} == {Status.ambiguous}
    assert out["A", 1].candidates == 2
    assert out["A", 1].counterpart is None


def test_a_duplicated_payment_makes_the_sale_ambiguous() -> None:
    out = by_side(match([rec(1, 100)], [rec(2, 104), rec(3, 104)], EXACT_60))
    assert [out[k].status for k in (("A", 1), ("B", 2), ("B", 3))] == [Status.ambiguous] * 3


def test_a_tie_already_resolved_by_a_closer_pair_is_not_ambiguous() -> None:
    # b3 is closer to a4 (2 s) than to a1 (10 s), so a1 is left with b2 alone.
    a = [rec(1, 100), rec(4, 112)]
    b = [rec(2, 90), rec(3, 110)]
    out = by_side(match(a, b, EXACT_60))
    assert (out["A", 4].counterpart, out["A", 1].counterpart) == (3, 2)
    assert {o.status for o in out.values()} == {Status.matched}


def test_outcomes_come_in_a_stable_order_regardless_of_input_order() -> None:
    a = [rec(i, i * 7 % 50, key=f"m{i % 3}") for i in range(30)]
    b = [rec(100 + i, i * 11 % 50, key=f"m{i % 3}") for i in range(30)]
    assert match(a, b, EXACT_60) == match(list(reversed(a)), list(reversed(b)), EXACT_60)


def test_duplicate_ids_on_one_side_are_refused() -> None:
    with pytest.raises(ValueError, match="side A"):
        match([rec(1, 0), rec(1, 5)], [], EXACT_60)
