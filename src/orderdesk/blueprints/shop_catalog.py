"""Flower shop catalog: stems, bouquets, compositions, potted plants and gifts."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orderdesk.blueprints.base import Refs, money

COLORS = ["красный", "белый", "розовый", "жёлтый", "оранжевый", "фиолетовый", "кремовый", "микс"]

STEMS = {  # category → (flower, [(variety, colour)], stem lengths, base price)
    "Розы": (
        "Роза",
        [("Фридом", "красный"), ("Эксплорер", "красный"), ("Аваланж", "белый"),
         ("Мондиаль", "белый"), ("Пинк Флойд", "розовый"), ("Кантри Блюз", "розовый"),
         ("Пенни Лейн", "жёлтый"), ("Вау", "оранжевый"), ("Оушен Сонг", "фиолетовый"),
         ("Кабарет", "микс"), ("Капучино", "кремовый")],
        (40, 50, 60, 70, 80, 90, 100),
        90,
    ),
    "Тюльпаны": (
        "Тюльпан",
        [("Стронг Голд", "жёлтый"), ("Иль де Франс", "красный"), ("Уайт Марвел", "белый"),
         ("Пурпл Флаг", "фиолетовый"), ("Пинк Даймонд", "розовый"),
         ("Оранж Принцесс", "оранжевый")],
        (30, 35, 40, 45),
        80,
    ),
    "Хризантемы": (
        "Хризантема",
        [("Бакарди", "белый"), ("Антонов", "белый"), ("Балтика", "розовый"), ("Сантини", "микс"),
         ("Момоко", "жёлтый")],
        (50, 60, 70),
        120,
    ),
    "Пионы": (
        "Пион",
        [("Сара Бернар", "розовый"), ("Дюшес де Немур", "белый"), ("Ред Шарм", "красный"),
         ("Корал Шарм", "оранжевый")],
        (50, 60, 70),
        300,
    ),
}  # fmt: skip
COUNTRIES = ("Эквадор", "Кения", "Колумбия", "Нидерланды", "Россия")
BOUQUETS = (
    "Нежность", "Признание", "Летнее утро", "Комплимент", "Для мамы", "Классика", "Облако",
    "Бордо", "Рассвет", "Лаванда", "Пудра", "Вдохновение", "Первое свидание", "Сладкий сон",
)  # fmt: skip
GREENS = ("эвкалипт", "писташ", "салал", "рускус", "гипсофила", "аспидистра")
WRAPS = ("крафт-бумага", "фетр", "плёнка матовая", "лента атласная")
COMPOSITIONS = (
    "Композиция в шляпной коробке", "Корзина с цветами", "Ящик с цветами",
    "Композиция с макарунс", "Композиция в кашпо",
)  # fmt: skip
PLANTS = (
    ("Орхидея фаленопсис", 1490), ("Монстера деликатесная", 2490), ("Фикус Бенджамина", 1890),
    ("Замиокулькас", 1690), ("Спатифиллум", 990), ("Сансевиерия", 1190), ("Антуриум", 1590),
    ("Калатея", 1390), ("Кактус ассорти", 490), ("Драцена маргината", 1790),
)  # fmt: skip
GIFTS = (
    ("Открытка авторская", 190), ("Шар фольгированный «Сердце»", 390),
    ("Мягкая игрушка «Мишка», 30 см", 1290), ("Свеча ароматическая", 890),
    ("Макарунс, 6 шт.", 690), ("Топпер «С днём рождения»", 250), ("Конфеты ручной работы", 990),
)  # fmt: skip
KINDS: tuple[tuple[str, float], ...] = (
    ("stem", 0.45),
    ("bouquet", 0.25),
    ("composition", 0.12),
    ("plant", 0.1),
    ("gift", 0.08),
)


def make_items(rng: random.Random, refs: Refs, count: int, now: datetime) -> list[dict[str, Any]]:
    """Stems, bouquets, compositions, potted plants and gifts spread over the shops."""
    type_id = refs.item_types["product"]["id"]
    shops = [unit["id"] for unit in refs.units.values() if unit["kind"] == "shop"]
    kinds = [kind for kind, _ in KINDS]
    weights = [weight for _, weight in KINDS]
    items = []
    for n in range(count):
        kind = rng.choices(kinds, weights=weights)[0]
        item = _ITEM_MAKERS[kind](rng)
        item["category_id"] = refs.categories[item.pop("_category")]
        item.update(item_type_id=type_id, unit_id=shops[n % len(shops)], _kind=kind)
        item["sku"] = f"{_SKU_PREFIX[kind]}-{n + 1:05d}"
        item["tags"] = _tags(rng, kind)
        if rng.random() < 0.02:
            item.update(status="archived", archive_reason="Снят с продажи")
            item["archived_at"] = now - timedelta(days=rng.uniform(1, 60))
        items.append(item)
    return items


def _stem(rng: random.Random) -> dict[str, Any]:
    category = rng.choices(list(STEMS), weights=(5, 2, 2, 1))[0]
    flower, varieties, lengths, base = STEMS[category]
    variety, color = rng.choice(varieties)
    length = rng.choice(lengths)
    country = "Нидерланды" if category == "Тюльпаны" and rng.random() < 0.5 else "Россия"
    if category == "Розы":
        country = rng.choice(COUNTRIES)
    return {
        "_category": category,
        "name": f"{flower} «{variety}» {length} см",
        "price": money(base + length * rng.uniform(1.5, 3.0)),
        "stock": Decimal(rng.randint(0, 400)),
        "attributes": {
            "color": color,
            "stem_length": length,
            "variety": variety,
            "country": country,
        },
    }


def _bouquet(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.35:
        count = rng.choice((11, 15, 25, 51, 101))
        variety, color = rng.choice(STEMS["Розы"][1])
        noun = "розы" if count % 10 == 1 and count % 100 != 11 else "роз"
        name = f"Букет из {count} {noun} «{variety}»"
        composition = f"{count} роз «{variety}», {rng.choice(WRAPS)}"
        price = money(count * rng.uniform(160, 240), 100) - Decimal(10)
    else:
        name = f"Букет «{rng.choice(BOUQUETS)}»"
        color = rng.choice(COLORS)
        flowers = rng.sample(("розы", "эустома", "альстромерия", "хризантема", "тюльпаны"), 2)
        composition = f"{', '.join(flowers)}, {rng.choice(GREENS)}, {rng.choice(WRAPS)}"
        price = money(rng.uniform(2500, 15000), 100) - Decimal(10)
    return {
        "_category": "Букеты",
        "name": name,
        "description": f"Состав: {composition}.",
        "price": price,
        "stock": Decimal(rng.randint(0, 15)),
        "attributes": {"color": color, "composition": composition.capitalize()},
    }


def _composition(rng: random.Random) -> dict[str, Any]:
    composition = f"розы, {rng.choice(GREENS)}, флористическая губка"
    return {
        "_category": "Композиции",
        "name": f"{rng.choice(COMPOSITIONS)} «{rng.choice(BOUQUETS)}»",
        "description": f"Состав: {composition}.",
        "price": money(rng.uniform(3500, 19000), 100) - Decimal(10),
        "stock": Decimal(rng.randint(0, 8)),
        "attributes": {"color": rng.choice(COLORS), "composition": composition.capitalize()},
    }


def _plant(rng: random.Random) -> dict[str, Any]:
    name, base = rng.choice(PLANTS)
    pot = rng.choice((9, 12, 14, 17, 21))
    return {
        "_category": "Горшечные растения",
        "name": f"{name}, горшок {pot} см",
        "price": money(base * pot / 12, 100) - Decimal(10),
        "stock": Decimal(rng.randint(0, 30)),
        "attributes": {"composition": f"Растение в горшке {pot} см, высота {pot * 4} см"},
    }


def _gift(rng: random.Random) -> dict[str, Any]:
    name, price = rng.choice(GIFTS)
    return {
        "_category": "Подарки",
        "name": name,
        "price": Decimal(price).quantize(Decimal("0.01")),
        "stock": Decimal(rng.randint(5, 100)),
        "attributes": {},
    }


_ITEM_MAKERS = {
    "stem": _stem,
    "bouquet": _bouquet,
    "composition": _composition,
    "plant": _plant,
    "gift": _gift,
}
_SKU_PREFIX = {"stem": "FL", "bouquet": "BQ", "composition": "CM", "plant": "PL", "gift": "GF"}


def _tags(rng: random.Random, kind: str) -> list[str]:
    tags = []
    if rng.random() < 0.1:
        tags.append("хит")
    if rng.random() < 0.08:
        tags.append("новинка")
    if kind == "gift":
        tags.append("к букету")
    return tags
