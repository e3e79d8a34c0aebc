"""The webhook's express lane for catalog page presses (ADR 0020): taken, and exact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
from aiogram import BaseMiddleware
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import TelegramObject

from orderdesk.app import create_app
from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.telegram.bot import build_dispatcher, catalog
from orderdesk.telegram.bot.express import ExpressLane
from orderdesk.telegram.bot.runtime import BotRuntime
from tests.factories import make_category, make_item, make_item_type, make_unit
from tests.telegram import botkit, updates
from tests.telegram.botkit import Conversation, StandIn

tg_api = botkit.tg_api
GROUP = updates.group_chat(-100_777)


@pytest.fixture
async def lane_talk(
    container: Container, tg_api: StandIn
) -> AsyncIterator[tuple[Conversation, BotRuntime]]:
    """A conversation with the bot (five updates a minute per person) and its runtime."""
    bot_container = botkit.bot_container(container, tg_api, telegram_updates_rate="5/minute")
    app = create_app(container=bot_container)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Conversation(http, tg_api, bot_container), app.state.telegram
    await app.state.telegram.close()


async def _shop(container: Container) -> dict[str, int]:
    product = await make_item_type(container, "product")
    flowers = await make_category(container, "Цветы")
    north = await make_unit(container)
    for i in range(12):
        await make_item(
            container,
            product["id"],
            name=f"Роза {i:02d}",
            sku=f"ROSE-{i:02d}",
            price=Decimal("150.00"),
            category_id=flowers["id"],
            unit_id=north["id"] if i % 2 else None,
            tags=["розы"],
        )
    return {"category": flowers["id"], "unit": north["id"]}


def _count_calls(runtime: BotRuntime, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = {"express": 0, "dispatcher": 0}
    express, dispatcher = runtime.express, runtime.dispatcher
    assert express is not None

    def counted(name: str, feed: Any) -> Any:
        async def run(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return await feed(*args, **kwargs)

        return run

    monkeypatch.setattr(express, "feed", counted("express", express.feed))
    monkeypatch.setattr(dispatcher, "feed_update", counted("dispatcher", dispatcher.feed_update))
    return counts


async def test_page_presses_take_the_express_lane_and_other_updates_the_dispatcher(
    lane_talk: tuple[Conversation, BotRuntime],
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    talk, runtime = lane_talk
    ids = await _shop(container)
    counts = _count_calls(runtime, monkeypatch)
    anna, boris = updates.user(951), updates.user(952)
    await talk.send(updates.callback(anna, "l:a:0:1", message_id=1))
    assert "Страница 2" in talk.last(951).params["text"]
    for data in (f"l:c:{ids['category']}:0", f"l:u:{ids['unit']}:0", "l:t:розы:0"):
        await talk.send(updates.callback(anna, data, message_id=1))
    assert counts == {"express": 4, "dispatcher": 0}
    await talk.send(updates.message(boris, "роза"))  # a search: its pages read the FSM
    await talk.send(updates.callback(boris, "l:q::1", message_id=1))
    await talk.send(updates.callback(boris, "cat", message_id=1))
    assert counts == {"express": 4, "dispatcher": 3}
    assert talk.last(952).params["text"] == "🛍 Каталог. Выберите категорию:"


def _normalise(value: Any, names: dict[str, str]) -> Any:
    """`value` with the run's own ids (people, callback queries) replaced by stable names."""
    if isinstance(value, dict):
        return {key: _normalise(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(item, names) for item in value]
    if isinstance(value, str) and value.startswith(("{", "[")):
        return _normalise(orjson.loads(value), names)
    return names.get(str(value), value)


async def _presses(
    talk: Conversation, container: Container, ids: dict[str, int], base: int
) -> list[Any]:
    """Page presses of every kind and fate, by people `base`+1…; what each one brought."""
    anna, john = updates.user(base + 1), updates.user(base + 2, "John", language="en")
    blocked, pending = updates.user(base + 3), updates.user(base + 4)
    hasty, stranger = updates.user(base + 5), updates.user(base + 6)
    async with container.write_sessions() as session:
        for person, status in ((blocked, "blocked"), (pending, "pending")):
            session.add(
                User(
                    telegram_id=person["id"],
                    display_name="x",
                    role="customer",
                    status=status,
                    locale="ru",
                )
            )
        await session.commit()
    private = updates.private_chat(anna)
    gone = updates.callback(anna, "l:a:0:0", message_id=3)
    gone["callback_query"]["message"] = {"message_id": 3, "date": 0, "chat": private}
    first = updates.callback(anna, "l:a:0:0", message_id=3)  # first contact: a new customer
    inline = updates.callback(john, "l:a:0:0", message_id=4)  # on a message sent inline
    del inline["callback_query"]["message"]
    inline["callback_query"]["inline_message_id"] = "inline-1"
    sequence = [
        first,
        updates.callback(anna, "l:a:0:1", message_id=3),
        updates.callback(anna, f"l:c:{ids['category']}:0", message_id=3),
        first,  # Telegram's retry: acknowledged, not handled again
        gone,  # the pressed message is no longer there: a new message instead
        updates.callback(john, f"l:u:{ids['unit']}:0", message_id=4),
        updates.callback(john, "l:t:розы:1", message_id=4),
        updates.callback(john, "l:c:x:0", message_id=4),  # malformed: the spinner stops
        updates.callback(john, "l:a:0:50", message_id=4),  # past the end
        inline,
        updates.callback(blocked, "l:a:0:0", message_id=5),
        updates.callback(pending, "l:a:0:0", message_id=6),
        updates.callback(stranger, "l:a:0:0", message_id=7, chat=GROUP),  # nobody to act as
        updates.callback(anna, "l:a:0:0", message_id=8, chat=GROUP),  # a known person may
        *(updates.callback(hasty, "l:a:0:0", message_id=9) for _ in range(7)),  # 5 a minute
    ]
    names = {str(base + n): f"person {n}" for n in range(1, 7)}
    seen: list[Any] = []
    for n, update in enumerate(sequence):
        if not update["callback_query"]["id"].startswith("cq-"):  # a retry keeps its id
            update["callback_query"]["id"] = f"cq-{base}-{n}"
            names[f"cq-{base}-{n}"] = f"press {n}"
        before = len(talk.api.calls)
        response = await talk.post(update)
        calls = [(call.method, call.params, call.via_webhook) for call in talk.api.calls[before:]]
        seen.append(_normalise([response.status_code, response.json(), calls], names))
    return seen


async def test_the_express_lane_answers_every_page_press_as_the_dispatcher_does(
    lane_talk: tuple[Conversation, BotRuntime],
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    talk, runtime = lane_talk
    ids = await _shop(container)
    counts = _count_calls(runtime, monkeypatch)
    express = await _presses(talk, container, ids, 9100)
    taken = counts["express"]
    runtime.express = None
    dispatched = await _presses(talk, container, ids, 9200)
    assert counts["express"] == taken == len(express)
    for one, other in zip(express, dispatched, strict=True):
        assert one == other
    edits = [call for *_, calls in express for call in calls if call[0] == "editMessageText"]
    assert len(edits) >= 6  # the comparison covered real pages
    assert any(
        call[0] == "sendMessage" and call[2] for *_, calls in express for call in calls
    )  # the vanished message got a new one
    answers = [answer for _, answer, _ in express]
    for text in (
        "⛔ Доступ к боту заблокирован.",
        "⏳ Ваша учётная запись ожидает подтверждения администратором.",
        "У вас нет прав на это действие.",
    ):
        assert {"method": "answerCallbackQuery", "text": text} in [
            {key: answer.get(key) for key in ("method", "text")} for answer in answers
        ]
    assert sum("Слишком много" in str(answer) for answer in answers) == 1


async def test_a_failing_page_press_on_the_express_lane_is_logged_and_answered_politely(
    lane_talk: tuple[Conversation, BotRuntime],
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    talk, runtime = lane_talk
    await _shop(container)
    counts = _count_calls(runtime, monkeypatch)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "item_list", broken)
    press = updates.callback(updates.user(953), "l:a:0:0", message_id=1)
    response = await talk.post(press)
    assert counts["express"] == 1
    assert response.status_code == 200
    assert response.json()["method"] == "answerCallbackQuery"
    assert response.json()["show_alert"] == "true"
    assert response.json()["text"].startswith("😔 Что-то пошло не так.")
    assert any(str(press["update_id"]) in record.getMessage() for record in caplog.records)
    monkeypatch.undo()
    assert (await talk.post(press)).json() == {}  # its retry: dropped, as on the dispatcher


class _Extra(BaseMiddleware):
    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        return await handler(event, data)


@pytest.mark.parametrize(
    "change",
    ["inner middleware", "router middleware", "error handler", "event isolation", "missing"],
)
def test_no_lane_when_the_dispatcher_would_do_more_to_a_press(
    container: Container, tg_api: StandIn, change: str
) -> None:
    runtime = BotRuntime(botkit.bot_container(container, tg_api))
    assert runtime.express is not None
    dp = build_dispatcher(runtime.container)
    if change == "inner middleware":
        dp.update.middleware(_Extra())
    elif change == "router middleware":
        dp.sub_routers[0].callback_query.middleware(_Extra())
    elif change == "error handler":
        dp.errors.register(lambda event: None)
    elif change == "event isolation":
        dp.fsm.events_isolation = SimpleEventIsolation()
    else:
        dp.update.outer_middleware._middlewares.pop(1)  # aiogram's user context
    assert ExpressLane.of(dp, runtime.bot) is None
