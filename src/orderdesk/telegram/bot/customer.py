"""/start with deep links, registration with the phone, and "my orders"."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.core.errors import NotFound
from orderdesk.core.i18n import t
from orderdesk.core.permissions import Principal
from orderdesk.orders import repository as orders_repo
from orderdesk.orders.workflow import status_label
from orderdesk.telegram.bot import catalog, people, queries
from orderdesk.telegram.bot.keyboards import main_menu
from orderdesk.telegram.bot.render import Answer, button, customer_order_message, esc, money
from orderdesk.telegram.chats import remember_chat

router = Router(name="customer")
router.message.filter(F.chat.type == "private")


@router.message(CommandStart())
async def start(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    principal: Principal,
    locale: str,
    container: Container,
    user_created: bool,
) -> Answer:
    await remember_chat(
        session,
        chat_id=message.chat.id,
        kind="private",
        user_id=user.id,
        title=user.display_name,
        language=locale,
    )
    greeting = "bot.welcome" if user_created else "bot.welcome_back"
    menu = main_menu(locale, ask_phone=not user.phone)
    greet = message.answer(t(greeting, locale, name=esc(user.display_name)), reply_markup=menu)
    if user.status == "pending":
        await greet
        return message.answer(t("bot.pending", locale))
    view = await _deep_link(session, principal, locale, container, (command.args or "").strip())
    if view is None:
        return greet
    await greet
    return message.answer(view[0], reply_markup=view[1])


async def _deep_link(
    session: AsyncSession, principal: Principal, locale: str, container: Container, payload: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """unit_<id> (that unit's shop), item_<sku>, order_<id>, cat_<id>, tag_<tag>."""
    kind, _, value = payload.partition("_")
    if not value:
        return None
    if kind == "unit" and value.isdigit():
        return await catalog.item_list(session, principal, locale, "u", value, 0)
    if kind == "cat" and value.isdigit():
        return await catalog.item_list(session, principal, locale, "c", value, 0)
    if kind == "tag":
        return await catalog.item_list(session, principal, locale, "t", value[:40], 0)
    if kind == "item":
        request = await catalog.ordering_is_request(session, container)
        return await catalog.item_view(session, principal, locale, request=request, sku=value)
    if kind == "order" and value.isdigit():
        return await order_view(session, principal, locale, int(value))
    return None


@router.message(F.contact)
async def shared_contact(
    message: Message, session: AsyncSession, user: User, locale: str
) -> Answer:
    contact = message.contact
    assert contact is not None
    if contact.user_id != message.from_user.id:  # type: ignore[union-attr]
        return message.answer(t("bot.phone.not_yours", locale))
    phone = await people.save_phone(session, user=user, phone=contact.phone_number)
    await remember_chat(
        session,
        chat_id=message.chat.id,
        kind="private",
        user_id=user.id,
        title=user.display_name,
        language=locale,
    )
    return message.answer(
        t("bot.phone.saved", locale, phone=esc(phone)),
        reply_markup=main_menu(locale, ask_phone=False),
    )


async def orders_list(
    session: AsyncSession, user: User, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    rows = await queries.recent_orders(session, user.id)
    if not rows:
        return t("bot.orders.empty", locale), InlineKeyboardMarkup(inline_keyboard=[])
    types = await queries.order_types(session)
    buttons = []
    for row in rows:
        status = status_label(types[row["order_type_id"]].workflow, row["status"], locale)
        label = t(
            "bot.orders.line",
            locale,
            number=row["number"],
            status=status,
            total=money(row["total"]),
            currency=row["currency"],
        )
        buttons.append([button(label, f"mo:{row['id']}")])
    return t("bot.orders.title", locale), InlineKeyboardMarkup(inline_keyboard=buttons)


async def order_view(
    session: AsyncSession, principal: Principal, locale: str, order_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    order = await orders_repo.get_order_row(session, order_id, principal)
    if order is None:
        raise NotFound("order.not_found", id=order_id)
    order_type = await orders_repo.get_type(session, order["order_type_id"])
    assert order_type is not None
    return customer_order_message(order, order_type, principal=principal, locale=locale)


@router.message(Command("orders"))
@router.message(F.text.in_({t("bot.menu.orders", "ru"), t("bot.menu.orders", "en")}))
async def my_orders(message: Message, session: AsyncSession, user: User, locale: str) -> Answer:
    text, keyboard = await orders_list(session, user, locale)
    return message.answer(text, reply_markup=keyboard)


@router.callback_query(F.data == "mo")
async def my_orders_again(
    query: CallbackQuery, session: AsyncSession, user: User, locale: str
) -> Answer:
    text, keyboard = await orders_list(session, user, locale)
    return await _replace(query, text, keyboard)


@router.callback_query(F.data.regexp(r"^mo:\d{1,18}$"))
async def one_order(
    query: CallbackQuery, session: AsyncSession, principal: Principal, locale: str
) -> Answer:
    text, keyboard = await order_view(session, principal, locale, int(str(query.data)[3:]))
    return await _replace(query, text, keyboard)


async def _replace(query: CallbackQuery, text: str, keyboard: Any) -> Answer:
    await query.answer()
    if isinstance(query.message, Message):
        return query.message.edit_text(text, reply_markup=keyboard)
    return None
