"""Demo generation without a database: reproducible, and consistent with the workflows."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orderdesk.blueprints import BLUEPRINTS, Blueprint
from orderdesk.blueprints.base import MSK, Customer, Refs, Step, check_steps
from orderdesk.blueprints.loader import plan
from orderdesk.core.attributes import check_schema
from orderdesk.orders.workflow import check_workflow

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NAMES = sorted(BLUEPRINTS)


def fake_refs(blueprint: Blueprint) -> Refs:
    """The rows the services would return, with made-up ids."""
    units = {
        u.code: {"id": n, "code": u.code, "name": u.name, "kind": u.kind}
        for n, u in enumerate(blueprint.units, 1)
    }
    item_types = {
        t.code: {"id": n, "code": t.code, "attribute_schema": check_schema(t.attribute_schema)}
        for n, t in enumerate(blueprint.item_types, 1)
    }
    categories = {name: n for n, (name, _) in enumerate(blueprint.categories, 1)}
    order_types = {
        t.code: {
            **t.model_dump(exclude={"workflow", "attribute_schema"}),
            "id": n,
            "workflow": check_workflow(t.workflow),
            "attribute_schema": check_schema(t.attribute_schema),
        }
        for n, t in enumerate(blueprint.order_types, 1)
    }
    return Refs(units, item_types, categories, order_types)


def make_plan(blueprint: Blueprint, seed: int, orders: int = 300) -> tuple[list[Any], Any]:
    refs = fake_refs(blueprint)
    customers = [Customer(1000 + n, f"Клиент {n}", "+7 (900) 000-00-00") for n in range(50)]
    actors: dict[int | None, dict[str, int]] = {
        unit["id"]: {"staff": 100 + unit["id"], "manager": 200 + unit["id"]}
        for unit in refs.units.values()
    }
    return plan(
        random.Random(seed), blueprint, refs, customers, actors, items=40, orders=orders, now=NOW
    )


@pytest.mark.parametrize("name", NAMES)
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(name: str) -> None:
    blueprint = BLUEPRINTS[name]
    items, generated = make_plan(blueprint, seed=1)
    again_items, again = make_plan(blueprint, seed=1)
    other_items, other = make_plan(blueprint, seed=2)
    assert (items, generated.orders, generated.events) == (
        again_items,
        again.orders,
        again.events,
    )
    assert generated.orders != other.orders
    assert items != other_items


@pytest.mark.parametrize("name", NAMES)
def test_staff_change_statuses_only_in_working_hours(name: str) -> None:
    _, generated = make_plan(BLUEPRINTS[name], seed=4, orders=1000)
    staff_ids = {100 + n for n in range(1, 20)} | {200 + n for n in range(1, 20)}
    hours = [
        (event["at"] + MSK).hour
        for events in generated.events
        for event in events[1:]
        if event["actor_id"] in staff_ids
    ]
    assert hours
    assert all(9 <= hour < 21 for hour in hours)
    assert all(
        event["at"] < NOW and event["at"] > NOW - timedelta(days=91)
        for events in generated.events
        for event in events
    )


def test_a_step_the_workflow_does_not_allow_is_refused() -> None:
    shop = BLUEPRINTS["shop"]
    refs = fake_refs(shop)
    skipping = {"order": {**shop.steps["order"], "pending": [Step("completed", 1)]}}
    customer_rejects = {"order": {"pending": [Step("rejected", 1, actor="customer")]}}
    silent_reject = {"order": {"pending": [Step("rejected", 1)]}}
    check_steps(shop, refs.order_types)
    for steps in (skipping, customer_rejects, silent_reject):
        with pytest.raises(ValueError, match="pending->"):
            check_steps(replace(shop, steps=steps), refs.order_types)


def test_open_shop_orders_leave_enough_stock_to_be_accepted() -> None:
    items, generated = make_plan(BLUEPRINTS["shop"], seed=5, orders=3000)
    assert generated.demand
    for index, needed in generated.demand.items():
        assert items[index]["stock"] >= needed
