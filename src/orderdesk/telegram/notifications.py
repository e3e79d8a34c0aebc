"""From committed outbox events to deliveries, and the texts and buttons those messages carry.

`TelegramPlanner` runs inside the outbox relay's transaction (see realtime/relay.py): the
deliveries of a batch of events are inserted in the same transaction that marks the events
published, so an event is planned exactly once however the processes crash (ADR 0017).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

import structlog
from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import User
from orderdesk.core.i18n import t
from orderdesk.db.types import utcnow
from orderdesk.orders.models import Order, OrderLine, OrderType
from orderdesk.orders.workflow import status_label
from orderdesk.realtime.models import OutboxEvent
from orderdesk.settings import Settings
from orderdesk.telegram import messages as _messages  # noqa: F401  (registers the texts)
from orderdesk.telegram.chats import ChatTarget, private_targets, staff_targets, unit_targets
from orderdesk.telegram.models import TelegramDelivery
from orderdesk.units.models import Unit

log = structlog.get_logger("orderdesk.telegram")

STAFF_ORDER = "staff.order"  # the order's card in a staff or unit chat
STAFF_ORDER_EDIT = "staff.order.edit"  # that card edited in place after a change
CUSTOMER_STATUS = "customer.status"  # a status change, to the customer's private chat
STAFF_USER_PENDING = "staff.user_pending"  # a new user waiting for approval (VHM24R)
STAFF_REPORT = "staff.report"  # the scheduled report with its XLSX
# Buttons in a shared chat: the transitions staff and managers take (admin-only moves such as
# cancelling for a customer stay in the web UI); the bot checks the presser's own role.
STAFF_ROLES = frozenset({"manager", "staff"})
MAX_LINES = 10
CALLBACK_MAX_BYTES = 64
ORDER_EVENTS = ("order.created", "order.status_changed", "order.updated", "order.deleted")
USER_EVENTS = ("user.created",)


@dataclass(slots=True)
class RenderedMessage:
    """What one Bot API call sends: HTML text and an optional inline keyboard (JSON)."""

    text: str
    reply_markup: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "reply_markup": self.reply_markup}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RenderedMessage:
        return cls(str(data.get("text") or ""), data.get("reply_markup"))


# --- callback data ---


@dataclass(frozen=True, slots=True)
class OrderCallback:
    """A staff button press: take transition `to` (or workflow transition `index`) at `version`."""

    order_id: int
    version: int
    to: str | None = None
    index: int | None = None


def order_callback(order_id: int, to: str, version: int, index: int) -> str:
    """`o:<order_id>:<to>:<version>`; `o:<order_id>:#<index>:<version>` if that exceeds 64 bytes."""
    data = f"o:{order_id}:{to}:{version}"
    if len(data.encode()) <= CALLBACK_MAX_BYTES:
        return data
    return f"o:{order_id}:#{index}:{version}"


def parse_order_callback(data: str) -> OrderCallback | None:
    """The press behind `order_callback`'s data, or None when it is not one."""
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != "o" or not parts[1].isdigit() or not parts[3].isdigit():
        return None
    order_id, target, version = int(parts[1]), parts[2], int(parts[3])
    if target.startswith("#") and target[1:].isdigit():
        return OrderCallback(order_id, version, index=int(target[1:]))
    if not target or target.startswith("#"):
        return None
    return OrderCallback(order_id, version, to=target)


def user_callback(user_id: int, action: str) -> str:
    """`u:<user_id>:approve` or `u:<user_id>:block`."""
    return f"u:{user_id}:{action}"


def parse_user_callback(data: str) -> tuple[int, str] | None:
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != "u" or not parts[1].isdigit():
        return None
    if parts[2] not in ("approve", "block"):
        return None
    return int(parts[1]), parts[2]


# --- the order as a message ---


@dataclass(slots=True)
class OrderCard:
    """What a message about an order shows."""

    id: int
    number: str
    status: str
    version: int
    currency: str
    total: Decimal
    note: str
    type_name: dict[str, str]
    workflow: dict[str, Any]
    customer_id: int | None = None
    customer_name: str = ""
    unit_id: int | None = None
    unit_name: str = ""
    lines: list[tuple[str, Decimal, str, Decimal]] = field(default_factory=list)
    line_count: int = 0


def money(amount: Decimal, currency: str) -> str:
    """1 234.50 RUB"""
    return f"{amount:,.2f}".replace(",", " ") + f" {currency}"


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


async def load_order_cards(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, OrderCard]:
    """Cards of these orders (missing ones are absent), with their first lines."""
    wanted = sorted(set(order_ids))
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(
                Order.id, Order.number, Order.status, Order.version, Order.currency,
                Order.total, Order.note, Order.customer_id, Order.unit_id,
                OrderType.name.label("type_name"), OrderType.workflow,
                User.display_name.label("customer_name"), Unit.name.label("unit_name"),
            )
            .join(OrderType, OrderType.id == Order.order_type_id)
            .outerjoin(User, User.id == Order.customer_id)
            .outerjoin(Unit, Unit.id == Order.unit_id)
            .where(Order.id.in_(wanted))
        )
    ).all()  # fmt: skip
    cards = {
        row.id: OrderCard(
            id=row.id, number=row.number, status=row.status, version=row.version,
            currency=row.currency, total=row.total, note=row.note or "",
            type_name=dict(row.type_name or {}), workflow=dict(row.workflow or {}),
            customer_id=row.customer_id, customer_name=row.customer_name or "",
            unit_id=row.unit_id, unit_name=row.unit_name or "",
        )
        for row in rows
    }  # fmt: skip
    if not cards:
        return cards
    ranked = (
        select(
            OrderLine.order_id,
            OrderLine.name,
            OrderLine.quantity,
            OrderLine.measure_unit,
            OrderLine.amount,
            func.row_number()
            .over(partition_by=OrderLine.order_id, order_by=(OrderLine.position, OrderLine.id))
            .label("rank"),
            func.count().over(partition_by=OrderLine.order_id).label("total_lines"),
        )
        .where(OrderLine.order_id.in_(list(cards)))
        .subquery()
    )
    lines = await session.execute(
        select(ranked).where(ranked.c.rank <= MAX_LINES).order_by(ranked.c.order_id, ranked.c.rank)
    )
    for line in lines:
        card = cards[line.order_id]
        card.lines.append((line.name, line.quantity, line.measure_unit, line.amount))
        card.line_count = int(line.total_lines)
    return cards


def _order_body(card: OrderCard, language: str) -> list[str]:
    out: list[str] = []
    for name, quantity, unit, amount in card.lines:
        out.append(
            f"• {html.escape(name[:100])} × {_quantity(quantity)} {html.escape(unit)} = "
            f"{money(amount, card.currency)}"
        )
    if card.line_count > len(card.lines):
        out.append(t("tg.order.more_lines", language, count=card.line_count - len(card.lines)))
    if not card.lines:
        out.append(t("tg.order.no_lines", language))
    out.append(
        "<b>" + t("tg.order.total", language, total=money(card.total, card.currency)) + "</b>"
    )
    return out


def staff_buttons(card: OrderCard, language: str) -> list[list[dict[str, str]]]:
    """One button per workflow transition staff may take from the current status, two a row."""
    buttons = []
    for index, tr in enumerate(card.workflow.get("transitions", [])):
        if tr["from"] != card.status or not STAFF_ROLES & set(tr.get("roles", [])):
            continue
        label = (tr.get("label") or {}).get(language) or status_label(
            card.workflow, tr["to"], language
        )
        data = order_callback(card.id, tr["to"], card.version, index)
        buttons.append({"text": label, "callback_data": data})
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def staff_order_message(card: OrderCard, language: str) -> RenderedMessage:
    """The order's card for staff: number, status, customer, lines, total, transition buttons."""
    type_name = card.type_name.get(language) or next(iter(card.type_name.values()), "")
    title = t("tg.order.title", language, number=html.escape(card.number))
    head = f"{t('tg.order.new', language)}: <b>{title}</b>"
    if type_name:
        head += f" · {html.escape(type_name)}"
    status = status_label(card.workflow, card.status, language)
    lines = [head, t("tg.order.status", language, status=f"<b>{html.escape(status)}</b>")]
    if card.customer_name:
        lines.append(t("tg.order.customer", language, name=html.escape(card.customer_name)))
    if card.unit_name:
        lines.append(t("tg.order.unit", language, name=html.escape(card.unit_name)))
    if card.note:
        lines.append(t("tg.order.note", language, note=html.escape(card.note[:500])))
    lines.append("")
    lines.extend(_order_body(card, language))
    keyboard = staff_buttons(card, language)
    markup = {"inline_keyboard": keyboard} if keyboard else None
    return RenderedMessage("\n".join(lines), markup)


def deleted_order_message(number: str, language: str) -> RenderedMessage:
    title = t("tg.order.title", language, number=html.escape(number))
    return RenderedMessage(f"<s>{title}</s>\n{t('tg.order.deleted', language)}")


def open_order_url(public_url: str, order_id: int) -> str:
    return f"{public_url.rstrip('/')}/app#/orders/{order_id}"


def customer_status_message(
    card: OrderCard, language: str, *, status: str, comment: str, public_url: str
) -> RenderedMessage:
    """A status change as the customer reads it, with the Mini App button to open the order."""
    label = status_label(card.workflow, status, language)
    lines = [
        "<b>"
        + t(
            "tg.order.status_changed",
            language,
            number=html.escape(card.number),
            status=html.escape(label),
        )
        + "</b>"
    ]
    if comment:
        lines.append(t("tg.order.comment", language, comment=html.escape(comment[:500])))
    lines.append("")
    lines.extend(_order_body(card, language))
    button = {
        "text": t("tg.order.open", language),
        "web_app": {"url": open_order_url(public_url, card.id)},
    }
    return RenderedMessage("\n".join(lines), {"inline_keyboard": [[button]]})


def pending_user_message(payload: dict[str, Any], language: str) -> RenderedMessage:
    """A user waiting for approval, with approve / block buttons (`u:<id>:<action>`)."""
    user_id = int(payload["id"])
    name = str(payload.get("display_name") or "")
    handle = f"@{payload['username']}" if payload.get("username") else ""
    if payload.get("telegram_id"):
        handle = f"{handle} (id {payload['telegram_id']})".strip()
    lines = [f"<b>{t('tg.user.pending', language)}</b>"]
    if name:
        lines.append(t("tg.user.name", language, name=html.escape(name)))
    if handle:
        lines.append(t("tg.user.telegram", language, handle=html.escape(handle)))
    keyboard = [
        [
            {
                "text": t("tg.user.approve", language),
                "callback_data": user_callback(user_id, "approve"),
            },
            {
                "text": t("tg.user.block", language),
                "callback_data": user_callback(user_id, "block"),
            },
        ]
    ]
    return RenderedMessage("\n".join(lines), {"inline_keyboard": keyboard})


async def render_staff_order_message(
    session: AsyncSession, *, order_id: int, language: str, number: str | None = None
) -> RenderedMessage:
    """The staff card of an order as it is now (what a press re-renders in place).

    A deleted order renders as struck out (`number`: what to call it then)."""
    cards = await load_order_cards(session, [order_id])
    card = cards.get(order_id)
    if card is None:
        return deleted_order_message(number or str(order_id), language)
    return staff_order_message(card, language)


async def staff_messages_of(session: AsyncSession, order_id: int) -> list[tuple[int, int]]:
    """(chat_id, message_id) of the order's staff cards that were sent."""
    rows = await session.execute(
        select(TelegramDelivery.chat_id, TelegramDelivery.message_id)
        .where(
            TelegramDelivery.aggregate_type == "order",
            TelegramDelivery.aggregate_id == str(order_id),
            TelegramDelivery.purpose == STAFF_ORDER,
            TelegramDelivery.status == "sent",
            TelegramDelivery.message_id.is_not(None),
        )
        .order_by(TelegramDelivery.id)
    )
    return [(int(chat_id), int(message_id or 0)) for chat_id, message_id in rows]


# --- planning ---


@dataclass(slots=True)
class _Plan:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, event: OutboxEvent, target: ChatTarget, purpose: str, message: dict[str, Any]
    ) -> None:
        self.rows.append(
            {
                "event_id": event.event_id,
                "chat_id": target.chat_id,
                "purpose": purpose,
                "aggregate_type": event.aggregate_type,
                "aggregate_id": event.aggregate_id,
                "status": "pending",
                "attempts": 0,
                "message": message,
                "created_at": utcnow(),
            }
        )


def _staff_card_message(order_id: int, language: str, number: str) -> dict[str, Any]:
    """Staff cards are rendered when sent, so a late card shows the order as it is then."""
    return {"render": "staff_order", "order_id": order_id, "language": language, "number": number}


async def _carded_chats(session: AsyncSession, order_ids: list[int]) -> dict[int, dict[int, str]]:
    """Chats (→ language) that got or will get each order's staff card."""
    if not order_ids:
        return {}
    rows = await session.execute(
        select(
            TelegramDelivery.aggregate_id, TelegramDelivery.chat_id, TelegramDelivery.message
        ).where(
            TelegramDelivery.aggregate_type == "order",
            TelegramDelivery.aggregate_id.in_([str(i) for i in order_ids]),
            TelegramDelivery.purpose == STAFF_ORDER,
            TelegramDelivery.status.not_in(("failed", "dropped")),
        )
    )
    found: dict[int, dict[int, str]] = {}
    for aggregate_id, chat_id, message in rows:
        language = str((message or {}).get("language") or "ru")
        found.setdefault(int(aggregate_id), {})[int(chat_id)] = language
    return found


async def plan_deliveries(
    session: AsyncSession, events: Sequence[OutboxEvent], settings: Settings
) -> int:
    """Insert the deliveries these events call for; a known (event, chat, purpose) is skipped."""
    relevant = [e for e in events if e.type in ORDER_EVENTS or e.type in USER_EVENTS]
    if not relevant:
        return 0
    order_events = [e for e in relevant if e.aggregate_type == "order"]
    order_ids = sorted({int(e.aggregate_id) for e in order_events})
    cards = await load_order_cards(session, order_ids)
    staff = await staff_targets(session, settings)
    units = await unit_targets(session, [e.unit_id for e in order_events if e.unit_id])
    customers = await private_targets(
        session,
        [e.customer_id for e in order_events if e.customer_id and e.type == "order.status_changed"],
    )
    carded = await _carded_chats(session, order_ids)
    plan = _Plan()
    for event in relevant:
        try:
            _plan_event(event, plan, settings, cards, staff, units, customers, carded)
        except Exception:  # a bad payload must not stop the relay: log it, plan the rest
            log.exception("telegram.plan_failed", event_id=event.event_id, type=event.type)
    return await insert_deliveries(session, plan.rows)


def _plan_event(
    event: OutboxEvent,
    plan: _Plan,
    settings: Settings,
    cards: dict[int, OrderCard],
    staff: list[ChatTarget],
    units: dict[int, list[ChatTarget]],
    customers: dict[int, ChatTarget],
    carded: dict[int, dict[int, str]],
) -> None:
    payload = event.payload or {}
    if event.type == "user.created":
        if payload.get("status") == "pending":
            for target in staff:
                message = pending_user_message(payload, target.language).to_json()
                plan.add(event, target, STAFF_USER_PENDING, message)
        return
    order_id = int(event.aggregate_id)
    number = str(payload.get("number") or order_id)
    if event.type == "order.created":
        targets = {t.chat_id: t for t in [*staff, *units.get(event.unit_id or 0, [])]}
        for target in targets.values():
            plan.add(
                event, target, STAFF_ORDER, _staff_card_message(order_id, target.language, number)
            )
            carded.setdefault(order_id, {})[target.chat_id] = target.language
        return
    for chat_id, language in carded.get(order_id, {}).items():
        target = ChatTarget(chat_id, "staff", language)
        plan.add(event, target, STAFF_ORDER_EDIT, _staff_card_message(order_id, language, number))
    if event.type != "order.status_changed" or not event.customer_id:
        return
    if event.actor_id is not None and event.actor_id == event.customer_id:
        return  # the customer made this change and has just seen it happen
    customer = customers.get(event.customer_id)
    card = cards.get(order_id)
    if customer is None or card is None:
        return
    status = str(payload.get("to") or payload.get("status") or card.status)
    rendered = customer_status_message(
        card,
        customer.language,
        status=status,
        comment=str(payload.get("comment") or ""),
        public_url=settings.public_url,
    )
    plan.add(event, customer, CUSTOMER_STATUS, rendered.to_json())


async def insert_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert deliveries, skipping any whose (event_id, chat_id, purpose) exists; how many new."""
    if not rows:
        return 0
    table = cast(Table, TelegramDelivery.__table__)
    dialect = session.get_bind().dialect.name
    insert = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    stmt = insert.on_conflict_do_nothing(
        index_elements=["event_id", "chat_id", "purpose"]
    ).returning(table.c.id)
    result = await session.execute(stmt, rows)
    return len(result.all())


class TelegramPlanner:
    """The relay's in-transaction consumer: plan deliveries, then ask for a send job."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        added = await plan_deliveries(session, events, self.settings)
        if added:
            from orderdesk.telegram.tasks import request_sending

            await request_sending(session)
