"""Demo rows in memory: users, and orders with lines, history, numbers and counters."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orderdesk.auth.models import User
from orderdesk.auth.users import user_search_text
from orderdesk.blueprints import names
from orderdesk.blueprints.base import (
    DAYS,
    Blueprint,
    Customer,
    OrderDraft,
    World,
    walk,
    weighted_days,
)
from orderdesk.core.attributes import validate_attributes
from orderdesk.orders.models import Order
from orderdesk.orders.numbering import period_of, render_number
from orderdesk.orders.service import order_search_text
from orderdesk.orders.totals import compute_totals, line_amount

ONE = Decimal(1)


@dataclass(slots=True)
class Generated:
    """Order rows with their lines and events (no ids yet) and the counters they used."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    lines: list[list[dict[str, Any]]] = field(default_factory=list)
    events: list[list[dict[str, Any]]] = field(default_factory=list)
    counters: dict[tuple[int, str], int] = field(default_factory=dict)
    demand: dict[int, Decimal] = field(default_factory=dict)


def user_row(now: datetime, **values: Any) -> dict[str, Any]:
    """A full users row (every column, so that executemany batches stay uniform)."""
    row: dict[str, Any] = {
        "username": None,
        "email": None,
        "password_hash": None,
        "telegram_id": None,
        "display_name": "",
        "phone": None,
        "locale": "ru",
        "role": "customer",
        "status": "active",
        "unit_id": None,
        "failed_logins": 0,
        "locked_until": None,
        "last_login_at": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    row.update(values)
    fields = ("username", "email", "display_name", "phone", "telegram_id")
    row["search_text"] = user_search_text(User(**{name: row[name] for name in fields}))
    return row


def customer_rows(rng: random.Random, count: int, now: datetime) -> list[dict[str, Any]]:
    """Customers without passwords: most came through Telegram, some left an e-mail."""
    telegram_ids = rng.sample(range(100_000_000, 7_000_000_000), count)
    rows = []
    for index in range(count):
        person = names.person(rng)
        telegram = telegram_ids[index] if rng.random() < 0.65 else None
        email = None
        if telegram is None or rng.random() < 0.3:
            login = f"{names.translit(person.first)}.{names.translit(person.last)}"
            email = f"{login}{index + 1}@example.com"
        registered = now - timedelta(days=DAYS + rng.uniform(1, 400))
        rows.append(
            user_row(
                registered,
                email=email,
                telegram_id=telegram,
                display_name=person.full_name,
                phone=names.phone(rng) if telegram or rng.random() < 0.7 else None,
            )
        )
    return rows


def staff_rows(
    rng: random.Random, units: Sequence[Mapping[str, Any]], password_hash: str, now: datetime
) -> list[dict[str, Any]]:
    """One staff member and one manager per unit, both with the demo password."""
    return [
        user_row(
            now - timedelta(days=DAYS + 30),
            username=f"{unit['code']}.{role}",
            password_hash=password_hash,
            display_name=names.person(rng).full_name,
            phone=names.phone(rng),
            role=role,
            unit_id=unit["id"],
        )
        for unit in units
        for role in ("staff", "manager")
    ]


class _CustomerPicker:
    """Some customers order often, most rarely (a heavy-tailed share per customer)."""

    def __init__(self, rng: random.Random, customers: Sequence[Customer]) -> None:
        self._rng = rng
        self._customers = customers
        self._cumulative = list(itertools.accumulate(rng.paretovariate(1.2) for _ in customers))

    def __call__(self) -> Customer:
        return self._rng.choices(self._customers, cum_weights=self._cumulative)[0]


def generate_orders(
    rng: random.Random,
    blueprint: Blueprint,
    world: World,
    customers: Sequence[Customer],
    actors: Mapping[int | None, Mapping[str, int]],
    count: int,
    now: datetime,
) -> Generated:
    """Orders spread over the last DAYS days, each walked along its workflow up to now."""
    out = Generated()
    if not world.items or not customers:
        return out
    if blueprint.make_orders is not None:
        for customer, draft, at in blueprint.make_orders(rng, world, customers, count, now):
            _add_order(rng, out, blueprint, world, actors, customer, draft, at, now, {})
        return out
    pick = _CustomerPicker(rng, customers)
    # (customer, item) → when its active request ended (None: it is still active)
    busy: dict[tuple[int, int], datetime | None] = {}
    for at in weighted_days(rng, now, count):
        for _attempt in range(20):
            customer = pick()
            draft = blueprint.make_order(rng, world, customer, at)
            if _add_order(rng, out, blueprint, world, actors, customer, draft, at, now, busy):
                break
    return out


def _add_order(
    rng: random.Random,
    out: Generated,
    blueprint: Blueprint,
    world: World,
    actors: Mapping[int | None, Mapping[str, int]],
    customer: Customer,
    draft: OrderDraft,
    at: datetime,
    now: datetime,
    busy: dict[tuple[int, int], datetime | None],
) -> bool:
    """Number, price and walk one draft; False if it would break one-active-per-item."""
    order_type = world.refs.order_types[draft.order_type]
    workflow = order_type["workflow"]
    attributes = validate_attributes(order_type["attribute_schema"], draft.attributes)
    moves = walk(rng, blueprint.steps[draft.order_type], workflow["initial"], at, now, attributes)
    status = moves[-1].to if moves else workflow["initial"]
    open_ = status not in workflow["terminal"]
    if order_type["one_active_per_item"]:
        keys = [(customer.id, index) for index, _ in draft.lines]
        if any((end := busy.get(key, at)) is None or end > at for key in keys):
            return False
        busy.update(dict.fromkeys(keys, None if open_ else moves[-1].at))
    lines = _lines(world, draft)
    totals = compute_totals(
        (line["amount"] for line in lines), order_type["vat_rate"], order_type["prices_include_vat"]
    )
    fmt = order_type["number_format"]
    key = (order_type["id"], period_of(fmt, at))
    out.counters[key] = seq = out.counters.get(key, 0) + 1
    number = render_number(fmt, seq, at)
    unit_actors = actors.get(draft.unit_id) or next(iter(actors.values()))
    creator = unit_actors["staff"] if draft.by_staff else customer.id
    out.orders.append(
        {
            "order_type_id": order_type["id"],
            "number": number,
            "status": status,
            "customer_id": customer.id,
            "unit_id": draft.unit_id,
            "channel": draft.channel,
            "external_source": None,
            "external_ref": None,
            "currency": order_type["currency"],
            "subtotal": totals.subtotal,
            "vat_amount": totals.vat_amount,
            "total": totals.total,
            "attributes": attributes,
            "note": draft.note,
            "starts_at": None,
            "ends_at": None,
            "created_by_id": creator,
            "search_text": order_search_text(
                Order(number=number, external_ref=None, note=draft.note), lines
            ),
            "version": 1 + len(moves),
            "created_at": at,
            "updated_at": moves[-1].at if moves else at,
        }
    )
    out.lines.append(lines)
    events = [_event("created", None, workflow["initial"], creator, "", at)]
    for move in moves:
        actor = customer.id if move.actor == "customer" else unit_actors[move.actor]
        events.append(
            _event("status_changed", move.from_status, move.to, actor, move.comment, move.at)
        )
    out.events.append(events)
    if status in _before_deduction(workflow):
        for line in lines:
            if line["_item"] is not None:
                index = line["_item"]
                out.demand[index] = out.demand.get(index, Decimal(0)) + line["quantity"]
    return True


def _lines(world: World, draft: OrderDraft) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for index, quantity in draft.lines:
        item = world.items[index]
        lines.append(_line(len(lines), index, item["sku"], item["name"], item, quantity))
    for name, price in draft.services:
        lines.append(_line(len(lines), None, "", name, {"price": price}, ONE))
    return lines


def _line(
    position: int,
    index: int | None,
    sku: str,
    name: str,
    item: Mapping[str, Any],
    quantity: Decimal,
) -> dict[str, Any]:
    price = item["price"]
    return {
        "position": position,
        "_item": index,
        "sku": sku,
        "name": name,
        "measure_unit": item.get("measure_unit", "шт"),
        "quantity": quantity,
        "unit_price": price,
        "coefficient": ONE,
        "amount": line_amount(quantity, price, ONE),
    }


def _event(
    kind: str, from_status: str | None, to: str, actor: int, comment: str, at: datetime
) -> dict[str, Any]:
    return {
        "kind": kind,
        "from_status": from_status,
        "to_status": to,
        "actor_id": actor,
        "comment": comment,
        "at": at,
    }


def _before_deduction(workflow: Mapping[str, Any]) -> set[str]:
    """Statuses that still have stock to take: the sources of "deduct" transitions."""
    return {tr["from"] for tr in workflow.get("transitions", []) if tr.get("stock") == "deduct"}
