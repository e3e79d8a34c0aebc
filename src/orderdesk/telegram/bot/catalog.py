"""Catalog browsing: categories, locations, tags and search, ten items per page, item cards."""

from __future__ import annotations

import re
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog.models import Category
from orderdesk.container import Container
from orderdesk.core.i18n import t
from orderdesk.core.permissions import Principal
from orderdesk.telegram.bot import queries
from orderdesk.telegram.bot.render import Answer, button, esc, kept_keyboard, money
from orderdesk.units.models import Unit

router = Router(name="catalog")
MAX_QUERY = 100


async def catalog_menu(session: AsyncSession, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[button(t("bot.catalog.all", locale), "l:a:0:0")]]
    rows += [
        [button(t("bot.catalog.category", locale, name=c["name"]), f"l:c:{c['id']}:0")]
        for c in await queries.categories(session)
    ]
    rows.append([button(t("bot.catalog.by_unit", locale), "ul")])
    return t("bot.catalog.title", locale), InlineKeyboardMarkup(inline_keyboard=rows)


async def _title(session: AsyncSession, kind: str, value: str, q: str, locale: str) -> str:
    if kind == "c":
        name = await queries.name_of(session, Category, int(value))
        return t("bot.catalog.category", locale, name=esc(name))
    if kind == "u":
        return t(
            "bot.catalog.unit", locale, name=esc(await queries.name_of(session, Unit, int(value)))
        )
    if kind == "t":
        return t("bot.catalog.tag", locale, tag=esc(value))
    if kind == "q":
        return t("bot.catalog.search", locale, q=esc(q))
    return t("bot.catalog.everything", locale)


def _filters(kind: str, value: str, q: str) -> dict[str, Any]:
    if kind == "c":
        return {"category_id": int(value)}
    if kind == "u":
        return {"unit_id": int(value)}
    if kind == "t":
        return {"tag": value}
    if kind == "q":
        return {"q": q}
    return {}


async def item_list(
    session: AsyncSession,
    principal: Principal,
    locale: str,
    kind: str,
    value: str,
    page: int,
    q: str = "",
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of items with one button per item and ◀️ ▶️ between pages."""
    rows, has_next = await queries.item_page(session, principal, page, **_filters(kind, value, q))
    title = await _title(session, kind, value, q, locale)
    if not rows and page == 0:
        text = f"{title}\n{t('bot.catalog.empty', locale)}"
    else:
        text = t("bot.catalog.page", locale, title=title, page=page + 1)
    shown = tuple((row["id"], row["name"], row["price"], row["currency"]) for row in rows)
    key = ("page", locale, kind, value, page, has_next, shown)
    return text, kept_keyboard(
        key, lambda: _page_keyboard(shown, locale, kind, value, page, has_next)
    )


def _page_keyboard(
    shown: tuple[tuple[Any, ...], ...], locale: str, kind: str, value: str, page: int, more: bool
) -> InlineKeyboardMarkup:
    buttons = [
        [button(f"{name} — {money(price)} {currency}", f"i:{item_id}")]
        for item_id, name, price, currency in shown
    ]
    nav = []
    if page > 0:
        nav.append(button(t("bot.nav.prev", locale), f"l:{kind}:{value}:{page - 1}"))
    if more:
        nav.append(button(t("bot.nav.next", locale), f"l:{kind}:{value}:{page + 1}"))
    if nav:
        buttons.append(nav)
    buttons.append([button(t("bot.nav.catalog", locale), "cat")])
    return InlineKeyboardMarkup(inline_keyboard=buttons)


async def item_view(
    session: AsyncSession, principal: Principal, locale: str, *, request: bool, **where: Any
) -> tuple[str, InlineKeyboardMarkup] | None:
    item = await queries.item_card(session, principal, **where)
    if item is None:
        return None
    stock = ""
    if item["stock"] is not None:
        stock = t("bot.item.stock", locale, stock=f"{money(item['stock'])} {item['measure_unit']}")
    text = t(
        "bot.item.card",
        locale,
        name=esc(item["name"]),
        sku=esc(item["sku"]),
        price=money(item["price"]),
        currency=item["currency"],
        stock=stock,
        description=esc(item["description"])[:600],
    )
    order = t("bot.item.request" if request else "bot.item.order", locale)
    keyboard = [
        [button(order, f"b:{item['id']}")],
        [button(t("bot.nav.catalog", locale), "cat")],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=keyboard)


async def ordering_is_request(session: AsyncSession, container: Container) -> bool:
    order_type = await queries.bot_order_type(session, container)
    return bool(order_type and order_type.one_active_per_item)


@router.message(Command("catalog"))
@router.message(F.text.in_({t("bot.menu.catalog", "ru"), t("bot.menu.catalog", "en")}))
async def show_catalog(message: Message, session: AsyncSession, locale: str) -> Answer:
    text, keyboard = await catalog_menu(session, locale)
    return message.answer(text, reply_markup=keyboard)


@router.callback_query(F.data == "cat")
async def back_to_catalog(query: CallbackQuery, session: AsyncSession, locale: str) -> Answer:
    text, keyboard = await catalog_menu(session, locale)
    return await _edit(query, text, keyboard)


@router.callback_query(F.data == "ul")
async def show_units(query: CallbackQuery, session: AsyncSession, locale: str) -> Answer:
    rows = [
        [button(t("bot.catalog.unit", locale, name=u["name"]), f"l:u:{u['id']}:0")]
        for u in await queries.units(session)
    ]
    rows.append([button(t("bot.nav.catalog", locale), "cat")])
    keyboard = InlineKeyboardMarkup(inline_keyboard=rows)
    return await _edit(query, t("bot.catalog.units", locale), keyboard)


# A catalog page press: l:<kind>:<value>:<page>, kind a(ll), c(ategory), u(nit), t(ag), q (search).
PAGE_PRESS = re.compile(r"^l:[acutq]:[^:]{0,40}:\d{1,4}$")


@router.callback_query(F.data.regexp(PAGE_PRESS))
async def show_page(
    query: CallbackQuery,
    session: AsyncSession,
    principal: Principal,
    locale: str,
    state: FSMContext,
) -> Answer:
    q = str((await state.get_data()).get("q", "")) if is_search_page(str(query.data)) else ""
    return await turn_page(query, session, principal, locale, q)


def is_search_page(data: str) -> bool:
    """A page of a free-text search: its text is kept in the FSM, not in the button."""
    return data.startswith("l:q:")


async def turn_page(
    query: CallbackQuery, session: AsyncSession, principal: Principal, locale: str, q: str = ""
) -> Answer:
    """The page a press asks for; `q` is the search text of a search page."""
    _, kind, value, page = str(query.data).split(":")
    if kind in "cu" and not value.isdigit():
        return query.answer()
    text, keyboard = await item_list(session, principal, locale, kind, value, int(page), q)
    return await _edit(query, text, keyboard)


@router.callback_query(F.data.regexp(r"^i:\d{1,18}$"))
async def show_item(
    query: CallbackQuery,
    session: AsyncSession,
    principal: Principal,
    locale: str,
    container: Container,
) -> Answer:
    request = await ordering_is_request(session, container)
    view = await item_view(session, principal, locale, request=request, id=int(str(query.data)[2:]))
    if view is None:
        return query.answer(t("bot.item.not_found", locale), show_alert=True)
    return await _edit(query, *view)


@router.message(Command("search"))
async def search_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    principal: Principal,
    locale: str,
    state: FSMContext,
) -> Answer:
    return await search(message, (command.args or "").strip(), session, principal, locale, state)


async def search(
    message: Message,
    q: str,
    session: AsyncSession,
    principal: Principal,
    locale: str,
    state: FSMContext,
) -> Answer:
    """Items whose text matches `q` (a `#tag` lists that tag)."""
    q = q[:MAX_QUERY]
    if not q:
        text, keyboard = await catalog_menu(session, locale)
    elif q.startswith("#") and len(q) > 1 and " " not in q:
        text, keyboard = await item_list(session, principal, locale, "t", q[1:40], 0)
    else:
        await state.update_data(q=q)
        text, keyboard = await item_list(session, principal, locale, "q", "", 0, q)
    return message.answer(text, reply_markup=keyboard)


async def _edit(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup) -> Answer:
    """Stop the button's spinner now; the pressed message's new text and buttons are the
    answer (a new message if it is gone)."""
    await query.answer()
    message = query.message
    if isinstance(message, Message):
        return message.edit_text(text, reply_markup=keyboard)
    return SendMessage(chat_id=query.from_user.id, text=text, reply_markup=keyboard)


def free_text_router() -> Router:
    """Last in line: any other text is a search."""
    tail = Router(name="search")

    @tail.message(F.text & ~F.text.startswith("/"))
    async def free_text(
        message: Message,
        session: AsyncSession,
        principal: Principal,
        locale: str,
        state: FSMContext,
    ) -> Answer:
        return await search(message, str(message.text).strip(), session, principal, locale, state)

    @tail.message()
    async def anything_else(message: Message, locale: str) -> Answer:
        if message.chat.type == "private":
            return message.answer(t("bot.unknown", locale))
        return None

    return tail


__all__ = ["InlineKeyboardButton", "router"]
