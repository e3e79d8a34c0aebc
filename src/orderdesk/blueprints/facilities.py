"""Sports facilities (FOK bot): districts, facilities and the request workflow."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orderdesk.blueprints import names
from orderdesk.blueprints.base import (
    Blueprint,
    Customer,
    OrderDraft,
    Refs,
    Step,
    World,
    label,
    money,
    workflow_status,
    workflow_transition,
)
from orderdesk.catalog.schemas import ItemTypeCreate
from orderdesk.orders.schemas import Channel, OrderTypeCreate
from orderdesk.units.schemas import UnitCreate

CITY = "Нижний Новгород"
DISTRICTS = {  # code → (name, streets, share of requests)
    "avtozavodsky": (
        "Автозаводский район",
        ("пр-т Ленина", "ул. Веденяпина", "ул. Героя Смирнова", "ул. Краснодонцев"),
        0.18,
    ),
    "kanavinsky": (
        "Канавинский район",
        ("ул. Советская", "ул. Июльских Дней", "ул. Совнаркомовская", "ул. Гордеевская"),
        0.12,
    ),
    "leninsky": (
        "Ленинский район",
        ("ул. Адмирала Макарова", "ул. Дружаева", "ул. Памирская", "ул. Снежная"),
        0.11,
    ),
    "moskovsky": (
        "Московский район",
        ("Московское ш.", "ул. Берёзовская", "ул. Чаадаева", "ул. Народная"),
        0.1,
    ),
    "nizhegorodsky": (
        "Нижегородский район",
        ("ул. Большая Покровская", "ул. Варварская", "ул. Минина", "ул. Белинского"),
        0.15,
    ),
    "prioksky": (
        "Приокский район",
        ("пр-т Гагарина", "ул. Ларина", "ул. Маршала Малиновского", "ул. Тропинина"),
        0.1,
    ),
    "sovetsky": (
        "Советский район",
        ("ул. Ванеева", "ул. Бекетова", "ул. Родионова", "ул. Генкиной"),
        0.12,
    ),
    "sormovsky": (
        "Сормовский район",
        ("ул. Коминтерна", "ул. Щербакова", "ул. Культуры", "Сормовское ш."),
        0.12,
    ),
}
SPORTS = [
    "футбол", "мини-футбол", "волейбол", "баскетбол", "плавание", "хоккей", "фигурное катание",
    "теннис", "настольный теннис", "лёгкая атлетика", "единоборства", "фитнес", "гимнастика",
]  # fmt: skip
SLOTS = [f"{h:02d}:00–{h + 2:02d}:00" for h in range(8, 22, 2)]
PURPOSES = ["тренировка", "секция", "соревнования", "мероприятие", "свободное посещение"]
STAFF = ("admin", "manager", "staff")
CUSTOMER = ("customer", "manager", "admin")

FACILITY = ItemTypeCreate.model_validate(
    {
        "code": "facility",
        "name": label("Спортивный объект", "Sports facility"),
        "attribute_schema": [
            {
                "name": "sport",
                "label": label("Вид спорта", "Sport"),
                "type": "enum",
                "enum": SPORTS,
                "required": True,
            },
            {"name": "district", "label": label("Район", "District"), "required": True},
            {"name": "address", "label": label("Адрес", "Address"), "required": True, "max": 300},
            {
                "name": "capacity",
                "label": label("Вместимость, чел.", "Capacity, people"),
                "type": "integer",
                "min": 1,
                "max": 10000,
            },
            {"name": "phone", "label": label("Телефон", "Phone"), "max": 32},
            {"name": "schedule", "label": label("Режим работы", "Opening hours"), "max": 100},
            {"name": "indoor", "label": label("Крытый", "Indoor"), "type": "boolean"},
        ],
    }
)


REQUEST = OrderTypeCreate.model_validate(
    {
        "code": "request",
        "name": label("Заявка", "Request"),
        "number_format": "З-{seq:06d}",
        "one_active_per_item": True,
        "requires_phone": True,
        "attribute_schema": [
            {
                "name": "visit_date",
                "label": label("Желаемая дата", "Preferred date"),
                "type": "date",
                "required": True,
            },
            {"name": "time_slot", "label": label("Время", "Time"), "type": "enum", "enum": SLOTS},
            {
                "name": "participants",
                "label": label("Участников", "Participants"),
                "type": "integer",
                "min": 1,
                "max": 500,
            },
            {
                "name": "purpose",
                "label": label("Цель", "Purpose"),
                "type": "enum",
                "enum": PURPOSES,
            },
            {"name": "organization", "label": label("Организация", "Organisation"), "max": 200},
            {"name": "contact_phone", "label": label("Телефон для связи", "Phone"), "max": 32},
        ],
        "workflow": {
            "statuses": [
                workflow_status("pending", "На рассмотрении", "Pending"),
                workflow_status("accepted", "Принята", "Accepted"),
                workflow_status("rejected", "Отклонена", "Rejected"),
                workflow_status("transferred", "Передана на объект", "Transferred to the facility"),
                workflow_status("completed", "Выполнена", "Completed"),
                workflow_status("cancelled", "Отменена", "Cancelled"),
            ],
            "initial": "pending",
            "terminal": ["rejected", "completed", "cancelled"],
            "transitions": [
                workflow_transition("pending", "accepted", STAFF, "Принять", "Accept"),
                workflow_transition(
                    "pending", "rejected", STAFF, "Отклонить", "Reject", require_comment=True
                ),
                workflow_transition("pending", "cancelled", CUSTOMER, "Отменить заявку", "Cancel"),
                workflow_transition(
                    "accepted", "transferred", STAFF, "Передать на объект", "Transfer"
                ),
                workflow_transition(
                    "accepted", "rejected", STAFF, "Отклонить", "Reject", require_comment=True
                ),
                workflow_transition("accepted", "cancelled", CUSTOMER, "Отменить заявку", "Cancel"),
                workflow_transition("transferred", "completed", STAFF, "Завершить", "Complete"),
            ],
        },
    }
)

REJECTIONS = (
    "Объект закрыт на плановый ремонт",
    "На выбранное время объект занят",
    "Превышена вместимость объекта",
    "Не указаны данные организации",
    "Повторная заявка",
)
STEPS: dict[str, list[Step]] = {
    "pending": [
        Step("accepted", 0.76, (30, 2880)),
        Step("rejected", 0.09, (60, 2880), comments=REJECTIONS),
        Step("cancelled", 0.1, (10, 4320), actor="customer"),
        Step(None, 0.05),  # left unanswered: the stale requests a cleanup job would close
    ],
    "accepted": [
        Step("transferred", 0.85, (60, 4320)),
        Step("rejected", 0.05, (60, 1440), comments=REJECTIONS[:3]),
        Step("cancelled", 0.1, (60, 4320), actor="customer"),
    ],
    "transferred": [Step("completed", 0.96, (1440, 20160)), Step(None, 0.04)],
}

# ---- catalog ------------------------------------------------------------------------------

COMPLEXES = (
    "Олимп", "Атлант", "Спартак", "Динамо", "Торпедо", "Чайка", "Волга", "Мещера", "Заречье",
    "Северный", "Юность", "Старт", "Звёздный", "Радуга", "Сормович", "Полёт", "Локомотив",
    "Нижегородец", "Водник", "Авангард", "Труд", "Ока", "Кристалл", "Буревестник",
)  # fmt: skip
# (category, facility, owner prefix, sports, capacity range, price per hour range, indoor)
KINDS: tuple[tuple[str, str, str, tuple[str, ...], tuple[int, int], tuple[int, int], bool], ...] = (
    ("Стадионы и поля", "футбольное поле", "Стадион", ("футбол",), (22, 60), (3000, 7000), False),
    ("Стадионы и поля", "легкоатлетический манеж", "ФОК", ("лёгкая атлетика",), (30, 200),
     (2000, 5000), True),
    ("Бассейны", "бассейн 25 м", "ФОК", ("плавание",), (20, 80), (1500, 4500), True),
    ("Спортивные залы", "универсальный зал", "ФОК",
     ("волейбол", "баскетбол", "мини-футбол"), (15, 120), (1500, 4000), True),
    ("Спортивные залы", "зал единоборств", "Спорткомплекс", ("единоборства",), (10, 40),
     (1000, 2500), True),
    ("Спортивные залы", "фитнес-зал", "Спорткомплекс", ("фитнес", "гимнастика"), (10, 40),
     (800, 2000), True),
    ("Спортивные залы", "зал настольного тенниса", "ФОК", ("настольный теннис",), (8, 30),
     (600, 1500), True),
    ("Ледовые арены", "ледовая арена", "Дворец спорта", ("хоккей", "фигурное катание"),
     (30, 500), (6000, 15000), True),
    ("Теннисные корты", "теннисный корт", "Теннисный центр", ("теннис",), (2, 8), (1500, 3500),
     False),
    ("Уличные площадки", "спортивная площадка", "Двор", ("футбол", "баскетбол", "волейбол"),
     (10, 40), (0, 0), False),
)  # fmt: skip
CATEGORIES = tuple((name, None) for name in dict.fromkeys(kind[0] for kind in KINDS))


def make_items(rng: random.Random, refs: Refs, count: int, now: datetime) -> list[dict[str, Any]]:
    """Facilities of every district: fields, pools, halls, ice arenas, courts, playgrounds."""
    type_id = refs.item_types["facility"]["id"]
    codes = list(DISTRICTS)
    items = []
    for n in range(count):
        code = codes[n % len(codes)]
        district, streets, _ = DISTRICTS[code]
        category, facility, owner, sports, capacity, price, indoor = rng.choice(KINDS)
        place = f"{rng.choice(streets)}, д. {rng.randint(1, 150)}"
        if owner == "Двор":
            name = f"Спортивная площадка, {place}"
        else:
            name = f"{owner} «{rng.choice(COMPLEXES)}» — {facility}"
        hours = rng.choice(("Пн–Вс 08:00–22:00", "Пн–Пт 07:00–23:00, Сб–Вс 09:00–21:00"))
        items.append(
            {
                "item_type_id": type_id,
                "sku": f"FOK-{n + 1:05d}",
                "name": name,
                "description": f"{facility.capitalize()}, {district.lower()}. {hours}.",
                "category_id": refs.categories[category],
                "unit_id": refs.units[code]["id"],
                "measure_unit": "час",
                "price": money(rng.uniform(*price), 100) if price[1] else Decimal("0.00"),
                "attributes": {
                    "sport": rng.choice(sports),
                    "district": district,
                    "address": f"г. {CITY}, {place}",
                    "capacity": rng.randint(*capacity),
                    "phone": f"+7 (831) {rng.randint(200, 499)}-{rng.randint(10, 99)}-"
                    f"{rng.randint(10, 99)}",
                    "schedule": hours,
                    "indoor": indoor,
                },
                "tags": ["бесплатно"] if not price[1] else [],
            }
        )
    return items


# ---- requests -----------------------------------------------------------------------------

NOTES = (
    "Команда 2012 г.р., нужна раздевалка",
    "Просим предоставить мячи",
    "Тренировка сборной школы",
    "Нужен доступ для маломобильных участников",
    "Просим подтвердить по телефону",
)
CHANNELS: tuple[Channel, ...] = ("telegram", "web", "mini_app")
ORGANIZATIONS = (
    "МБОУ «Школа № 45»", "СШОР «Олимпиец»", "ООО «Волга-Спорт»", "ДЮСШ № 7",
    "Клуб любителей бега «Ока»", "ФК «Сормово»", "Федерация волейбола района",
)  # fmt: skip


def make_order(rng: random.Random, world: World, customer: Customer, at: datetime) -> OrderDraft:
    """One request for one facility: a date, a slot and how many people come."""
    unit_id = rng.choices(world.unit_ids, weights=world.unit_weights)[0]
    index = rng.choice(world.items_by_unit[unit_id])
    facility = world.items[index]
    capacity = int(facility["attributes"].get("capacity", 20))
    visit = (at + timedelta(hours=3, days=rng.randint(1, 14))).date()
    attributes: dict[str, Any] = {
        "visit_date": visit.isoformat(),
        "time_slot": rng.choice(SLOTS),
        "participants": rng.randint(1, max(1, capacity)),
        "purpose": rng.choices(PURPOSES, weights=(40, 20, 10, 10, 20))[0],
        "contact_phone": customer.phone or names.phone(rng),
    }
    if rng.random() < 0.3:
        attributes["organization"] = rng.choice(ORGANIZATIONS)
    channel: Channel = rng.choices(CHANNELS, weights=(85, 10, 5))[0]
    return OrderDraft(
        order_type="request",
        unit_id=unit_id,
        lines=[(index, Decimal(rng.choice((1, 1, 2, 2, 3))))],
        attributes=attributes,
        note=rng.choice(NOTES) if rng.random() < 0.2 else "",
        channel=channel,
        by_staff=channel == "web",
    )


FACILITIES = Blueprint(
    name="facilities",
    title="Спортивные объекты (ФОК)",
    units=[
        UnitCreate(code=code, name=name, kind="department")
        for code, (name, _, _) in DISTRICTS.items()
    ],
    item_types=[FACILITY],
    categories=CATEGORIES,
    order_types=[REQUEST],
    steps={"request": STEPS},
    make_items=make_items,
    make_order=make_order,
    unit_weights=[share for _, _, share in DISTRICTS.values()],
)
