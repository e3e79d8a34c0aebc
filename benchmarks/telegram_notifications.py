"""Telegram benchmark, one function per part (`--part`).

notifications: N order events → deliveries (planned in the outbox relay's transaction) → sent
by one sender through the real aiogram client to the loopback Bot API stand-in, which enforces
Telegram's own limits (30 messages/s, 1/s per private chat, 20/min per group) and answers 429
beyond them. Reports messages/s, duplicates (must be 0) and 429s received. Baseline in the same
run: a bare aiogram loop sending the same kind of messages paced at exactly 30/s, no database.
Messages go to customers' private chats (one per order, round robin over --chats chats).

Run:  .venv/bin/python benchmarks/telegram.py --part notifications            (3,000 events, ~2 min)
      .venv/bin/python benchmarks/telegram.py --part notifications --events 10000   (~6 min)
Options: --database-url postgresql+asyncpg://…  (default: a temporary SQLite file),
         --redis-url redis://…  (pacer in Redis, as several sender processes would share it).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import make_order_type  # noqa: E402
from tests.telegram.standin import TOKEN, BotAPIStandIn  # noqa: E402

from orderdesk.auth.models import User  # noqa: E402
from orderdesk.container import Container  # noqa: E402
from orderdesk.db import migrate  # noqa: E402
from orderdesk.db.types import utcnow  # noqa: E402
from orderdesk.ops.logging import configure_logging  # noqa: E402
from orderdesk.orders.models import Order, OrderLine  # noqa: E402
from orderdesk.realtime.outbox import insert_events  # noqa: E402
from orderdesk.settings import Settings  # noqa: E402
from orderdesk.telegram.client import create_bot  # noqa: E402
from orderdesk.telegram.models import TelegramChat, TelegramDelivery  # noqa: E402
from orderdesk.telegram.sending import pacer_for, send_pending  # noqa: E402

SECRET = "benchmark-secret-key-that-is-long-enough-123456"
CHUNK = 1000
FIRST_CHAT = 10_000_000


def _settings(database_url: str, api: BotAPIStandIn, redis_url: str | None) -> Settings:
    return Settings(
        database_url=database_url,
        secret_keys=[SECRET],
        log_level="WARNING",
        redis_url=redis_url,
        redis_namespace=f"bench-{uuid.uuid4().hex[:8]}",
        realtime_channel=f"bench-{uuid.uuid4().hex[:8]}",
        telegram_bot_token=TOKEN,
        telegram_api_base=api.base_url,
        telegram_webhook_secret="s" * 40,
        public_url="https://shop.example",
        jobs_in_process=False,
    )


async def _chunks(container: Container, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with container.write_sessions() as session:
            await session.execute(insert(table), rows[start : start + CHUNK])
            await session.commit()


async def _world(container: Container, events: int, chats: int) -> None:
    """Customers with private chats, one order (two lines) per event, the events themselves."""
    order_type = await make_order_type(container)
    now = utcnow()
    await _chunks(
        container,
        User,
        [
            {"username": f"bench{n}", "display_name": f"Покупатель {n}", "role": "customer",
             "status": "active", "locale": "ru", "search_text": "", "created_at": now,
             "updated_at": now}
            for n in range(chats)
        ],
    )  # fmt: skip
    async with container.read_sessions() as session:
        users = list((await session.scalars(select(User.id).order_by(User.id))).all())
    await _chunks(
        container,
        TelegramChat,
        [
            {"chat_id": FIRST_CHAT + n, "kind": "private", "user_id": user_id, "title": "",
             "language": "ru" if n % 2 else "en", "active": True, "created_at": now,
             "updated_at": now}
            for n, user_id in enumerate(users)
        ],
    )  # fmt: skip
    orders = [
        {"order_type_id": order_type["id"], "number": f"B-{n:06d}", "status": "accepted",
         "customer_id": users[n % len(users)], "channel": "telegram", "currency": "RUB",
         "subtotal": Decimal("450"), "vat_amount": Decimal(0), "total": Decimal("450"),
         "attributes": {}, "note": "", "version": 2, "search_text": "", "created_at": now,
         "updated_at": now}
        for n in range(events)
    ]  # fmt: skip
    await _chunks(container, Order, orders)
    async with container.read_sessions() as session:
        rows = (await session.execute(select(Order.id, Order.number, Order.customer_id))).all()
    lines = [
        _line(order_id, position, name, quantity)
        for order_id, _, _ in rows
        for position, (name, quantity) in enumerate((("Роза красная", 2), ("Доставка", 1)))
    ]
    await _chunks(container, OrderLine, lines)
    for start in range(0, len(rows), CHUNK):
        async with container.write_sessions() as session:
            await insert_events(
                session,
                [
                    {"type": "order.status_changed", "aggregate_type": "order",
                     "aggregate_id": order_id, "customer_id": customer_id,
                     "payload": {"id": order_id, "number": number, "status": "accepted",
                                 "version": 2, "from": "pending", "to": "accepted"}}
                    for order_id, number, customer_id in rows[start : start + CHUNK]
                ],
            )  # fmt: skip
            await session.commit()


def _line(order_id: int, position: int, name: str, quantity: int) -> dict[str, Any]:
    return {
        "order_id": order_id, "position": position, "name": name, "sku": "",
        "measure_unit": "шт", "quantity": Decimal(quantity), "unit_price": Decimal(150),
        "coefficient": Decimal(1), "amount": Decimal(150 * quantity),
    }  # fmt: skip


async def _baseline(api: BotAPIStandIn, settings: Settings, messages: int, chats: int) -> float:
    """aiogram alone, paced at exactly 30/s with 8 requests in flight: messages/s."""
    bot = create_bot(settings)
    semaphore = asyncio.Semaphore(8)
    tasks = []

    async def one(n: int) -> None:
        async with semaphore:
            await bot.send_message(FIRST_CHAT + chats + n % chats, f"baseline {n}")

    started = time.perf_counter()
    try:
        for n in range(messages):
            tasks.append(asyncio.create_task(one(n)))
            await asyncio.sleep(max(0.0, started + (n + 1) / 30.0 - time.perf_counter()))
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await bot.session.close()
    return messages / (time.perf_counter() - started)


async def notifications(args: argparse.Namespace) -> None:
    """Events → deliveries → sent at Telegram's limits; duplicates and 429s counted."""
    configure_logging(Settings(log_level="WARNING"))
    with tempfile.TemporaryDirectory(prefix="orderdesk-bench-tg-") as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        async with BotAPIStandIn(enforce_limits=True) as api:
            settings = _settings(url, api, args.redis_url)
            container = Container.build(settings, run_jobs=False)
            try:
                await migrate.upgrade(container.engine)
                await _run_notifications(container, settings, api, args)
            finally:
                await container.close()


async def _run_notifications(
    container: Container, settings: Settings, api: BotAPIStandIn, args: argparse.Namespace
) -> None:
    events, chats = args.events, min(args.chats, args.events)
    print(f"setting up {events} orders and events for {chats} customers' chats …", flush=True)
    await _world(container, events, chats)

    started = time.perf_counter()
    published = await container.relay.drain()
    planning = time.perf_counter() - started
    async with container.read_sessions() as session:
        planned = await session.scalar(select(func.count()).select_from(TelegramDelivery))

    print(f"sending {planned} messages at Telegram's limits …", flush=True)
    started = time.perf_counter()
    stats = await send_pending(settings, container.write_sessions, pacer=pacer_for(settings))
    sending = time.perf_counter() - started

    accepted = [c for c in api.calls if c.method == "sendMessage" and c.status == 200]
    per_message = Counter((c.chat_id, c.params.get("text")) for c in accepted)
    duplicates = sum(count - 1 for count in per_message.values())
    floods = sum(1 for c in api.calls if c.status == 429)
    async with container.read_sessions() as session:
        by_status = dict(
            (
                await session.execute(
                    select(TelegramDelivery.status, func.count()).group_by(TelegramDelivery.status)
                )
            ).all()
        )
    baseline_count = min(args.baseline_messages, events)
    api.calls.clear()
    baseline = await _baseline(api, settings, baseline_count, chats)
    baseline_floods = sum(1 for c in api.calls if c.status == 429)

    rate = len(accepted) / sending if sending else 0.0
    shape = "PostgreSQL" if "postgresql" in str(settings.database_url) else "SQLite"
    pacer = "Redis" if settings.redis_url else "memory"
    print(f"\nnotifications: {events} events, {shape}, pacer in {pacer}, stand-in enforcing limits")
    print(f"{'step':<46}{'count':>9}{'seconds':>10}{'per s':>9}")
    print("-" * 74)
    print(f"{'events → deliveries (relay transaction)':<46}{published:>9}{planning:>10.1f}"
          f"{published / planning:>9.0f}")  # fmt: skip
    print(f"{'deliveries → sent (one sender)':<46}{len(accepted):>9}{sending:>10.1f}{rate:>9.1f}")
    print(f"{'baseline: bare aiogram paced at 30/s':<46}{baseline_count:>9}{'':>10}"
          f"{baseline:>9.1f}")  # fmt: skip
    print("-" * 74)
    print(f"ratio to baseline: {rate / baseline:.2f}   duplicates: {duplicates}   "
          f"429s received: {floods} (baseline: {baseline_floods})")  # fmt: skip
    print(f"deliveries by status: {by_status}   sender: {stats.as_dict()}")


PARTS = {"notifications": notifications}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), default="notifications")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--baseline-messages", type=int, default=600)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    asyncio.run(PARTS[args.part](args))


if __name__ == "__main__":
    main()
