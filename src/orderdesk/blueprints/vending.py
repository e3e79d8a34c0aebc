"""Vending (VHM24R): machines and products per branch, sales records of three sources, and
the reconciliation rules that pair them (machine export ↔ acquiring ↔ fiscal receipts)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orderdesk.blueprints.base import (
    Blueprint,
    Customer,
    OrderDraft,
    Step,
    World,
    label,
    weighted_days,
    workflow_status,
    workflow_transition,
)
from orderdesk.blueprints.vending_catalog import (
    CATEGORIES,
    MACHINE,
    MODELS,
    PRODUCT,
    UNITS,
    UNITS_WITH_SHARE,
    make_items,
)
from orderdesk.blueprints.vending_sales import (
    CASHLESS,
    METHODS,
    SOURCES,
    Sale,
    SourceRecord,
    all_records,
)
from orderdesk.orders.schemas import OrderTypeCreate
from orderdesk.reconciliation.rules import RuleCreate
from orderdesk.units.schemas import UnitCreate

MSK = timedelta(hours=3)
STAFF = ("admin", "manager", "staff")
MANAGERS = ("admin", "manager")
RECORDS_PER_SALE = 2.75  # machine + fiscal always, payment for 3 sales in 4
IMPORT_DELAY_MINUTES = {"machine": (2, 15), "payment": (0.5, 3), "fiscal": (0.1, 1)}

SALE = OrderTypeCreate.model_validate(
    {
        "code": "sale",
        "name": label("Продажа (запись источника)", "Sale (source record)"),
        "number_format": "ПРД-{seq:07d}",
        "attribute_schema": [
            {
                "name": "source",
                "label": label("Источник", "Source"),
                "type": "enum",
                "enum": list(SOURCES),
                "required": True,
            },
            {
                "name": "machine_code",
                "label": label("Код автомата", "Machine code"),
                "required": True,
                "max": 32,
            },
            {
                "name": "sold_at",
                "label": label("Время продажи", "Sold at"),
                "type": "datetime",
                "required": True,
            },
            {
                "name": "amount",
                "label": label("Сумма, ₽", "Amount, RUB"),
                "type": "decimal",
                "required": True,
                "min": 0,
                "max": 1_000_000,
            },
            {
                "name": "payment_method",
                "label": label("Способ оплаты", "Payment method"),
                "type": "enum",
                "enum": list(METHODS),
            },
            {
                "name": "receipt_number",
                "label": label("Номер чека / RRN", "Receipt / RRN"),
                "max": 64,
            },
            {"name": "product", "label": label("Товар", "Product"), "max": 200},
        ],  # fmt: skip
        "workflow": {
            "statuses": [
                workflow_status("new", "Загружена", "Imported"),
                workflow_status("confirmed", "Подтверждена", "Confirmed"),
                workflow_status("disputed", "Расхождение", "Disputed"),
                workflow_status("resolved", "Урегулирована", "Resolved"),
                workflow_status("cancelled", "Аннулирована", "Cancelled"),
            ],
            "initial": "new",
            "terminal": ["confirmed", "resolved", "cancelled"],
            "transitions": [
                workflow_transition("new", "confirmed", STAFF, "Подтвердить", "Confirm"),
                workflow_transition(
                    "new",
                    "disputed",
                    STAFF,
                    "Отметить расхождение",
                    "Dispute",
                    require_comment=True,
                ),
                workflow_transition(
                    "new", "cancelled", MANAGERS, "Аннулировать", "Cancel", require_comment=True
                ),
                workflow_transition("disputed", "confirmed", MANAGERS, "Подтвердить", "Confirm"),
                workflow_transition(
                    "disputed",
                    "resolved",
                    MANAGERS,
                    "Урегулировать",
                    "Resolve",
                    require_comment=True,
                ),
            ],  # fmt: skip
        },
    }
)


def _rule(code: str, ru: str, en: str, a: dict[str, Any], b: dict[str, Any], **more: Any) -> Any:
    spec = {"a": a, "b": b, "keys": ["machine_code"], "time_field": "sold_at",
            "window_seconds": 60, "amount_field": "amount", **more}  # fmt: skip
    return RuleCreate.model_validate({"code": code, "name": label(ru, en), "spec": spec})


def _side(source: str, ru: str, en: str, **where: Any) -> dict[str, Any]:
    return {"order_type": "sale", "where": {"source": source, **where}, "label": label(ru, en)}


MACHINE_SIDE = ("machine", "Отчёт автомата", "Machine export")
PAYMENT_SIDE = ("payment", "Эквайринг", "Acquiring")
FISCAL_SIDE = ("fiscal", "Фискальные чеки (ОФД)", "Fiscal receipts (OFD)")
RULES: tuple[RuleCreate, ...] = (
    _rule(
        "machine_vs_payment", "Автоматы ↔ эквайринг", "Machines ↔ acquiring",
        _side(*MACHINE_SIDE, payment_method=list(CASHLESS)), _side(*PAYMENT_SIDE),
    ),
    _rule(
        "machine_vs_fiscal", "Автоматы ↔ чеки ОФД", "Machines ↔ fiscal receipts",
        _side(*MACHINE_SIDE), _side(*FISCAL_SIDE),
    ),
    _rule(
        "payment_vs_fiscal", "Эквайринг ↔ чеки ОФД (допуск 1 ₽)",
        "Acquiring ↔ fiscal receipts (1 RUB tolerance)",
        _side(*PAYMENT_SIDE), _side(*FISCAL_SIDE, payment_method=list(CASHLESS)),
        amount_tolerance="1.00",
    ),
)  # fmt: skip

DISPUTES = (
    "Сумма в эквайринге не совпадает с отчётом автомата",
    "Нет чека в ОФД",
    "Двойное списание с карты покупателя",
    "Платёж пришёл без продажи",
)
CANCELS = ("Дубль записи при загрузке", "Тестовая продажа при обслуживании автомата")
STEPS: dict[str, list[Step]] = {
    "new": [
        Step("confirmed", 0.6, (60, 2880)),
        Step("disputed", 0.04, (60, 2880), comments=DISPUTES),
        Step("cancelled", 0.01, (120, 4320), actor="manager", comments=CANCELS),
        Step(None, 0.35),  # not looked at yet
    ],
    "disputed": [
        Step("resolved", 0.7, (120, 4320), actor="manager", comments=DISPUTES),
        Step("confirmed", 0.2, (60, 1440), actor="manager"),
        Step(None, 0.1),
    ],
}


def make_orders(
    rng: random.Random, world: World, customers: Sequence[Customer], count: int, now: datetime
) -> list[tuple[Customer, OrderDraft, datetime]]:
    """`count` source records of sales over the last 90 days, oldest first."""
    records: list[tuple[SourceRecord, int, int]] = []
    sales = 0
    while len(records) < count:
        batch = _sales(rng, world, now, int((count - len(records)) / RECORDS_PER_SALE) + 1, sales)
        sales += len(batch)
        records.extend(
            (record, unit_id, product)
            for record, (unit_id, product) in _records(rng, batch, sales == len(batch))
        )
    del records[count:]  # the last sale's remaining records: a few, not a gap in the data
    drafts = []
    for record, unit_id, product in records:
        minutes = IMPORT_DELAY_MINUTES[record.source]
        at = record.sold_at + timedelta(minutes=rng.uniform(*minutes))
        at = min(at, now - timedelta(seconds=1))
        drafts.append((rng.choice(customers), _draft(record, unit_id, product), at))
    drafts.sort(key=lambda entry: entry[2])
    return drafts


def _sales(
    rng: random.Random, world: World, now: datetime, count: int, first: int
) -> list[tuple[Sale, int, int]]:
    """Sales at machines of each branch: (sale, unit id, product item index)."""
    out = []
    for n, at in enumerate(weighted_days(rng, now - timedelta(minutes=20), count)):
        unit_id = rng.choices(world.unit_ids, weights=world.unit_weights)[0]
        indexes = world.items_by_unit[unit_id]
        machines = [i for i in indexes if world.items[i]["_kind"] == "machine"]
        products = [i for i in indexes if world.items[i]["_kind"] == "product"]
        machine = world.items[rng.choice(machines)]
        kind = MODELS[machine["attributes"]["model"]]
        fitting = [i for i in products if world.items[i]["attributes"].get("machine_kind") == kind]
        product = rng.choice(fitting or products)
        method = rng.choices(METHODS, weights=(25, 55, 20))[0]
        sale = Sale(
            first + n + 1, machine["attributes"]["machine_code"], world.items[product]["name"],
            world.items[product]["price"], at.replace(microsecond=0), method,
        )  # fmt: skip
        out.append((sale, unit_id, product))
    return out


def _records(
    rng: random.Random, batch: list[tuple[Sale, int, int]], showcase: bool
) -> list[tuple[SourceRecord, tuple[int, int]]]:
    where = {sale.number: (unit_id, product) for sale, unit_id, product in batch}
    sales = [sale for sale, _, _ in batch]
    records = all_records(rng, sales) if showcase else all_records(rng, sales, showcase=False)
    # An orphan payment (sale 0) is booked to the branch of the sale it was generated beside.
    out, last = [], where[sales[0].number] if sales else (0, 0)
    for record in records:
        last = where.get(record.sale, last)
        if record.defect != "missing":
            out.append((record, last))
    return out


def _draft(record: SourceRecord, unit_id: int, product: int) -> OrderDraft:
    attributes = {
        "source": record.source,
        "machine_code": record.machine,
        "sold_at": (record.sold_at + MSK).replace(tzinfo=None).isoformat() + "+03:00",
        "amount": str(record.amount),
        "payment_method": record.method,
        "receipt_number": record.receipt,
        "product": record.product,
    }
    return OrderDraft(
        order_type="sale",
        unit_id=unit_id,
        lines=[(product, Decimal(1))],
        attributes=attributes,
        channel="import",
        by_staff=True,
    )


def make_order(rng: random.Random, world: World, customer: Customer, at: datetime) -> OrderDraft:
    """Not used: vending records come in groups per sale (see make_orders)."""
    raise NotImplementedError


VENDING = Blueprint(
    name="vending",
    title="Вендинг: сверка продаж (VHM24R)",
    units=[UnitCreate(code=code, name=name, kind="branch") for code, name, _ in UNITS],
    item_types=[MACHINE, PRODUCT],
    categories=CATEGORIES,
    order_types=[SALE],
    steps={"sale": STEPS},
    make_items=make_items,
    make_order=make_order,
    unit_weights=[share for *_, share in UNITS_WITH_SHARE],
    make_orders=make_orders,
    reconciliation_rules=RULES,
)
