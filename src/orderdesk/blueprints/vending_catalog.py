"""Vending branches, machines and the products they sell."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orderdesk.blueprints.base import Refs, label
from orderdesk.catalog.schemas import ItemTypeCreate

UNITS = (  # code, name, (placements, streets), share of sales
    ("msk-center", "Москва — Центр",
     (("БЦ «Аврора»", "ТЦ «Охотный ряд»", "МГТУ им. Н. Э. Баумана, корпус 2",
       "Станция метро «Китай-город»", "Поликлиника № 3"),
      ("ул. Тверская", "ул. Садовническая", "ул. Бауманская", "ул. Маросейка"))),
    ("msk-north", "Москва — Север",
     (("ТЦ «Авиапарк»", "Станция метро «Речной вокзал»", "Фитнес-клуб «Прайм»",
       "МАИ, учебный корпус 4", "Городская больница № 50"),
      ("Ленинградский пр-т", "ул. Фестивальная", "Дмитровское ш.", "ул. Вилиса Лациса"))),
    ("khimki", "Химки",
     (("Ж/д станция Химки", "ТЦ «Мега Химки»", "Бизнес-парк «Химки»", "МФЦ Химки"),
      ("Ленинградское ш.", "ул. Лавочкина", "пр-т Мира", "ул. Московская"))),
)  # fmt: skip
UNITS_WITH_SHARE = tuple(
    (code, name, places, share)
    for (code, name, places), share in zip(UNITS, (0.45, 0.35, 0.2), strict=True)
)
MODELS = {  # model → kind of machine
    "Necta Kikko Max": "coffee", "Jofemar Coffeemar G-250": "coffee", "Unicum Rosso": "coffee",
    "Saeco Atlante 500": "coffee", "Bianchi Lei 700": "coffee",
    "Unicum Food Box": "snack", "Jofemar Vision ES Plus": "snack",
}  # fmt: skip
# name, category, price range (RUB), kind of machine that sells it
PRODUCTS = (
    ("Эспрессо 0,1 л", "Кофе", (70, 110), "coffee"),
    ("Американо 0,3 л", "Кофе", (90, 140), "coffee"),
    ("Капучино 0,3 л", "Кофе", (120, 180), "coffee"),
    ("Латте 0,3 л", "Кофе", (130, 190), "coffee"),
    ("Раф ванильный 0,3 л", "Кофе", (160, 220), "coffee"),
    ("Горячий шоколад 0,3 л", "Чай и какао", (120, 170), "coffee"),
    ("Чай чёрный с лимоном 0,3 л", "Чай и какао", (60, 90), "coffee"),
    ("Шоколадный батончик «Сникерс» 50 г", "Снеки", (80, 110), "snack"),
    ("Чипсы «Лэйс» 70 г", "Снеки", (110, 150), "snack"),
    ("Круассан с шоколадом", "Снеки", (120, 160), "snack"),
    ("Вода «Святой источник» 0,5 л", "Напитки", (60, 90), "snack"),
    ("Сок «Добрый» яблочный 0,33 л", "Напитки", (90, 120), "snack"),
)
CATEGORIES = (("Автоматы", None), *((c, None) for c in dict.fromkeys(p[1] for p in PRODUCTS)))

MACHINE = ItemTypeCreate.model_validate(
    {
        "code": "machine",
        "name": label("Торговый автомат", "Vending machine"),
        "attribute_schema": [
            {"name": "machine_code", "label": label("Код автомата", "Machine code"),
             "required": True, "max": 32},
            {"name": "model", "label": label("Модель", "Model"), "type": "enum",
             "enum": list(MODELS), "required": True},
            {"name": "placement", "label": label("Место установки", "Placement"), "max": 200},
            {"name": "address", "label": label("Адрес", "Address"), "max": 300},
            {"name": "serial_number", "label": label("Заводской номер", "Serial number"),
             "max": 64},
            {"name": "installed_on", "label": label("Дата установки", "Installed on"),
             "type": "date"},
        ],
    }
)  # fmt: skip
PRODUCT = ItemTypeCreate.model_validate(
    {
        "code": "product",
        "name": label("Товар автомата", "Vending product"),
        "attribute_schema": [
            {"name": "machine_kind", "label": label("Тип автомата", "Machine kind"),
             "type": "enum", "enum": ["coffee", "snack"]},
        ],
    }
)  # fmt: skip


def make_items(rng: random.Random, refs: Refs, count: int, now: datetime) -> list[dict[str, Any]]:
    """Per branch: machines (a quarter of the items, at least two) and its price list."""
    per_unit = max(4, count // len(UNITS))
    items: list[dict[str, Any]] = []
    for number, (code, _name, places, _share) in enumerate(UNITS_WITH_SHARE, 1):
        unit_id = refs.units[code]["id"]
        machines = max(2, per_unit // 4)
        items.extend(
            _machine(rng, refs, unit_id, f"VM-{number}{n:03d}", places, now)
            for n in range(1, machines + 1)
        )
        for n in range(per_unit - machines):
            name, category, prices, kind = PRODUCTS[n % len(PRODUCTS)]
            items.append(_product(rng, refs, unit_id, f"VND-{number}-{n + 1:03d}", name, category,
                                  prices, kind))  # fmt: skip
    return items


def _machine(
    rng: random.Random,
    refs: Refs,
    unit_id: int,
    code: str,
    places: tuple[tuple[str, ...], tuple[str, ...]],
    now: datetime,
) -> dict[str, Any]:
    model = rng.choice(list(MODELS))
    placement = rng.choice(places[0])
    installed = (now - timedelta(days=rng.randint(120, 1500))).date()
    return {
        "_kind": "machine",
        "item_type_id": refs.item_types["machine"]["id"],
        "sku": code,
        "name": f"{model} — {placement}",
        "category_id": refs.categories["Автоматы"],
        "unit_id": unit_id,
        "price": Decimal(rng.randrange(350, 900) * 1000),
        "attributes": {
            "machine_code": code,
            "model": model,
            "placement": placement,
            "address": f"{rng.choice(places[1])}, д. {rng.randint(1, 120)}",
            "serial_number": f"{rng.randrange(10**9, 10**10)}",
            "installed_on": installed.isoformat(),
        },
    }


def _product(
    rng: random.Random,
    refs: Refs,
    unit_id: int,
    sku: str,
    name: str,
    category: str,
    prices: tuple[int, int],
    kind: str,
) -> dict[str, Any]:
    return {
        "_kind": "product",
        "item_type_id": refs.item_types["product"]["id"],
        "sku": sku,
        "name": name,
        "category_id": refs.categories[category],
        "unit_id": unit_id,
        "price": Decimal(rng.randrange(prices[0], prices[1] + 1, 10)).quantize(Decimal("0.01")),
        "attributes": {"machine_kind": kind},
    }
