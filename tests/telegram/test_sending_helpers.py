"""Shared set-up of the sending tests: a world with chats, the relay with the planner, a sender."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from orderdesk.container import Container
from orderdesk.realtime.bus import EventBus
from orderdesk.realtime.relay import OutboxRelay
from orderdesk.settings import Settings
from orderdesk.telegram import chats
from orderdesk.telegram.models import TelegramChat, TelegramDelivery
from orderdesk.telegram.notifications import TelegramPlanner
from orderdesk.telegram.sending import MemoryPacer, Pacer, SendStats, send_pending
from tests.factories import make_order_type, make_unit
from tests.telegram.conftest import telegram_settings
from tests.telegram.standin import BotAPIStandIn

STAFF_CHAT = -100_111
UNIT_CHAT = -100_222
CUSTOMER_CHAT = 5_001


def send_settings(container: Container, api: BotAPIStandIn, **overrides: Any) -> Settings:
    """Telegram on against the stand-in, one staff chat, fast retries."""
    values: dict[str, Any] = {
        "telegram_staff_chat_ids": [STAFF_CHAT],
        "telegram_send_retry_base_seconds": 0.05,
        "telegram_send_retry_max_seconds": 0.2,
        "public_url": "https://shop.example",
        **overrides,
    }
    return telegram_settings(container.settings, api, **values)


def relay_for(container: Container, settings: Settings) -> OutboxRelay:
    """An outbox relay of its own (in-process bus) with the Telegram planner inside."""
    return OutboxRelay(
        read_sessions=container.read_sessions,
        write_sessions=container.write_sessions,
        bus=EventBus(),
        consumers=[TelegramPlanner(settings)],
    )


async def plan(container: Container, settings: Settings) -> int:
    """Publish every outbox event (planning the deliveries); the number published."""
    return await relay_for(container, settings).drain()


async def send(
    container: Container, settings: Settings, *, pacer: Pacer | None = None, linger: float = 3.0
) -> SendStats:
    """Run one sender until nothing is due (waiting `linger` s for retries)."""
    return await send_pending(
        settings,
        container.write_sessions,
        pacer=pacer or MemoryPacer(),
        storage=container.storage,
        linger=linger,
    )


async def deliveries(container: Container) -> list[TelegramDelivery]:
    async with container.read_sessions() as session:
        rows = await session.scalars(select(TelegramDelivery).order_by(TelegramDelivery.id))
        return list(rows.all())


async def chat_row(container: Container, chat_id: int) -> TelegramChat | None:
    async with container.read_sessions() as session:
        return await session.get(TelegramChat, chat_id)


async def remember(container: Container, **fields: Any) -> None:
    async with container.write_sessions() as session:
        await chats.remember_chat(session, **fields)
        await session.commit()


async def shop_world(
    container: Container, make_user: Any, *, language: str = "en"
) -> dict[str, Any]:
    """A unit with its group chat, the request workflow, a customer with a private chat."""
    unit = await make_unit(container)
    await make_order_type(container)
    customer = await make_user("customer", display_name="Анна")
    await remember(container, chat_id=UNIT_CHAT, kind="unit", unit_id=unit["id"], title="North")
    await remember(
        container, chat_id=CUSTOMER_CHAT, kind="private", user_id=customer.id, language=language
    )
    return {"unit": unit, "customer": customer}
