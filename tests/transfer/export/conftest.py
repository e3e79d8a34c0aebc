"""A small shop for export tests: two units, typed attributes, Cyrillic names, orders with lines."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.jobs.queue import JobQueue
from tests.conftest import UserFactory
from tests.factories import (
    make_item,
    make_item_type,
    make_order,
    make_order_type,
    make_unit,
    principal_of,
)

FLOWER_SCHEMA: list[dict[str, Any]] = [
    {"name": "color", "label": {"ru": "Цвет", "en": "Colour"}, "type": "string"},
    {"name": "height", "label": {"ru": "Высота", "en": "Height"}, "type": "integer"},
    {"name": "margin", "label": {"ru": "Наценка", "en": "Margin"}, "type": "decimal"},
    {"name": "cut_on", "label": {"ru": "Срезан", "en": "Cut on"}, "type": "date"},
]
SERVICE_SCHEMA: list[dict[str, Any]] = [
    {"name": "minutes", "label": {"ru": "Минуты", "en": "Minutes"}, "type": "integer"},
]
ORDER_SCHEMA: list[dict[str, Any]] = [
    {"name": "address", "label": {"ru": "Адрес", "en": "Address"}, "type": "string"},
]


@dataclass
class Shop:
    north: dict[str, Any]
    south: dict[str, Any]
    flower: dict[str, Any]
    service: dict[str, Any]
    rose: dict[str, Any]
    tulip: dict[str, Any]
    delivery: dict[str, Any]
    alice: User
    bob: User
    staff_north: User
    alice_order: dict[str, Any]
    bob_order: dict[str, Any]


@pytest.fixture
async def shop(container: Container, make_user: UserFactory) -> Shop:
    north = await make_unit(container, "north", "Северный")
    south = await make_unit(container, "south", "Южный")
    flower = await make_item_type(container, "flower", FLOWER_SCHEMA)
    service = await make_item_type(container, "service", SERVICE_SCHEMA)
    rose = await make_item(
        container,
        flower["id"],
        sku="ROSE-1",
        name="Роза красная",
        price=Decimal("150.50"),
        stock=Decimal("12.5"),
        unit_id=north["id"],
        tags=["хит", "весна"],
        attributes={"color": "красный", "height": 60, "margin": "-0.25", "cut_on": "2026-03-01"},
    )
    tulip = await make_item(
        container,
        flower["id"],
        sku="TULIP-1",
        name="Тюльпан жёлтый",
        price=Decimal("90"),
        unit_id=south["id"],
        attributes={"color": "жёлтый"},
    )
    delivery = await make_item(
        container, service["id"], sku="DLV", name="Доставка", price=Decimal("300"),
        attributes={"minutes": 90},
    )  # fmt: skip
    await make_order_type(container, "request", attribute_schema=ORDER_SCHEMA)
    alice = await make_user("customer", username="alice", display_name="Алиса")
    bob = await make_user("customer", username="bob", display_name="Боб")
    staff_north = await make_user("staff", username="nina", unit_id=north["id"])
    alice_order = await make_order(
        container,
        principal=principal_of(alice),
        note="Позвонить за час",
        attributes={"address": "ул. Ленина, 1"},
        lines=[
            {"item_id": rose["id"], "quantity": "3"},
            {"item_id": delivery["id"], "quantity": "1"},
        ],
    )
    bob_order = await make_order(
        container,
        principal=principal_of(bob),
        lines=[{"item_id": tulip["id"], "quantity": "5"}],
    )
    return Shop(
        north, south, flower, service, rose, tulip, delivery, alice, bob, staff_north,
        alice_order, bob_order,
    )  # fmt: skip


@pytest.fixture
async def export_worker(container: Container) -> Any:
    """Run jobs for the duration of a test, in the shape the settings describe."""
    stop = asyncio.Event()
    if container.jobs.runner is not None:
        queue: JobQueue = container.jobs
        extra = None
    else:
        extra = Container.build(container.settings, run_jobs=True)
        queue = extra.jobs
    task = asyncio.create_task(queue.work(stop))
    try:
        yield queue
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        if extra is not None:
            await extra.close()
