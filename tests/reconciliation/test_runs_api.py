"""Reconciliation runs through the API: statuses stored per order, re-runs, validation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from orderdesk.jobs.queue import JobQueue
from tests.reconciliation.conftest import DAY, matches, run, sale

pytestmark = pytest.mark.usefixtures("worker", "sale_rule")


async def _day_of_sales(container: Container) -> dict[str, int]:
    """One of each outcome on 2026-11-20 (Moscow time)."""
    return {
        "a_matched": await sale(container, "machine", "VM-1", "10:00:00", "150.00"),
        "b_matched": await sale(container, "payment", "vm-1 ", "10:00:40", "150.00"),
        "a_mismatch": await sale(container, "machine", "VM-1", "11:00:00", "120.00"),
        "b_mismatch": await sale(container, "payment", "VM-1", "11:00:05", "130.00"),
        "a_late": await sale(container, "machine", "VM-2", "12:00:00", "90.00"),
        "b_late": await sale(container, "payment", "VM-2", "12:01:01", "90.00"),
        "a_tie": await sale(container, "machine", "VM-3", "13:00:00", "100.00"),
        "b_tie1": await sale(container, "payment", "VM-3", "13:00:10", "100.00"),
        "b_tie2": await sale(container, "payment", "VM-3", "13:00:10", "100.00"),
        "next_day": await sale(container, "machine", "VM-1", "23:59:59", "10.00"),
    }


def _by_order(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["order_id"]: row for row in rows}


async def test_a_run_gives_each_order_of_the_period_its_status_and_counterpart(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    ids = await _day_of_sales(container)
    finished = await run(container, client, admin_headers)
    rows = _by_order(await matches(client, admin_headers, finished["id"]))
    status = {name: rows[order_id]["status"] for name, order_id in ids.items()}
    assert status == {
        "a_matched": "matched", "b_matched": "matched",
        "a_mismatch": "amount_mismatch", "b_mismatch": "amount_mismatch",
        "a_late": "only_in_A", "b_late": "only_in_B",
        "a_tie": "ambiguous", "b_tie1": "ambiguous", "b_tie2": "ambiguous",
        "next_day": "only_in_A",
    }  # fmt: skip
    mismatch = rows[ids["a_mismatch"]]
    assert mismatch["counterpart_id"] == ids["b_mismatch"]
    assert Decimal(mismatch["amount_delta"]) == Decimal("10.00")
    assert mismatch["time_delta_ms"] == 5000
    assert rows[ids["b_matched"]]["counterpart_id"] == ids["a_matched"]
    assert finished["counts"]["A.matched"] == 1
    assert finished["counts"]["B.ambiguous"] == 2
    assert finished["progress_done"] == finished["progress_total"] == len(rows)


async def test_matches_filter_by_status_and_side(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    ids = await _day_of_sales(container)
    finished = await run(container, client, admin_headers)
    mismatches = await matches(client, admin_headers, finished["id"], "&status=amount_mismatch")
    only_b = await matches(client, admin_headers, finished["id"], "&side=B&status=only_in_B")
    assert {row["order_id"] for row in mismatches} == {ids["a_mismatch"], ids["b_mismatch"]}
    assert [row["order_id"] for row in only_b] == [ids["b_late"]]
    bad = await client.get(
        f"/api/v1/reconciliations/{finished['id']}/matches?status=lost", headers=admin_headers
    )
    assert bad.status_code == 422


async def test_running_the_same_period_again_replaces_the_result(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    ids = await _day_of_sales(container)
    first = await run(container, client, admin_headers)
    late_payment = await sale(container, "payment", "VM-2", "12:00:20", "90.00")
    again = await run(container, client, admin_headers)
    rows = _by_order(await matches(client, admin_headers, again["id"]))
    assert again["id"] == first["id"]
    assert again["job_id"] != first["job_id"]
    assert len(rows) == 11  # ten orders + the new payment, each once
    assert rows[ids["a_late"]]["status"] == "matched"
    assert rows[late_payment]["counterpart_id"] == ids["a_late"]
    listed = await client.get("/api/v1/reconciliations", headers=admin_headers)
    assert [r["id"] for r in listed.json()["items"]] == [first["id"]]
    of_order = await client.get(
        f"/api/v1/reconciliation-matches?order_id={ids['a_late']}", headers=admin_headers
    )
    assert [(m["rule"], m["status"]) for m in of_order.json()] == [
        ("machine_vs_payment", "matched")
    ]


async def test_a_record_outside_the_period_is_reported_only_with_its_partner_inside(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inside = await sale(container, "machine", "VM-1", "00:00:10", "50.00")
    before = await sale(container, "payment", "VM-1", "00:00:00", "50.00")  # still inside
    await sale(container, "machine", "VM-1", "23:59:50", "70.00")
    after = await sale(container, "payment", "VM-1", "23:59:55", "70.00")
    outside_alone = await sale(container, "payment", "VM-9", "23:30:00", "70.00")
    period = {"from": "2026-11-20T00:00:05+03:00", "to": "2026-11-20T23:59:52+03:00"}
    finished = await run(container, client, admin_headers, period)
    rows = _by_order(await matches(client, admin_headers, finished["id"]))
    assert rows[inside]["counterpart_id"] == before
    assert rows[after]["status"] == "matched"
    assert outside_alone in rows  # 23:30 is inside the period
    assert before in rows


async def test_records_lacking_an_amount_or_a_key_are_counted_as_skipped(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from tests.factories import make_order

    at = "2026-11-20T10:00:00+03:00"
    no_amount = {"source": "machine", "machine_code": "VM-1", "sold_at": at}
    no_key = {"source": "machine", "sold_at": at, "amount": "5"}
    await make_order(container, "sale", attributes=no_amount)
    await make_order(container, "sale", attributes=no_key)
    await sale(container, "machine", "VM-1", "10:00:00", "150.00")
    finished = await run(container, client, admin_headers)
    assert finished["counts"] == {
        "A.only_in_A": 1,
        "A.skipped_no_amount": 1,
        "A.skipped_no_key": 1,
    }


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"rule": "nope", **DAY}, 404, None),
        ({"rule": "machine_vs_payment", "from": DAY["to"], "to": DAY["from"]}, 422, "to"),
        ({"rule": "machine_vs_payment", "from": "2026-11-20T00:00:00", "to": DAY["to"]}, 422,
         "from"),
        ({"rule": "machine_vs_payment", "from": "2020-01-01T00:00:00Z", "to": DAY["to"]}, 422,
         "to"),
        ({"rule": "machine_vs_payment", **DAY, "extra": 1}, 422, "extra"),
    ],
)  # fmt: skip
async def test_bad_requests_name_the_problem(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    response = await client.post("/api/v1/reconciliations", json=body, headers=admin_headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in {e["field"] for e in response.json()["errors"]}


async def test_an_unknown_run_is_not_found(
    client: httpx.AsyncClient, admin_headers: dict[str, str], worker: JobQueue
) -> None:
    response = await client.get("/api/v1/reconciliations/999", headers=admin_headers)
    assert response.status_code == 404
    assert "999" in response.json()["detail"]
