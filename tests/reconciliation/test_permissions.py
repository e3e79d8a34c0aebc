"""Who may reconcile: admins and managers everything, staff their own unit, customers nothing."""

from __future__ import annotations

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import make_unit
from tests.reconciliation.conftest import DAY, RULE, matches, run, sale

pytestmark = pytest.mark.usefixtures("worker", "sale_rule")


async def _two_units(container: Container) -> tuple[int, int, dict[str, int]]:
    north = (await make_unit(container, "north", "Север"))["id"]
    south = (await make_unit(container, "south", "Юг"))["id"]
    ids = {
        "north_a": await sale(container, "machine", "VM-1", "10:00:00", "100.00", north),
        "north_b": await sale(container, "payment", "VM-1", "10:00:05", "100.00", north),
        "south_a": await sale(container, "machine", "VM-2", "10:00:00", "100.00", south),
        "south_b": await sale(container, "payment", "VM-2", "10:00:05", "100.00", south),
    }
    return north, south, ids


async def test_staff_reconcile_only_their_units_orders_and_see_only_their_runs(
    container: Container,
    client: httpx.AsyncClient,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    north, south, ids = await _two_units(container)
    north_staff = await login(await make_user("staff", unit_id=north))
    south_staff = await login(await make_user("staff", unit_id=south))
    manager = await login(await make_user("manager"))
    finished = await run(container, client, north_staff)
    rows = await matches(client, north_staff, finished["id"])
    assert finished["unit_id"] == north
    assert {row["order_id"] for row in rows} == {ids["north_a"], ids["north_b"]}
    other = await client.get(f"/api/v1/reconciliations/{finished['id']}", headers=south_staff)
    report = await client.get(
        f"/api/v1/reconciliations/{finished['id']}/report", headers=south_staff
    )
    assert (other.status_code, report.status_code) == (404, 404)
    seen = await client.get(f"/api/v1/reconciliations/{finished['id']}", headers=manager)
    assert seen.status_code == 200
    job = await client.get(f"/api/v1/jobs/{finished['job_id']}", headers=north_staff)
    assert job.json()["kind"] == "reconciliation.run"
    everything = await run(container, client, admin_headers)
    assert everything["id"] != finished["id"]  # another scope, another run
    assert len(await matches(client, admin_headers, everything["id"])) == 4
    listed = await client.get("/api/v1/reconciliations", headers=south_staff)
    assert listed.json()["items"] == []
    url = f"/api/v1/reconciliation-matches?order_id={ids['north_a']}"
    mine = (await client.get(url, headers=north_staff)).json()
    theirs = (await client.get(url, headers=south_staff)).json()
    assert [m["run_id"] for m in mine] == [finished["id"]]
    assert theirs == []


async def test_customers_may_not_reconcile_or_read_rules(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    customer = await login(await make_user("customer"))
    started = await client.post(
        "/api/v1/reconciliations", json={"rule": "machine_vs_payment", **DAY}, headers=customer
    )
    rules = await client.get("/api/v1/reconciliation-rules", headers=customer)
    assert (started.status_code, rules.status_code) == (403, 403)


async def test_staff_without_a_unit_are_told_why_they_cannot_reconcile(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    staff = await login(await make_user("staff"))
    response = await client.post(
        "/api/v1/reconciliations",
        json={"rule": "machine_vs_payment", **DAY},
        headers={**staff, "Accept-Language": "ru"},
    )
    assert response.status_code == 403
    assert "подразделени" in response.json()["detail"]


async def test_only_administrators_declare_rules(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    manager = await login(await make_user("manager"))
    body = {**RULE, "code": "another"}
    denied = await client.post("/api/v1/reconciliation-rules", json=body, headers=manager)
    twice = await client.post("/api/v1/reconciliation-rules", json=RULE, headers=admin_headers)
    unknown_type = {**body, "spec": {**RULE["spec"], "b": {"order_type": "refund"}}}
    bad = await client.post(
        "/api/v1/reconciliation-rules", json=unknown_type, headers=admin_headers
    )
    listed = await client.get("/api/v1/reconciliation-rules", headers=manager)
    assert (denied.status_code, twice.status_code, bad.status_code) == (403, 409, 422)
    assert bad.json()["errors"][0]["field"] == "spec.b.order_type"
    assert [rule["code"] for rule in listed.json()] == ["machine_vs_payment"]
