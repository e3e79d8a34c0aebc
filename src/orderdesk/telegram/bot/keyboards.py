"""Reply keyboards: the main menu and the request-contact button."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from orderdesk.core.i18n import t


def main_menu(locale: str, *, ask_phone: bool) -> ReplyKeyboardMarkup:
    rows = [
        [
            KeyboardButton(text=t("bot.menu.catalog", locale)),
            KeyboardButton(text=t("bot.menu.orders", locale)),
        ]
    ]
    if ask_phone:
        rows.append([KeyboardButton(text=t("bot.menu.phone", locale), request_contact=True)])
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True)


def phone_keyboard(locale: str) -> ReplyKeyboardMarkup:
    return main_menu(locale, ask_phone=True)
