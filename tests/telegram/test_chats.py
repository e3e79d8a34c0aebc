"""The chat registry: remembering chats, staff chats from settings and the registry."""

from __future__ import annotations

import pytest

from orderdesk.container import Container
from orderdesk.telegram.chats import (
    chat_language,
    deactivate_chat,
    private_chat_of,
    remember_chat,
    staff_targets,
)
from tests.telegram.standin import BotAPIStandIn
from tests.telegram.test_sending_helpers import send_settings


async def test_a_chat_is_remembered_updated_and_reactivated(
    container: Container, make_user: object
) -> None:
    user = await make_user("customer")  # type: ignore[operator]
    async with container.write_sessions() as session:
        await remember_chat(session, chat_id=9, kind="private", user_id=user.id, language="en-US")
        await deactivate_chat(session, 9)
        chat = await remember_chat(
            session, chat_id=9, kind="private", user_id=user.id, title="Anna", language="ru"
        )
        await session.commit()
    assert (chat.active, chat.inactive_since, chat.language, chat.title) == (
        True,
        None,
        "ru",
        "Anna",
    )
    async with container.read_sessions() as session:
        found = await private_chat_of(session, user.id)
    assert found is not None
    assert found.chat_id == 9


async def test_an_unknown_kind_is_refused(container: Container) -> None:
    async with container.write_sessions() as session:
        with pytest.raises(ValueError, match="kind"):
            await remember_chat(session, chat_id=1, kind="channel")


async def test_staff_chats_are_the_configured_ones_and_registered_ones_minus_inactive(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api, telegram_staff_chat_ids=[-1, -2])
    async with container.write_sessions() as session:
        await remember_chat(session, chat_id=-1, kind="staff", language="en")
        await remember_chat(session, chat_id=-3, kind="staff")
        await deactivate_chat(session, -2)
        targets = await staff_targets(session, settings)
        await session.commit()
    assert {(t.chat_id, t.language) for t in targets} == {(-1, "en"), (-3, "ru")}


def test_languages_fall_back_to_russian_and_anything_else_reads_english() -> None:
    assert [chat_language(c) for c in ("", None, "ru", "ru-RU", "en", "uz")] == [
        "ru",
        "ru",
        "ru",
        "ru",
        "en",
        "en",
    ]
