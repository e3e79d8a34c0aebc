"""Texts and inline keyboards of orders and catalog pages.

`staff_order_message` is a fallback for helper tsend's `render_staff_order_message`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from orderdesk.core.i18n import t
from orderdesk.core.permissions import Principal
from orderdesk.orders.workflow import allowed_transitions, status_label
from orderdesk.telegram.bot import texts  # noqa: F401  (texts registered before use)

Keyboard = InlineKeyboardMarkup
# A handler's last word: a Bot API method it returns instead of calling. The webhook answers it
# in the HTTP response, after the update's transaction committed; polling calls it (ADR 0020).
Answer = TelegramMethod[Any] | None


def money(value: Any) -> str:
    amount = Decimal(value or 0).quantize(Decimal("0.01"))
    text = f"{amount:,.2f}".replace(",", " ")
    return text[:-3] if text.endswith(".00") else text


def esc(value: Any) -> str:
    return html.escape(str(value or ""), quote=False)


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


# Keyboards kept by a key that determines their content (a catalog page's rows, locale and
# navigation), so a kept keyboard is never stale: a page pressed again skips building a dozen
# pydantic buttons, and the webhook answer reuses the keyboard's JSON (ADR 0020). The key must
# hold everything the builder reads. Cleared when full.
_KEPT: dict[Hashable, Keyboard] = {}
_KEPT_BY_ID: dict[int, tuple[Keyboard, list[str]]] = {}  # id → (keyboard, [its JSON, once made])
MAX_KEPT = 2_000


def kept_keyboard(key: Hashable, build: Callable[[], Keyboard]) -> Keyboard:
    """The keyboard `build()` makes for `key`, built once; treat it as read-only."""
    keyboard = _KEPT.get(key)
    if keyboard is None:
        if len(_KEPT) >= MAX_KEPT:
            _KEPT.clear()
            _KEPT_BY_ID.clear()
        keyboard = _KEPT[key] = build()
        _KEPT_BY_ID[id(keyboard)] = (keyboard, [])
    return keyboard


def kept_json(value: Any, make: Callable[[Keyboard], str]) -> str | None:
    """The JSON of `value` if it is a kept keyboard (`make` writes it the first time)."""
    entry = _KEPT_BY_ID.get(id(value))
    if entry is None or entry[0] is not value:
        return None
    keyboard, made = entry
    if not made:
        made.append(make(keyboard))
    return made[0]


def lines_text(lines: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"• {esc(line['name'])} × {Decimal(line['quantity']).normalize():f} = "
        f"{money(line['amount'])}"
        for line in lines
    )


def transition_buttons(
    order: dict[str, Any], workflow: dict[str, Any], principal: Principal, locale: str
) -> list[list[InlineKeyboardButton]]:
    """One button per transition `principal` may take now: o:<id>:<to>:<version>."""
    rows = []
    for tr in allowed_transitions(workflow, order["status"], principal):
        label = (tr.get("label") or {}).get(locale) or status_label(workflow, tr["to"], locale)
        rows.append([button(label, f"o:{order['id']}:{tr['to']}:{order['version']}")])
    return rows


def staff_order_message(
    order: dict[str, Any],
    order_type: Any,
    *,
    customer: str,
    principal: Principal,
    locale: str,
    changed_by: str = "",
) -> tuple[str, Keyboard]:
    """The staff notification of an order, with buttons for the allowed transitions."""
    workflow = order_type.workflow
    status = status_label(workflow, order["status"], locale)
    text = t(
        "bot.staff.order",
        locale,
        kind=esc(order_type.name.get(locale) or order_type.code),
        number=esc(order["number"]),
        status=esc(status),
        customer=esc(customer),
        lines=lines_text(order.get("lines", [])),
        total=money(order["total"]),
        currency=order["currency"],
    )
    if changed_by:
        text += t("bot.staff.changed_by", locale, status=esc(status), who=esc(changed_by))
    buttons = transition_buttons(order, workflow, principal, locale)
    return text, Keyboard(inline_keyboard=buttons)


def customer_order_message(
    order: dict[str, Any], order_type: Any, *, principal: Principal, locale: str
) -> tuple[str, Keyboard]:
    """An order as its customer sees it, with the transitions the customer may take (cancel)."""
    workflow = order_type.workflow
    text = t(
        "bot.order.detail",
        locale,
        number=esc(order["number"]),
        status=esc(status_label(workflow, order["status"], locale)),
        lines=lines_text(order.get("lines", [])),
        total=money(order["total"]),
        currency=order["currency"],
    )
    buttons = transition_buttons(order, workflow, principal, locale)
    buttons.append([button(t("bot.menu.orders", locale), "mo")])
    return text, Keyboard(inline_keyboard=buttons)
