"""Flower shop (Flurai): shops, products with stock, and the delivery/pickup order workflow."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orderdesk.blueprints import names
from orderdesk.blueprints.base import (
    Blueprint,
    Customer,
    OrderDraft,
    Step,
    World,
    label,
    workflow_status,
    workflow_transition,
)
from orderdesk.blueprints.shop_catalog import COLORS, make_items
from orderdesk.catalog.schemas import ItemTypeCreate
from orderdesk.orders.schemas import Channel, OrderTypeCreate
from orderdesk.units.schemas import UnitCreate

SHOPS = (  # code, name, city, share of orders
    ("fleur-msk", "Цветочная мастерская «Флёр»", "Москва", 0.5),
    ("belyi-pion-spb", "Салон цветов «Белый пион»", "Санкт-Петербург", 0.3),
    ("romashka-kzn", "Цветочный дом «Ромашка»", "Казань", 0.2),
)
SLOTS = ["09:00–12:00", "12:00–15:00", "15:00–18:00", "18:00–21:00"]
STAFF = ("admin", "manager", "staff")
ANYONE = ("admin", "manager", "staff", "customer")

PRODUCT = ItemTypeCreate.model_validate(
    {
        "code": "product",
        "name": label("Товар", "Product"),
        "attribute_schema": [
            {"name": "color", "label": label("Цвет", "Colour"), "type": "enum", "enum": COLORS},
            {
                "name": "stem_length",
                "label": label("Длина стебля, см", "Stem length, cm"),
                "type": "integer",
                "min": 20,
                "max": 200,
            },
            {"name": "variety", "label": label("Сорт", "Variety"), "max": 100},
            {"name": "country", "label": label("Страна", "Country of origin"), "max": 60},
            {
                "name": "composition",
                "label": label("Состав", "Composition"),
                "type": "text",
                "max": 1000,
            },
        ],
    }
)


ORDER = OrderTypeCreate.model_validate(
    {
        "code": "order",
        "name": label("Заказ", "Order"),
        "number_format": "FL-{year}-{seq:06d}",
        "vat_rate": 22,
        "prices_include_vat": True,
        "attribute_schema": [
            {
                "name": "delivery_type",
                "label": label("Способ получения", "Delivery type"),
                "type": "enum",
                "enum": ["delivery", "pickup"],
                "required": True,
            },
            {"name": "address", "label": label("Адрес доставки", "Delivery address"), "max": 300},
            {"name": "delivery_date", "label": label("Дата", "Date"), "type": "date"},
            {
                "name": "delivery_slot",
                "label": label("Интервал", "Time slot"),
                "type": "enum",
                "enum": SLOTS,
            },
            {"name": "recipient_name", "label": label("Получатель", "Recipient"), "max": 200},
            {
                "name": "recipient_phone",
                "label": label("Телефон получателя", "Recipient phone"),
                "max": 32,
            },
            {
                "name": "card_text",
                "label": label("Текст открытки", "Card text"),
                "type": "text",
                "max": 500,
            },
        ],
        "workflow": {
            "statuses": [
                workflow_status("pending", "Новый", "New"),
                workflow_status("accepted", "Принят", "Accepted"),
                workflow_status("rejected", "Отклонён", "Rejected"),
                workflow_status("assembling", "Собирается", "Being assembled"),
                workflow_status("in_transit", "В пути", "In transit"),
                workflow_status("ready_for_pickup", "Готов к выдаче", "Ready for pickup"),
                workflow_status("done", "Доставлен", "Delivered"),
                workflow_status("completed", "Получение подтверждено", "Completed"),
                workflow_status("cancelled", "Отменён", "Cancelled"),
            ],
            "initial": "pending",
            "terminal": ["rejected", "completed", "cancelled"],
            # Lines change only before acceptance: later, stock has already been deducted.
            "editable": ["pending"],
            "transitions": [
                workflow_transition(
                    "pending", "accepted", STAFF, "Принять", "Accept", stock="deduct"
                ),
                workflow_transition(
                    "pending", "rejected", STAFF, "Отклонить", "Reject", require_comment=True
                ),
                workflow_transition("pending", "cancelled", ANYONE, "Отменить", "Cancel"),
                workflow_transition(
                    "accepted", "assembling", STAFF, "Начать сборку", "Start assembling"
                ),
                workflow_transition(
                    "accepted", "cancelled", ANYONE, "Отменить", "Cancel", stock="return"
                ),
                workflow_transition(
                    "assembling", "in_transit", STAFF, "Передать курьеру", "Hand to courier"
                ),
                workflow_transition(
                    "assembling", "ready_for_pickup", STAFF, "Готов к выдаче", "Ready"
                ),
                workflow_transition("in_transit", "done", STAFF, "Доставлен", "Delivered"),
                workflow_transition("ready_for_pickup", "done", STAFF, "Выдан", "Handed over"),
                workflow_transition(
                    "done",
                    "completed",
                    ("customer", "manager", "admin"),
                    "Подтвердить получение",
                    "Confirm receipt",
                ),
            ],
        },
    }
)

CATEGORIES = (
    ("Цветы поштучно", None),
    ("Розы", "Цветы поштучно"),
    ("Тюльпаны", "Цветы поштучно"),
    ("Хризантемы", "Цветы поштучно"),
    ("Пионы", "Цветы поштучно"),
    ("Букеты", None),
    ("Композиции", None),
    ("Горшечные растения", None),
    ("Подарки", None),
)


def _delivery(attributes: Mapping[str, Any]) -> bool:
    return attributes.get("delivery_type") == "delivery"


def _pickup(attributes: Mapping[str, Any]) -> bool:
    return attributes.get("delivery_type") == "pickup"


REJECTIONS = (
    "Нет нужных цветов в наличии",
    "Не успеваем собрать к выбранному времени",
    "Адрес вне зоны доставки",
    "Не удалось связаться с покупателем",
)
STEPS: dict[str, list[Step]] = {
    "pending": [
        Step("accepted", 0.87, (3, 60)),
        Step("rejected", 0.05, (5, 90), comments=REJECTIONS),
        Step("cancelled", 0.06, (2, 120), actor="customer"),
        Step("cancelled", 0.02, (5, 60), comments=("Покупатель отменил по телефону",)),
    ],
    "accepted": [
        Step("assembling", 0.95, (10, 120)),
        Step("cancelled", 0.05, (5, 120), actor="customer"),
    ],
    "assembling": [
        Step("in_transit", 1, (20, 180), when=_delivery),
        Step("ready_for_pickup", 1, (20, 180), when=_pickup),
    ],
    "in_transit": [Step("done", 1, (30, 150))],
    "ready_for_pickup": [Step("done", 1, (30, 1440))],
    "done": [
        Step("completed", 0.75, (20, 2880), actor="customer"),
        Step("completed", 0.15, (1440, 4320), actor="manager"),
        Step(None, 0.1),  # the buyer never confirmed and nobody closed it
    ],
}

CARDS = (
    "С днём рождения!", "Люблю тебя", "С годовщиной!", "Спасибо за всё", "Просто так :)",
    "Выздоравливай скорее", "Поздравляю с новой работой!", "Для самой лучшей мамы",
)  # fmt: skip
NOTES = (
    "Позвонить получателю за час до доставки",
    "Это сюрприз, не звонить в домофон",
    "Без открытки",
    "Упаковать без целлофана",
    "Оставить у консьержа",
)
CHANNELS: tuple[Channel, ...] = ("mini_app", "telegram", "web")
STEM_COUNTS = (1, 3, 5, 7, 9, 11, 15, 21, 25)
CITY_OF = {code: city for code, _, city, _ in SHOPS}


def make_order(rng: random.Random, world: World, customer: Customer, at: datetime) -> OrderDraft:
    """A cart from one shop (1–4 lines with delivery), delivered or picked up."""
    unit_id = rng.choices(world.unit_ids, weights=world.unit_weights)[0]
    city = next(CITY_OF[code] for code, u in world.refs.units.items() if u["id"] == unit_id)
    delivery = rng.random() < 0.7
    stock = world.items_by_unit[unit_id]
    picked = rng.sample(stock, k=min(_line_count(rng, delivery), len(stock)))
    lines = [(index, _quantity(rng, world.items[index]["_kind"])) for index in picked]
    goods = sum(world.items[i]["price"] * q for i, q in lines)
    local = at + timedelta(hours=3)
    attributes: dict[str, Any] = {
        "delivery_type": "delivery" if delivery else "pickup",
        "delivery_date": (local + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2))))
        .date()
        .isoformat(),
        "delivery_slot": rng.choice(SLOTS),
    }
    services = []
    if delivery:
        attributes["address"] = names.address(rng, city)
        if goods < 5000:
            services.append(("Доставка", Decimal(rng.choice((350, 450, 590)))))
    if rng.random() < 0.45:
        attributes["recipient_name"] = names.person(rng).full_name
        attributes["recipient_phone"] = names.phone(rng)
    elif customer.phone:
        attributes["recipient_name"] = customer.name
        attributes["recipient_phone"] = customer.phone
    if rng.random() < 0.35:
        attributes["card_text"] = rng.choice(CARDS)
    channel: Channel = rng.choices(CHANNELS, weights=(55, 25, 20))[0]
    return OrderDraft(
        order_type="order",
        unit_id=unit_id,
        lines=lines,
        services=services,
        attributes=attributes,
        note=rng.choice(NOTES) if rng.random() < 0.15 else "",
        channel=channel,
        by_staff=channel == "web" and rng.random() < 0.4,
    )


def _line_count(rng: random.Random, delivery: bool) -> int:
    count = rng.choices((1, 2, 3, 4), weights=(50, 30, 15, 5))[0]
    return min(count, 3) if delivery else count


def _quantity(rng: random.Random, kind: str) -> Decimal:
    if kind == "stem":
        return Decimal(rng.choice(STEM_COUNTS))
    if kind in ("plant", "gift"):
        return Decimal(rng.choice((1, 1, 1, 2)))
    return Decimal(1)


SHOP = Blueprint(
    name="shop",
    title="Цветочный магазин (Flurai)",
    units=[
        UnitCreate(code=code, name=f"{name}, {city}", kind="shop") for code, name, city, _ in SHOPS
    ],
    item_types=[PRODUCT],
    categories=CATEGORIES,
    order_types=[ORDER],
    steps={"order": STEPS},
    make_items=make_items,
    make_order=make_order,
    unit_weights=[share for *_, share in SHOPS],
)
