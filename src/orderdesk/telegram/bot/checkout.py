"""Placing an order or a request: quantity, the required fields, confirmation, the service."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.core.i18n import t
from orderdesk.core.permissions import Principal
from orderdesk.orders import service as orders
from orderdesk.orders.models import OrderType
from orderdesk.orders.schemas import LineIn, OrderCreate
from orderdesk.orders.workflow import status_label
from orderdesk.telegram.bot import queries
from orderdesk.telegram.bot.keyboards import phone_keyboard
from orderdesk.telegram.bot.middlewares import AfterCommit
from orderdesk.telegram.bot.render import Answer, button, esc, money

router = Router(name="checkout")
MAX_QUANTITY = 999
ASKED_TYPES = {"string", "text", "enum", "date", "integer", "decimal"}


class Checkout(StatesGroup):
    quantity = State()
    attribute = State()
    confirm = State()


def _questions(order_type: OrderType, user: User) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Required fields to ask, and the ones filled from the profile (phone, name)."""
    asked, known = [], {}
    for spec in order_type.attribute_schema:
        name = spec["name"]
        if "phone" in name and user.phone:
            known[name] = user.phone
        elif spec.get("required") and spec.get("type", "string") in ASKED_TYPES:
            asked.append(spec)
    return asked, known


async def _order_type(session: AsyncSession, container: Container) -> OrderType | None:
    return await queries.bot_order_type(session, container)


@router.callback_query(F.data.regexp(r"^b:\d{1,18}$"))
async def begin(
    query: CallbackQuery,
    session: AsyncSession,
    principal: Principal,
    user: User,
    locale: str,
    state: FSMContext,
    container: Container,
) -> Answer:
    await query.answer()
    order_type = await _order_type(session, container)
    item = await queries.item_card(session, principal, id=int(str(query.data)[2:]))
    chat_id = query.from_user.id
    if order_type is None or item is None:
        key = "bot.order.no_type" if order_type is None else "bot.item.not_found"
        return SendMessage(chat_id=chat_id, text=t(key, locale))
    if order_type.requires_phone and not user.phone:
        keyboard = phone_keyboard(locale)
        return SendMessage(
            chat_id=chat_id, text=t("bot.phone.required", locale), reply_markup=keyboard
        )
    asked, known = _questions(order_type, user)
    draft = {"item_id": item["id"], "name": item["name"], "price": str(item["price"]),
             "currency": item["currency"], "type": order_type.code, "quantity": "1",
             "attributes": known, "asked": [spec["name"] for spec in asked]}  # fmt: skip
    await state.set_data(draft)
    if order_type.one_active_per_item:  # a request: one facility, no quantity
        return await _next_question(chat_id, state, order_type, locale, draft)
    await state.set_state(Checkout.quantity)
    return SendMessage(
        chat_id=chat_id, text=t("bot.order.quantity", locale, name=esc(item["name"]))
    )


@router.message(Checkout.quantity, F.text)
async def quantity(
    message: Message, session: AsyncSession, locale: str, state: FSMContext, container: Container
) -> Answer:
    text = str(message.text).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_QUANTITY:
        return message.answer(t("bot.order.bad_quantity", locale, max=MAX_QUANTITY))
    draft = await state.update_data(quantity=text)
    order_type = await _order_type(session, container)
    if order_type is None:
        return await _expired(message, state, locale)
    return await _next_question(message.chat.id, state, order_type, locale, draft)


async def _next_question(
    chat_id: int, state: FSMContext, order_type: OrderType, locale: str, data: dict[str, Any]
) -> SendMessage:
    """The next required field to ask, or the summary; `data` is the draft just written (not
    read back: with Redis FSM storage each read is a round trip)."""
    pending = [name for name in data["asked"] if name not in data["attributes"]]
    if not pending:
        await state.set_state(Checkout.confirm)
        text, keyboard = _summary(data, order_type, locale)
        return SendMessage(chat_id=chat_id, text=text, reply_markup=keyboard)
    spec = next(s for s in order_type.attribute_schema if s["name"] == pending[0])
    label = spec.get("label", {}).get(locale) or spec["name"]
    await state.set_state(Checkout.attribute)
    if spec.get("type") == "enum":
        rows = [[button(str(v), f"ba:{i}")] for i, v in enumerate(spec.get("enum", [])[:30])]
        return SendMessage(
            chat_id=chat_id,
            text=t("bot.order.ask_attribute", locale, label=esc(label)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )
    key = "bot.order.ask_date" if spec.get("type") == "date" else "bot.order.ask_attribute"
    return SendMessage(chat_id=chat_id, text=t(key, locale, label=esc(label)))


def _parse(spec: dict[str, Any], text: str) -> Any:
    """The typed value of an answer; ValueError when it cannot be read."""
    kind = spec.get("type", "string")
    if kind == "date":
        for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, fmt).date().isoformat()  # noqa: DTZ007
            except ValueError:
                continue
        raise ValueError(text)
    if kind == "integer":
        return int(text)
    if kind == "decimal":
        return str(Decimal(text.replace(",", ".")))
    if not text or len(text) > int(spec.get("max") or 1000):
        raise ValueError(text)
    return text


async def _answer_attribute(
    chat_id: int, raw: str | int, state: FSMContext, order_type: OrderType, locale: str
) -> Answer:
    data = await state.get_data()
    pending = [name for name in data.get("asked", []) if name not in data.get("attributes", {})]
    if not pending:
        return None
    spec = next(s for s in order_type.attribute_schema if s["name"] == pending[0])
    try:
        value = spec["enum"][raw] if isinstance(raw, int) else _parse(spec, raw.strip())
    except (ValueError, IndexError, KeyError, ArithmeticError):
        return SendMessage(chat_id=chat_id, text=t("bot.order.bad_value", locale))
    draft = await state.update_data(attributes={**data["attributes"], spec["name"]: value})
    return await _next_question(chat_id, state, order_type, locale, draft)


@router.message(Checkout.attribute, F.text)
async def attribute_text(
    message: Message, session: AsyncSession, locale: str, state: FSMContext, container: Container
) -> Answer:
    order_type = await _order_type(session, container)
    if order_type is None:
        return await _expired(message, state, locale)
    return await _answer_attribute(message.chat.id, str(message.text), state, order_type, locale)


@router.callback_query(Checkout.attribute, F.data.regexp(r"^ba:\d{1,2}$"))
async def attribute_choice(
    query: CallbackQuery,
    session: AsyncSession,
    locale: str,
    state: FSMContext,
    container: Container,
) -> Answer:
    await query.answer()
    order_type = await _order_type(session, container)
    if order_type is None:
        return None
    index = int(str(query.data)[3:])
    return await _answer_attribute(query.from_user.id, index, state, order_type, locale)


def _summary(
    data: dict[str, Any], order_type: OrderType, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    quantity = Decimal(data["quantity"])
    labels = {
        s["name"]: s.get("label", {}).get(locale) or s["name"] for s in order_type.attribute_schema
    }
    attributes = "".join(
        f"{esc(labels.get(k, k))}: {esc(v)}\n" for k, v in data["attributes"].items()
    )
    text = t(
        "bot.order.summary",
        locale,
        kind=esc((order_type.name.get(locale) or order_type.code).lower()),
        lines=f"• {esc(data['name'])} × {quantity}",
        attributes=attributes,
        total=money(Decimal(data["price"]) * quantity),
        currency=data["currency"],
    )
    keyboard = [
        [button(t("bot.order.confirm", locale), "bc"), button(t("bot.order.cancel", locale), "bx")]
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=keyboard)


@router.callback_query(Checkout.confirm, F.data == "bc")
async def confirm(
    query: CallbackQuery,
    session: AsyncSession,
    principal: Principal,
    locale: str,
    state: FSMContext,
    container: Container,
    after_commit: list[AfterCommit],
) -> Answer:
    data = await state.get_data()
    order_type = await _order_type(session, container)
    if order_type is None or order_type.code != data.get("type"):
        await state.clear()
        return query.answer(t("bot.order.expired", locale), show_alert=True)
    # The state is cleared first: a second press of "Confirm" finds nothing to place.
    await state.clear()
    order = await orders.create_order(
        session=session,
        principal=principal,
        data=OrderCreate(
            order_type=order_type.code,
            channel="telegram",
            attributes=data["attributes"],
            lines=[LineIn(item_id=data["item_id"], quantity=Decimal(data["quantity"]))],
        ),
        cache=container.cache,
        cache_ttl=container.settings.cache_ttl_seconds,
    )
    # answered after the commit: the type's counter row stays locked until then
    after_commit.append(query.answer)
    text = t(
        "bot.order.created",
        locale,
        number=esc(order["number"]),
        status=esc(status_label(order_type.workflow, order["status"], locale)),
        total=money(order["total"]),
        currency=order["currency"],
    )
    # The confirmation goes out in the webhook's answer: only once the order is committed.
    if isinstance(query.message, Message):
        return query.message.edit_text(text)
    return SendMessage(chat_id=query.from_user.id, text=text)


@router.callback_query(F.data.in_({"bc", "bx"}))
async def drop_draft(query: CallbackQuery, locale: str, state: FSMContext) -> Answer:
    await state.clear()
    key = "bot.order.cancelled_draft" if query.data == "bx" else "bot.order.expired"
    await query.answer()
    if isinstance(query.message, Message):
        return query.message.edit_text(t(key, locale))
    return None


async def _expired(message: Message, state: FSMContext, locale: str) -> Answer:
    await state.clear()
    return message.answer(t("bot.order.expired", locale))
