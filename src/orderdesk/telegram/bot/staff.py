"""Order buttons (staff and customers), /stats, /pending approvals and /login links."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.analytics.service import order_stats
from orderdesk.auth.links import issue_login_link
from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.core.errors import AppError, Conflict, PreconditionFailed
from orderdesk.core.i18n import t
from orderdesk.core.permissions import Principal, Role
from orderdesk.orders import repository as orders_repo
from orderdesk.orders import service as orders
from orderdesk.orders.workflow import find_transition, status_label
from orderdesk.telegram.bot import people, queries
from orderdesk.telegram.bot.render import (
    button,
    customer_order_message,
    esc,
    money,
    staff_order_message,
)

router = Router(name="staff")
STAFF_ROLES = (Role.admin, Role.manager, Role.staff)


class StaffComment(StatesGroup):
    text = State()


async def _render(
    session: AsyncSession, principal: Principal, order_id: int, locale: str, who: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The pressed message as it should look now, for the presser's side."""
    order = await orders_repo.get_order_row(session, order_id, principal)
    if order is None:
        return None
    order_type = await orders_repo.get_type(session, order["order_type_id"])
    assert order_type is not None
    if principal.role is Role.customer:
        return customer_order_message(order, order_type, principal=principal, locale=locale)
    customer = await queries.customer_name(session, order["customer_id"])
    return staff_order_message(
        order, order_type, customer=customer, principal=principal, locale=locale, changed_by=who
    )


@router.callback_query(F.data.regexp(r"^o:\d{1,18}:[a-z][a-z0-9_]{0,31}:\d{1,9}$"))
async def order_button(
    query: CallbackQuery,
    session: AsyncSession,
    principal: Principal,
    user: User,
    locale: str,
    state: FSMContext,
) -> None:
    """o:<order_id>:<to>:<version> — run the transition as the pressing user, edit in place."""
    _, raw_id, to, raw_version = str(query.data).split(":")
    order_id, version = int(raw_id), int(raw_version)
    order = await orders_repo.get_order_row(session, order_id, principal, with_lines=False)
    order_type = await orders_repo.get_type(session, order["order_type_id"]) if order else None
    rule = (
        find_transition(order_type.workflow, order["status"], to) if order and order_type else None
    )
    if order is None or order_type is None:
        await query.answer(t("bot.staff.not_allowed", locale), show_alert=True)
        return
    if order["version"] != version or rule is None:
        await query.answer(t("bot.staff.stale", locale), show_alert=True)
        await _refresh(query, session, principal, order_id, locale)
        return
    if principal.role.value not in rule["roles"]:
        await query.answer(t("bot.staff.not_allowed", locale), show_alert=True)
        return
    if rule.get("require_comment"):
        await _ask_comment(query, state, order, rule, order_type.workflow, locale)
        return
    try:
        await orders.transition(
            session=session, principal=principal, order_id=order_id, to=to, expected_version=version
        )
    except (PreconditionFailed, Conflict):
        await query.answer(t("bot.staff.stale", locale), show_alert=True)
        await _refresh(query, session, principal, order_id, locale)
        return
    await query.answer(
        t("bot.staff.done", locale, status=status_label(order_type.workflow, to, locale))
    )
    await _refresh(query, session, principal, order_id, locale, who=user.display_name)


async def _refresh(
    query: CallbackQuery,
    session: AsyncSession,
    principal: Principal,
    order_id: int,
    locale: str,
    who: str = "",
) -> None:
    view = await _render(session, principal, order_id, locale, who)
    if view is not None and isinstance(query.message, Message):
        await query.message.edit_text(view[0], reply_markup=view[1])


async def _ask_comment(
    query: CallbackQuery,
    state: FSMContext,
    order: dict[str, Any],
    rule: dict[str, Any],
    workflow: dict[str, Any],
    locale: str,
) -> None:
    await query.answer()
    labels = rule.get("label")
    label = labels.get(locale) if isinstance(labels, dict) else None
    label = label or status_label(workflow, str(rule["to"]), locale)
    message = query.message
    await state.set_state(StaffComment.text)
    await state.set_data(
        {
            "order_id": order["id"],
            "to": rule["to"],
            "version": order["version"],
            "chat_id": message.chat.id if message else None,
            "message_id": message.message_id if message else None,
        }
    )
    assert query.bot is not None
    chat_id = message.chat.id if message else query.from_user.id
    await query.bot.send_message(
        chat_id, t("bot.staff.comment", locale, label=esc(label), number=esc(order["number"]))
    )


@router.message(StaffComment.text, F.text)
async def comment_given(
    message: Message,
    session: AsyncSession,
    principal: Principal,
    user: User,
    locale: str,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    await state.clear()
    order_id = int(data["order_id"])
    try:
        row = await orders.transition(
            session=session,
            principal=principal,
            order_id=order_id,
            to=str(data["to"]),
            comment=str(message.text)[:1000],
            expected_version=int(data["version"]),
        )
    except (PreconditionFailed, Conflict):
        await message.answer(t("bot.staff.stale", locale))
        return
    order_type = await orders_repo.get_type(session, row["order_type_id"])
    assert order_type is not None
    await message.answer(
        t("bot.staff.done", locale, status=status_label(order_type.workflow, row["status"], locale))
    )
    view = await _render(session, principal, order_id, locale, user.display_name)
    if view is not None and data.get("message_id") and message.bot is not None:
        await message.bot.edit_message_text(
            view[0],
            chat_id=int(data["chat_id"]),
            message_id=int(data["message_id"]),
            reply_markup=view[1],
        )


def _is_staff(principal: Principal) -> bool:
    return principal.role in STAFF_ROLES


@router.message(Command("stats"))
async def stats(message: Message, session: AsyncSession, principal: Principal, locale: str) -> None:
    if not _is_staff(principal):
        await message.answer(t("bot.staff.only", locale))
        return
    figures = await order_stats(session, principal=principal, now=datetime.now(UTC))
    types = await queries.order_types(session)
    labels: dict[str, str] = {}
    for order_type in types.values():
        for entry in order_type.workflow.get("statuses", []):
            labels.setdefault(entry["code"], entry["label"].get(locale, entry["code"]))
    parts = [t("bot.stats.title", locale)]
    for period in figures.periods:
        label = (
            t("bot.stats.today", locale)
            if period.key == "today"
            else t("bot.stats.days", locale, days=period.key.rstrip("d"))
        )
        revenue = ", ".join(
            f"{money(amount)} {currency}" for currency, amount in period.revenue.items()
        )
        parts.append(
            t(
                "bot.stats.period",
                locale,
                label=label,
                count=period.orders,
                revenue=revenue or money(Decimal(0)),
            )
        )
        parts.extend(
            t("bot.stats.status", locale, status=esc(labels.get(code, code)), count=count)
            for code, count in period.by_status.items()
        )
        if period.top_items:
            top = ", ".join(f"{esc(i.name)} ({money(i.quantity)})" for i in period.top_items)
            parts.append(t("bot.stats.top", locale, items=top))
    await message.answer("\n".join(parts))


@router.message(Command("pending"))
async def pending(
    message: Message, session: AsyncSession, principal: Principal, locale: str
) -> None:
    if principal.role not in people.MODERATORS:
        await message.answer(t("bot.staff.only", locale))
        return
    waiting = await queries.pending_users(session)
    if not waiting:
        await message.answer(t("bot.pending.empty", locale))
        return
    rows = [
        [
            button(f"✅ {person.display_name}"[:60], f"pu:{person.id}:a"),
            button(t("bot.pending.block", locale), f"pu:{person.id}:b"),
        ]
        for person in waiting
    ]
    await message.answer(
        t("bot.pending.title", locale), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
    )


@router.callback_query(F.data.regexp(r"^pu:\d{1,18}:[ab]$"))
async def decide(
    query: CallbackQuery, session: AsyncSession, principal: Principal, locale: str
) -> None:
    _, raw_id, verdict = str(query.data).split(":")
    status = "active" if verdict == "a" else "blocked"
    try:
        person = await people.decide_pending(
            session, principal=principal, user_id=int(raw_id), status=status
        )
    except AppError as exc:
        key = "bot.pending.not_pending" if isinstance(exc, Conflict) else "bot.staff.not_allowed"
        await query.answer(t(key, locale), show_alert=True)
        return
    await query.answer()
    done = t(
        "bot.pending.done",
        locale,
        name=esc(person.display_name),
        status=t(f"bot.status.{status}", locale),
    )
    if isinstance(query.message, Message):
        await query.message.answer(done)
    if status == "active" and person.telegram_id and query.bot is not None:
        await query.bot.send_message(
            person.telegram_id, t("bot.pending.approved_notice", person.locale)
        )


@router.message(Command("login"))
async def login_link(
    message: Message,
    session: AsyncSession,
    user: User,
    principal: Principal,
    locale: str,
    container: Container,
) -> None:
    if not _is_staff(principal) or message.chat.type != "private":
        await message.answer(t("bot.staff.only", locale))
        return
    url = await issue_login_link(session, user=user, settings=container.settings, via="telegram")
    minutes = container.settings.login_link_ttl_seconds // 60
    await message.answer(t("bot.login.link", locale, minutes=minutes, url=esc(url)))
