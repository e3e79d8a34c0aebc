"""What a blueprint is: definitions made through the services, plus demo data generators."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from orderdesk.catalog.schemas import ItemTypeCreate
from orderdesk.orders.schemas import Channel, OrderTypeCreate
from orderdesk.orders.workflow import find_transition
from orderdesk.reconciliation.rules import RuleCreate
from orderdesk.units.schemas import UnitCreate

ActorKind = Literal["customer", "staff", "manager"]
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed in the summary on purpose
DAYS = 90
MSK = timedelta(hours=3)
OPENS, CLOSES = 9, 21


def label(ru: str, en: str) -> dict[str, str]:
    return {"ru": ru, "en": en}


def workflow_status(code: str, ru: str, en: str) -> dict[str, Any]:
    """A workflow status with its Russian and English label."""
    return {"code": code, "label": label(ru, en)}


def workflow_transition(
    src: str, to: str, roles: Sequence[str], ru: str, en: str, **extra: Any
) -> dict[str, Any]:
    """A workflow transition (as the order type API takes it) with a ru/en button label."""
    return {"from": src, "to": to, "roles": list(roles), "label": label(ru, en), **extra}


@dataclass(frozen=True, slots=True)
class Step:
    """One possible next move of a demo order; `to=None` means it stays where it is."""

    to: str | None
    weight: float
    minutes: tuple[float, float] = (5, 60)
    actor: ActorKind = "staff"
    comments: tuple[str, ...] = ()
    when: Callable[[Mapping[str, Any]], bool] | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """A status change that happened in the generated history."""

    from_status: str
    to: str
    at: datetime
    actor: ActorKind
    comment: str


@dataclass(frozen=True, slots=True)
class Refs:
    """Rows the blueprint defined through the services, by code or name."""

    units: dict[str, dict[str, Any]]
    item_types: dict[str, dict[str, Any]]
    categories: dict[str, int]
    order_types: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    phone: str | None


@dataclass(slots=True)
class OrderDraft:
    """An order before numbering and history: lines refer to items by list index."""

    order_type: str
    unit_id: int | None
    lines: list[tuple[int, Decimal]]
    services: list[tuple[str, Decimal]] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    channel: Channel = "telegram"
    by_staff: bool = False


@dataclass(frozen=True, slots=True)
class World:
    """What order generators may pick from."""

    refs: Refs
    items: list[dict[str, Any]]
    items_by_unit: dict[int, list[int]]
    unit_ids: list[int]
    unit_weights: list[float]


ItemMaker = Callable[[random.Random, Refs, int, datetime], list[dict[str, Any]]]
OrderMaker = Callable[[random.Random, World, Customer, datetime], OrderDraft]
# All orders at once, oldest first, for blueprints whose orders come in related groups.
OrdersMaker = Callable[
    [random.Random, World, Sequence[Customer], int, datetime],
    list[tuple[Customer, OrderDraft, datetime]],
]


@dataclass(frozen=True)
class Blueprint:
    """A ready-made setup: units, item and order types, categories and demo data."""

    name: str
    title: str
    units: Sequence[UnitCreate]
    item_types: Sequence[ItemTypeCreate]
    categories: Sequence[tuple[str, str | None]]
    order_types: Sequence[OrderTypeCreate]
    steps: Mapping[str, Mapping[str, Sequence[Step]]]
    make_items: ItemMaker
    make_order: OrderMaker
    unit_weights: Sequence[float] = ()
    make_orders: OrdersMaker | None = None
    reconciliation_rules: Sequence[RuleCreate] = ()


def walk(
    rng: random.Random,
    steps: Mapping[str, Sequence[Step]],
    initial: str,
    start: datetime,
    now: datetime,
    attributes: Mapping[str, Any],
) -> list[Move]:
    """Random history of one order; it stops at the present, so recent orders stay open."""
    status, at = initial, start
    moves: list[Move] = []
    while True:
        options = [s for s in steps.get(status, ()) if s.when is None or s.when(attributes)]
        if not options:
            return moves
        step = rng.choices(options, weights=[s.weight for s in options])[0]
        if step.to is None:
            return moves
        at += timedelta(minutes=rng.uniform(*step.minutes))
        if step.actor != "customer":
            at = _working_hours(rng, at)
        if at >= now:
            return moves
        comment = rng.choice(step.comments) if step.comments else ""
        moves.append(Move(status, step.to, at, step.actor, comment))
        status = step.to


def _working_hours(rng: random.Random, at: datetime) -> datetime:
    """Staff act between 09:00 and 21:00 Moscow time (UTC+3); later work waits till morning."""
    local = at + MSK
    if OPENS <= local.hour < CLOSES:
        return at
    morning = local.replace(hour=OPENS, minute=0, second=0, microsecond=0)
    if local.hour >= CLOSES:
        morning += timedelta(days=1)
    return morning - MSK + timedelta(minutes=rng.uniform(0, 90))


def check_steps(blueprint: Blueprint, order_types: Mapping[str, Mapping[str, Any]]) -> None:
    """Every generated move must be one the workflow allows to that actor's role."""
    for code, by_status in blueprint.steps.items():
        workflow = order_types[code]["workflow"]
        for status, steps in by_status.items():
            for step in steps:
                if step.to is None:
                    continue
                rule = find_transition(workflow, status, step.to)
                if rule is None or step.actor not in rule["roles"]:
                    raise ValueError(f"{blueprint.name}: {code} {status}->{step.to} not allowed")
                if rule.get("require_comment") and not step.comments:
                    raise ValueError(f"{blueprint.name}: {code} {status}->{step.to} needs comments")


def money(value: float | int, step: int = 10) -> Decimal:
    """A price rounded to `step` roubles, e.g. 1234.5 → 1230.00."""
    return Decimal(int(round(value / step)) * step).quantize(Decimal("0.01"))


def weighted_days(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    """Sorted creation times over the last DAYS days: busier recently, at weekends, by day."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    days = [midnight - timedelta(days=back) for back in range(DAYS)]
    weights = [
        (1.0 - 0.4 * back / DAYS) * (1.3 if day.weekday() >= 5 else 1.0)
        for back, day in enumerate(days)
    ]
    times = []
    for day in rng.choices(days, weights=weights, k=count):
        # Hours are Moscow time (UTC+3): quiet nights, peaks at lunch and in the evening.
        hour = rng.choices(range(24), cum_weights=_HOURS_CUMULATIVE)[0]
        at = day + timedelta(hours=hour - 3, seconds=rng.randrange(3600))
        if at >= now:
            at -= timedelta(days=1)
        if at <= now - timedelta(days=DAYS):
            at += timedelta(days=1)
        times.append(at)
    return sorted(times)


_HOURS = (0.2,) * 7 + (
    0.6,
    1,
    1.3,
    1.5,
    1.6,
    1.8,
    1.6,
    1.4,
    1.4,
    1.5,
    1.8,
    2,
    1.9,
    1.5,
    1,
    0.6,
    0.3,
)
_HOURS_CUMULATIVE = list(itertools.accumulate(_HOURS))
