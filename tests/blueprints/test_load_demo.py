"""Demo blueprints: definitions through the services, and bulk data that the API accepts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orderdesk.blueprints import BLUEPRINTS, DEMO_PASSWORD, load_demo
from orderdesk.blueprints.loader import load
from orderdesk.catalog.models import ItemType
from orderdesk.catalog.schemas import ItemCreate
from orderdesk.container import Container
from orderdesk.core.attributes import validate_attributes
from orderdesk.db.types import utcnow
from orderdesk.orders.totals import compute_totals, line_amount
from orderdesk.orders.workflow import find_transition, is_terminal
from tests.blueprints.helpers import Demo, rows
from tests.conftest import LoginFactory

SMALL = {"items": 50, "orders": 200, "seed": 7}
NAMES = sorted(BLUEPRINTS)


async def test_unknown_blueprint_raises_naming_the_known_ones(container: Container) -> None:
    with pytest.raises(ValueError, match="facilities, shop, vending"):
        await load_demo(container, "pharmacy")


async def test_loading_twice_returns_none_and_adds_nothing(container: Container) -> None:
    first = await load_demo(container, "shop", **SMALL)
    second = await load_demo(container, "facilities", **SMALL)
    assert first is not None
    assert first.startswith("3 units, 50 items, 200 orders, 300 customers")
    assert second is None
    assert len((await Demo.read(container)).orders) == 200


async def test_shop_defines_order_workflow_with_stock_moves(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_demo(container, "shop", **SMALL)
    types = (await client.get("/api/v1/order-types", headers=admin_headers)).json()["items"]
    (order_type,) = types
    workflow = order_type["workflow"]
    assert order_type["code"] == "order"
    assert order_type["number_format"] == "FL-{year}-{seq:06d}"
    assert {a["name"] for a in order_type["attribute_schema"]} >= {
        "delivery_type",
        "address",
        "delivery_slot",
    }
    assert find_transition(workflow, "pending", "accepted")["stock"] == "deduct"
    assert find_transition(workflow, "accepted", "cancelled")["stock"] == "return"
    assert "stock" not in find_transition(workflow, "pending", "cancelled")
    assert "customer" in find_transition(workflow, "done", "completed")["roles"]
    assert {"customer", "staff"} <= set(find_transition(workflow, "pending", "cancelled")["roles"])
    for path in [("assembling", "in_transit"), ("assembling", "ready_for_pickup")]:
        assert find_transition(workflow, *path) is not None
    assert set(workflow["terminal"]) == {"rejected", "completed", "cancelled"}
    item_types = (await client.get("/api/v1/item-types", headers=admin_headers)).json()["items"]
    fields = {a["name"]: a for a in item_types[0]["attribute_schema"]}
    assert fields["color"]["type"] == "enum"
    assert fields["stem_length"]["type"] == "integer"
    assert fields["stem_length"]["label"] == {"ru": "Длина стебля, см", "en": "Stem length, cm"}
    categories = (await client.get("/api/v1/categories?limit=100", headers=admin_headers)).json()
    assert {"Розы", "Тюльпаны", "Букеты", "Композиции", "Горшечные растения"} <= {
        c["name"] for c in categories["items"]
    }
    units = (await client.get("/api/v1/units", headers=admin_headers)).json()["items"]
    assert {u["kind"] for u in units} == {"shop"}


async def test_facilities_defines_request_workflow_with_one_active_per_item(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_demo(container, "facilities", **SMALL)
    (order_type,) = (await client.get("/api/v1/order-types", headers=admin_headers)).json()["items"]
    workflow = order_type["workflow"]
    moves = {(t["from"], t["to"]) for t in workflow["transitions"]}
    assert order_type["code"] == "request"
    assert order_type["one_active_per_item"] is True
    assert moves == {
        ("pending", "accepted"),
        ("pending", "rejected"),
        ("pending", "cancelled"),
        ("accepted", "transferred"),
        ("accepted", "rejected"),
        ("accepted", "cancelled"),
        ("transferred", "completed"),
    }
    for source in ("pending", "accepted"):
        assert "customer" in find_transition(workflow, source, "cancelled")["roles"]
    units = (await client.get("/api/v1/units", headers=admin_headers)).json()["items"]
    assert len(units) == 8
    assert {u["kind"] for u in units} == {"department"}


@pytest.mark.parametrize("name", NAMES)
async def test_demo_totals_equal_the_sum_of_their_lines(container: Container, name: str) -> None:
    await load_demo(container, name, **SMALL)
    demo = await Demo.read(container)
    assert len(demo.orders) == 200
    for order in demo.orders:
        lines = demo.lines[order["id"]]
        order_type = demo.types[order["order_type_id"]]
        assert 1 <= len(lines) <= (4 if name == "shop" else 1)
        for line in lines:
            expected = line_amount(line["quantity"], line["unit_price"], line["coefficient"])
            assert line["amount"] == expected
        totals = compute_totals(
            [line["amount"] for line in lines],
            order_type["vat_rate"],
            order_type["prices_include_vat"],
        )
        assert (order["subtotal"], order["vat_amount"], order["total"]) == (
            totals.subtotal,
            totals.vat_amount,
            totals.total,
        )


@pytest.mark.parametrize("name", NAMES)
async def test_demo_lines_snapshot_their_items_from_the_orders_unit(
    container: Container, name: str
) -> None:
    await load_demo(container, name, **SMALL)
    demo = await Demo.read(container)
    for order in demo.orders:
        for line in demo.lines[order["id"]]:
            if line["item_id"] is None:
                assert line["name"] == "Доставка"
                continue
            item = demo.items[line["item_id"]]
            assert (line["sku"], line["name"], line["unit_price"]) == (
                item["sku"],
                item["name"],
                item["price"],
            )
            assert item["unit_id"] == order["unit_id"]


@pytest.mark.parametrize("name", NAMES)
async def test_demo_history_has_one_event_per_status_step(container: Container, name: str) -> None:
    now = utcnow()
    await load_demo(container, name, **SMALL)
    demo = await Demo.read(container)
    for order in demo.orders:
        workflow = demo.types[order["order_type_id"]]["workflow"]
        created, *changes = demo.events[order["id"]]
        assert (created["kind"], created["to_status"]) == ("created", workflow["initial"])
        assert created["at"] == order["created_at"]
        assert created["actor_id"] == order["created_by_id"]
        status = workflow["initial"]
        for event in changes:
            rule = find_transition(workflow, status, event["to_status"])
            actor = demo.users[event["actor_id"]]
            assert event["kind"] == "status_changed"
            assert event["from_status"] == status
            assert rule is not None
            assert actor["role"] in rule["roles"]
            assert bool(event["comment"]) or not rule.get("require_comment")
            status = event["to_status"]
        assert status == order["status"]
        assert order["version"] == 1 + len(changes)
        times = [e["at"] for e in demo.events[order["id"]]]
        assert times == sorted(times)
        assert order["updated_at"] == times[-1]
        assert now - timedelta(days=90) < order["created_at"] <= times[-1] < now


@pytest.mark.parametrize("name", NAMES)
async def test_demo_data_passes_the_services_validation(container: Container, name: str) -> None:
    await load_demo(container, name, **SMALL)
    demo = await Demo.read(container)
    schemas = {t["id"]: t["attribute_schema"] for t in await rows(container, ItemType)}
    for item in demo.items.values():
        assert (
            validate_attributes(schemas[item["item_type_id"]], item["attributes"])
            == (item["attributes"])
        )
        ItemCreate.model_validate({k: item[k] for k in ItemCreate.model_fields})
    for order in demo.orders:
        schema = demo.types[order["order_type_id"]]["attribute_schema"]
        assert validate_attributes(schema, order["attributes"]) == order["attributes"]
    customers = [u for u in demo.users.values() if u["role"] == "customer"]
    assert len(customers) == 300
    assert all(u["password_hash"] is None for u in customers)
    assert all(u["email"] or u["telegram_id"] for u in customers)
    assert any(u["telegram_id"] for u in customers)
    assert any(u["phone"] for u in customers)


@pytest.mark.parametrize("name", NAMES)
async def test_demo_numbers_are_unique_and_counters_hold_the_last(
    container: Container, name: str
) -> None:
    await load_demo(container, name, **SMALL)
    demo = await Demo.read(container)
    numbers = [order["number"] for order in demo.orders]
    periods = Counter(number[3:7] if name == "shop" else "" for number in numbers)
    assert len(set(numbers)) == len(numbers)
    assert {c["period"]: c["value"] for c in demo.counters} == periods
    prefix = {"shop": "FL-", "facilities": "З-", "vending": "ПРД-"}[name]
    assert all(number.startswith(prefix) for number in numbers)


@pytest.mark.parametrize(
    ("name", "attributes"),
    [
        ("shop", {"delivery_type": "pickup"}),
        ("facilities", {"visit_date": "2026-12-01"}),
    ],
)
async def test_order_created_through_the_api_after_the_demo_gets_a_fresh_number(
    container: Container,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    name: str,
    attributes: dict[str, str],
) -> None:
    await load_demo(container, name, **SMALL)
    demo = await Demo.read(container)
    order_type = next(iter(demo.types.values()))
    item = next(i for i in demo.items.values() if i["status"] == "active" and i["stock"] != 0)
    body = {
        "order_type": order_type["code"],
        "lines": [{"item_id": item["id"], "quantity": "1"}],
        "attributes": attributes,
    }
    response = await client.post("/api/v1/orders", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    period = str(utcnow().year) if name == "shop" else ""
    taken = sum(c["value"] for c in demo.counters if c["period"] == period)
    expected = f"FL-{period}-{taken + 1:06d}" if name == "shop" else f"З-{taken + 1:06d}"
    assert taken > 0
    assert response.json()["number"] == expected


@pytest.mark.parametrize("name", NAMES)
async def test_unit_staff_logs_in_with_the_demo_password_and_sees_only_their_unit(
    container: Container, client: httpx.AsyncClient, login: LoginFactory, name: str
) -> None:
    await load_demo(container, name, **SMALL)
    demo = await Demo.read(container)
    unit_id = demo.orders[0]["unit_id"]
    staff = demo.staff_of(unit_id)
    headers = await login(staff["username"], DEMO_PASSWORD)
    listed = await client.get("/api/v1/orders?limit=500&include_total=true", headers=headers)
    body = listed.json()
    assert listed.status_code == 200
    assert {order["unit_id"] for order in body["items"]} == {unit_id}
    assert body["total"] == sum(1 for order in demo.orders if order["unit_id"] == unit_id)
    assert body["total"] < len(demo.orders)
    manager = next(u for u in demo.users.values() if u["role"] == "manager")
    await login(manager["username"], DEMO_PASSWORD)


async def test_staff_accepts_a_waiting_shop_order_and_its_stock_is_deducted(
    container: Container, client: httpx.AsyncClient, login: LoginFactory
) -> None:
    # 23:30 Moscow time: the evening's orders wait for the shops to open.
    evening = datetime(2026, 11, 20, 20, 30, tzinfo=UTC)
    await load(container, BLUEPRINTS["shop"], items=60, orders=3000, seed=3, now=evening)
    demo = await Demo.read(container)
    waiting = [order for order in demo.orders if order["status"] == "pending"]
    assert waiting
    order = waiting[-1]
    headers = await login(demo.staff_of(order["unit_id"])["username"], DEMO_PASSWORD)
    allowed = await client.get(f"/api/v1/orders/{order['id']}/transitions", headers=headers)
    accepted = await client.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "accepted"}, headers=headers
    )
    assert {t["to"] for t in allowed.json()} == {"accepted", "rejected", "cancelled"}
    assert accepted.status_code == 200, accepted.text
    after = await Demo.read(container)
    for line in demo.lines[order["id"]]:
        if line["item_id"] is not None:
            before = demo.items[line["item_id"]]["stock"]
            assert after.items[line["item_id"]]["stock"] == before - line["quantity"]


async def test_facility_requests_keep_one_active_request_per_customer_and_facility(
    container: Container,
) -> None:
    await load_demo(container, "facilities", items=20, orders=1500, seed=5)
    demo = await Demo.read(container)
    workflow = next(iter(demo.types.values()))["workflow"]
    active = Counter(
        (order["customer_id"], demo.lines[order["id"]][0]["item_id"])
        for order in demo.orders
        if not is_terminal(workflow, order["status"])
    )
    assert active
    assert max(active.values()) == 1


async def test_shop_numbers_restart_with_the_year_and_the_api_continues_this_year(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    january = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
    await load(container, BLUEPRINTS["shop"], items=30, orders=300, seed=2, now=january)
    demo = await Demo.read(container)
    by_year = Counter(order["number"][3:7] for order in demo.orders)
    counters = {c["period"]: c["value"] for c in demo.counters}
    assert counters == {"2025": by_year["2025"], "2026": by_year["2026"]}
    assert {o["number"] for o in demo.orders} >= {"FL-2025-000001", "FL-2026-000001"}
    item = next(i for i in demo.items.values() if i["status"] == "active" and i["stock"] != 0)
    body = {
        "order_type": "order",
        "lines": [{"item_id": item["id"], "quantity": "1"}],
        "attributes": {"delivery_type": "pickup"},
    }
    response = await client.post("/api/v1/orders", json=body, headers=admin_headers)
    assert response.json()["number"] == f"FL-2026-{by_year['2026'] + 1:06d}"


async def test_full_default_size_loads_with_realistic_statuses(
    container: Container,
) -> None:
    summary = await load_demo(container, "shop")
    demo = await Demo.read(container)
    now = utcnow()
    workflow = next(iter(demo.types.values()))["workflow"]
    old = [o for o in demo.orders if o["created_at"] < now - timedelta(days=14)]
    recent = [o for o in demo.orders if o["created_at"] > now - timedelta(hours=12)]
    assert summary is not None
    assert summary.startswith("3 units, 1000 items, 10000 orders")
    assert sum(is_terminal(workflow, o["status"]) for o in old) > 0.85 * len(old)
    assert sum(not is_terminal(workflow, o["status"]) for o in recent) >= 0.6 * len(recent)
    assert {"completed", "cancelled", "rejected", "done"} <= {o["status"] for o in demo.orders}
    assert sum(len(lines) for lines in demo.lines.values()) > len(demo.orders)
