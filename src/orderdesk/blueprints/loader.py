"""Load a blueprint into an empty database: definitions via the services, data in bulk."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth.models import User
from orderdesk.blueprints.base import (
    DAYS,
    DEMO_PASSWORD,
    Blueprint,
    Customer,
    Refs,
    World,
    check_steps,
)
from orderdesk.blueprints.generate import Generated, customer_rows, generate_orders, staff_rows
from orderdesk.catalog import service as catalog
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.catalog.schemas import CategoryCreate, ItemCreate
from orderdesk.catalog.service import item_search_text
from orderdesk.container import Container
from orderdesk.core.attributes import validate_attributes
from orderdesk.core.permissions import Principal
from orderdesk.db.types import utcnow
from orderdesk.orders import types_service
from orderdesk.orders.models import Order, OrderCounter, OrderEvent, OrderLine, OrderType
from orderdesk.reconciliation import service as reconciliation
from orderdesk.units import service as units_service
from orderdesk.units.models import Unit

BATCH = 2000
MIN_CUSTOMERS = 300
ORDERS_PER_CUSTOMER = 35
ITEM_DEFAULTS: dict[str, Any] = {
    "description": "",
    "category_id": None,
    "unit_id": None,
    "measure_unit": "шт",
    "currency": "RUB",
    "stock": None,
    "attributes": {},
    "tags": [],
    "status": "active",
    "archived_at": None,
    "archive_reason": None,
}


async def load(
    container: Container,
    blueprint: Blueprint,
    *,
    items: int,
    orders: int,
    seed: int,
    now: datetime | None = None,
) -> str | None:
    """Define and fill one blueprint in one transaction; None if there is data already."""
    started = time.perf_counter()
    now = now or utcnow()
    rng = random.Random(seed)
    password_hash = container.passwords.hash(DEMO_PASSWORD)  # argon2 is slow: hash once
    async with container.write_sessions() as session:
        if await has_data(session):
            return None
        refs = await define(session, blueprint)
        units = list(refs.units.values())
        staff = staff_rows(rng, units, password_hash, now)
        actors: dict[int | None, dict[str, int]] = {}
        for user_id, unit_id, role in await insert_rows(
            session, User, staff, returning=("id", "unit_id", "role")
        ):
            actors.setdefault(unit_id, {})[role] = user_id
        customer_count = max(MIN_CUSTOMERS, orders // ORDERS_PER_CUSTOMER)
        customers = [
            Customer(*row)
            for row in await insert_rows(
                session,
                User,
                customer_rows(rng, customer_count, now),
                returning=("id", "display_name", "phone"),
            )
        ]
        customers.sort(key=lambda customer: customer.id)
        item_rows, generated = plan(
            rng, blueprint, refs, customers, actors, items=items, orders=orders, now=now
        )
        public_items = [{k: v for k, v in row.items() if k[0] != "_"} for row in item_rows]
        inserted = await insert_rows(session, Item, public_items, returning=("sku", "id"))
        await _insert_orders(session, generated, item_rows, dict(inserted))
        summary = (
            f"{len(units)} units, {len(item_rows)} items, {len(generated.orders)} orders, "
            f"{len(customers)} customers; logins {units[0]['code']}.staff, "
            f"{units[0]['code']}.manager … / {DEMO_PASSWORD}"
        )
        await audit.record(
            session,
            action="demo.load",
            actor=Principal.system(),
            entity_type="blueprint",
            entity_id=blueprint.name,
            detail=summary,
        )
        await session.commit()
    return f"{summary} ({time.perf_counter() - started:.1f} s)"


async def has_data(session: AsyncSession) -> bool:
    """Whether the catalog, orders or non-admin users hold anything (never load twice)."""
    probes = [select(model.id).limit(1) for model in (Item, Order, ItemType, OrderType, Unit)]
    probes.append(select(Category.id).limit(1))
    probes.append(select(User.id).where(User.role != "admin").limit(1))
    for probe in probes:
        if (await session.execute(probe)).first() is not None:
            return True
    return False


async def define(session: AsyncSession, blueprint: Blueprint) -> Refs:
    """Create units, types and categories through the services, so they are validated."""
    system = Principal.system()
    units = {}
    for unit in blueprint.units:
        row = await units_service.create_unit(session=session, principal=system, data=unit)
        units[row["code"]] = row
    item_types = {}
    for item_type in blueprint.item_types:
        row = await catalog.create_item_type(session=session, principal=system, data=item_type)
        item_types[row["code"]] = row
    categories: dict[str, int] = {}
    for position, (name, parent) in enumerate(blueprint.categories):
        data = CategoryCreate(
            name=name, parent_id=categories[parent] if parent else None, position=position
        )
        row = await catalog.create_category(session=session, principal=system, data=data)
        categories[name] = row["id"]
    order_types = {}
    for order_type in blueprint.order_types:
        row = await types_service.create_order_type(
            session=session, principal=system, data=order_type
        )
        order_types[row["code"]] = row
    check_steps(blueprint, order_types)
    for rule in blueprint.reconciliation_rules:
        await reconciliation.create_rule(session=session, principal=system, data=rule)
    return Refs(units, item_types, categories, order_types)


def plan(
    rng: random.Random,
    blueprint: Blueprint,
    refs: Refs,
    customers: Sequence[Customer],
    actors: Mapping[int | None, Mapping[str, int]],
    *,
    items: int,
    orders: int,
    now: datetime,
) -> tuple[list[dict[str, Any]], Generated]:
    """Items and orders in memory, given the defined rows and the users' ids (no I/O)."""
    item_rows = make_items(rng, blueprint, refs, items, now)
    world = _world(blueprint, refs, item_rows)
    generated = generate_orders(
        rng, blueprint, world, customers, actors, orders if world.unit_ids else 0, now
    )
    _cover_open_demand(item_rows, generated)
    return item_rows, generated


def make_items(
    rng: random.Random, blueprint: Blueprint, refs: Refs, count: int, now: datetime
) -> list[dict[str, Any]]:
    """The blueprint's items, checked like the item service checks them, as full rows."""
    schemas = {row["id"]: row["attribute_schema"] for row in refs.item_types.values()}
    rows = []
    for draft in blueprint.make_items(rng, refs, count, now):
        row = {**ITEM_DEFAULTS, **draft}
        public = {k: v for k, v in row.items() if k in ItemCreate.model_fields}
        checked = ItemCreate.model_validate(public).model_dump()
        checked["attributes"] = validate_attributes(
            schemas[checked["item_type_id"]], checked["attributes"]
        )
        row.update(checked)
        created = now - timedelta(days=DAYS + rng.uniform(1, 60))
        row.update(created_at=created, updated_at=row["archived_at"] or created, version=1)
        row["search_text"] = item_search_text(
            Item(sku=row["sku"], name=row["name"], description=row["description"], tags=row["tags"])
        )
        rows.append(row)
    return rows


def _world(blueprint: Blueprint, refs: Refs, items: list[dict[str, Any]]) -> World:
    unit_ids = [unit["id"] for unit in refs.units.values()]
    by_unit: dict[int, list[int]] = {unit_id: [] for unit_id in unit_ids}
    for index, item in enumerate(items):
        if item["status"] == "active" and item["unit_id"] in by_unit:
            by_unit[item["unit_id"]].append(index)
    weights = list(blueprint.unit_weights) or [1.0] * len(unit_ids)
    usable = [(u, w) for u, w in zip(unit_ids, weights, strict=True) if by_unit[u]]
    return World(
        refs=refs,
        items=items,
        items_by_unit=by_unit,
        unit_ids=[u for u, _ in usable],
        unit_weights=[w for _, w in usable],
    )


def _cover_open_demand(items: list[dict[str, Any]], generated: Generated) -> None:
    """Orders waiting for acceptance must be acceptable: stock covers what they ask for."""
    for index, needed in generated.demand.items():
        stock = items[index]["stock"]
        if stock is not None and stock < needed:
            items[index]["stock"] = needed + Decimal(items[index]["stock"] or 0)


async def _insert_orders(
    session: AsyncSession,
    generated: Generated,
    items: list[dict[str, Any]],
    item_ids: Mapping[str, int],
) -> None:
    """Orders, then their lines and events under the new order ids, then the counters."""
    inserted = await insert_rows(
        session, Order, generated.orders, returning=("order_type_id", "number", "id")
    )
    order_ids = {(type_id, number): order_id for type_id, number, order_id in inserted}
    lines: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for order, order_lines, order_events in zip(
        generated.orders, generated.lines, generated.events, strict=True
    ):
        order_id = order_ids[order["order_type_id"], order["number"]]
        for line in order_lines:
            index = line.pop("_item")
            item_id = None if index is None else item_ids[items[index]["sku"]]
            line.update(order_id=order_id, item_id=item_id)
            lines.append(line)
        events.extend({**event, "order_id": order_id} for event in order_events)
    await insert_rows(session, OrderLine, lines)
    await insert_rows(session, OrderEvent, events)
    counters = [
        {"order_type_id": type_id, "period": period, "value": value}
        for (type_id, period), value in generated.counters.items()
    ]
    await insert_rows(session, OrderCounter, counters)


async def insert_rows(
    session: AsyncSession,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    *,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Core executemany in batches, returning the named columns of the new rows.

    Returned rows come in no promised order: callers match them by a unique key. (Asking
    SQLAlchemy to sort them by parameter order makes it insert row by row on SQLite.)
    """
    table = cast(Table, model.__table__)
    stmt = insert(table)
    if returning:
        stmt = stmt.returning(*(table.c[name] for name in returning))
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), BATCH):
        result = await session.execute(stmt, list(rows[start : start + BATCH]))
        if returning:
            out.extend(tuple(row) for row in result)
    return out
