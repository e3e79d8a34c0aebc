"""Telegram update objects as Telegram sends them, for conversation tests and benchmarks."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1)
_message_ids = itertools.count(1)


def next_update_id() -> int:
    return next(_ids)


def user(
    user_id: int, first_name: str = "Анна", *, language: str = "ru", **extra: Any
) -> dict[str, Any]:
    """A Telegram user object."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language,
        **extra,
    }


def private_chat(person: dict[str, Any]) -> dict[str, Any]:
    return {"id": person["id"], "type": "private", "first_name": person.get("first_name", "")}


def group_chat(chat_id: int, title: str = "Staff") -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": title}


def message(
    person: dict[str, Any],
    text: str | None = None,
    *,
    chat: dict[str, Any] | None = None,
    update_id: int | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An update with a message from `person` (text, or other fields such as `contact`)."""
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat or private_chat(person),
        "from": person,
        **fields,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id or next_update_id(), "message": body}


def contact(person: dict[str, Any], phone: str, *, update_id: int | None = None) -> dict[str, Any]:
    """The user shared their own phone number with the request-contact button."""
    shared = {"phone_number": phone, "first_name": person["first_name"], "user_id": person["id"]}
    return message(person, contact=shared, update_id=update_id)


def callback(
    person: dict[str, Any],
    data: str,
    *,
    message_id: int,
    chat: dict[str, Any] | None = None,
    update_id: int | None = None,
) -> dict[str, Any]:
    """A press on an inline button of the bot's message `message_id`."""
    return {
        "update_id": update_id or next_update_id(),
        "callback_query": {
            "id": str(next(_message_ids)),
            "from": person,
            "chat_instance": "ci-1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat or private_chat(person),
                "from": {"id": 123456, "is_bot": True, "first_name": "orderdesk"},
                "text": "…",
            },
        },
    }
