"""The webhook: secret checked, malformed bodies refused, duplicates once, errors survived."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from orderdesk.app import create_app
from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.telegram.bot import build_dispatcher, catalog
from orderdesk.telegram.bot.middlewares import claim_update
from orderdesk.telegram.models import TelegramUpdate
from tests.telegram import botkit, updates
from tests.telegram.botkit import SECRET, Conversation, StandIn, bot_container

talk = botkit.talk
tg_api = botkit.tg_api


async def _count(container: Container, model: Any) -> int:
    async with container.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


@pytest.mark.parametrize("secret", ["", "wrong", SECRET[:-1] + "t"])
async def test_wrong_or_missing_secret_is_401_and_nothing_happens(
    talk: Conversation, container: Container, secret: str
) -> None:
    response = await talk.post(updates.message(updates.user(601), "/start"), secret=secret)
    assert response.status_code == 401
    assert talk.api.calls == []
    assert await _count(container, TelegramUpdate) == 0
    assert await _count(container, User) == 0


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "x"}',
             b'{"update_id": 5, "message": {"chat": 1}}'],
)  # fmt: skip
async def test_malformed_updates_are_400_never_500(talk: Conversation, body: bytes) -> None:
    response = await talk.http.post(
        "/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
    )
    assert response.status_code == 400


async def test_a_duplicate_update_id_is_acknowledged_and_processed_once(
    talk: Conversation, container: Container
) -> None:
    update = updates.message(updates.user(602), "/start")
    first = await talk.post(update)
    again = await talk.post(update)
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(talk.api.texts(602)) == 1
    assert await _count(container, TelegramUpdate) == 1


async def test_two_api_instances_receiving_one_update_answer_it_once(
    container: Container, tg_api: StandIn
) -> None:
    apps = [create_app(container=bot_container(container, tg_api)) for _ in range(2)]
    update = updates.message(updates.user(603), "/start")
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")
        for app in apps
    ]
    try:
        statuses = await asyncio.gather(
            *(
                c.post(
                    "/telegram/webhook",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
                for c in clients
            )
        )
    finally:
        for c in clients:
            await c.aclose()
        for app in apps:
            await app.state.telegram.close()
    assert [s.status_code for s in statuses] == [200, 200]
    for answer in statuses:  # as Telegram does with each instance's response
        await tg_api.apply_webhook_answer(answer.content, answer.headers["content-type"])
    assert len(tg_api.texts(603)) == 1
    assert await _count(container, User) == 1


async def test_a_handler_error_is_answered_politely_and_the_next_update_is_served(
    talk: Conversation, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "catalog_menu", broken)
    anna = updates.user(604)
    failing = updates.message(anna, "/catalog")
    assert (await talk.post(failing)).status_code == 200
    assert talk.api.texts(604) == [
        "😔 Что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз чуть позже."
    ]
    assert any(str(failing["update_id"]) in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    await talk.send(updates.message(anna, "/catalog"))
    assert talk.api.texts(604)[-1] == "🛍 Каталог. Выберите категорию:"
    assert (await talk.post(failing)).status_code == 200  # a retry of the failed one: dropped
    assert len(talk.api.texts(604)) == 2


async def test_too_many_updates_get_one_polite_reply_then_silence(
    container: Container, tg_api: StandIn
) -> None:
    limited = bot_container(container, tg_api, telegram_updates_rate="3/minute")
    app = create_app(container=limited)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as http:
        talk = Conversation(http, tg_api, limited)
        anna = updates.user(605)
        for _ in range(6):
            await talk.send(updates.message(anna, "/catalog"))
    await app.state.telegram.close()
    texts = tg_api.texts(605)
    assert texts[:3] == ["🛍 Каталог. Выберите категорию:"] * 3
    assert len(texts) == 4
    assert texts[3].startswith("🙏 Слишком много сообщений. Пожалуйста, подождите")
    other = updates.user(606)
    app = create_app(container=limited)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as http:
        await Conversation(http, tg_api, limited).send(updates.message(other, "/catalog"))
    await app.state.telegram.close()
    assert tg_api.texts(606) == ["🛍 Каталог. Выберите категорию:"]


async def test_the_webhook_is_served_only_when_the_bot_is_on_in_webhook_mode(
    client: httpx.AsyncClient, container: Container, tg_api: StandIn
) -> None:
    response = await client.post("/telegram/webhook", json={"update_id": 1})
    assert response.status_code in (404, 405)
    polling = create_app(container=bot_container(container, tg_api, telegram_mode="polling"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=polling), base_url="http://api"
    ) as http:
        response = await http.post(
            "/telegram/webhook",
            json={"update_id": 1},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
    assert response.status_code in (404, 405)


async def test_set_webhook_registers_the_public_url_and_telegram_delivers_over_real_http(
    container: Container, tg_api: StandIn, unused_tcp_port: int
) -> None:
    import uvicorn

    from orderdesk.telegram.bot.runtime import delete_webhook, set_webhook

    public = f"http://127.0.0.1:{unused_tcp_port}"
    served = bot_container(container, tg_api, public_url=public)
    app = create_app(container=served)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=unused_tcp_port, lifespan="off", log_config=None)
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        assert await set_webhook(served) == f"{public}/telegram/webhook"
        assert tg_api.webhook_url == f"{public}/telegram/webhook"
        assert tg_api.webhook_secret == SECRET
        status = await tg_api.deliver_webhook(updates.message(updates.user(607), "/start"))
        wrong = await tg_api.deliver_webhook(
            updates.message(updates.user(607), "/start"), secret="x"
        )
        await delete_webhook(served)
    finally:
        server.should_exit = True
        await task
        await app.state.telegram.close()
    assert (status, wrong) == (200, 401)
    assert tg_api.texts(607)[0].startswith("Здравствуйте")
    assert tg_api.webhook_url == ""


async def test_the_update_claim_is_undone_with_its_transaction(container: Container) -> None:
    dialect = container.engine.dialect.name
    async with container.write_sessions() as session:
        assert (await claim_update(session, 990_001, None, dialect)) == (True, None)
        await session.rollback()  # the handler failed: the id is free for Telegram's retry
    assert await _count(container, TelegramUpdate) == 0
    async with container.write_sessions() as session:
        assert (await claim_update(session, 990_001, None, dialect))[0]
        await session.commit()
    async with container.write_sessions() as session:
        assert (await claim_update(session, 990_001, None, dialect))[0] is False


async def test_the_sender_found_with_the_claim_is_a_user_of_the_session(
    talk: Conversation, container: Container
) -> None:
    await talk.send(updates.message(updates.user(607, "Вера"), "/start"))
    async with container.write_sessions() as session:
        claimed, user = await claim_update(session, 990_002, 607, container.engine.dialect.name)
        assert claimed
        assert user is not None
        assert user in session
        assert (user.telegram_id, user.display_name, user.role) == (607, "Вера", "customer")
        user.phone = "+79990000607"  # a change to it is written like any loaded object's
        await session.commit()
    async with container.read_sessions() as session:
        phone = (await session.execute(select(User.phone).where(User.telegram_id == 607))).scalar()
    assert phone == "+79990000607"


async def test_only_posts_of_at_most_a_megabyte_are_read(talk: Conversation) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    assert (await talk.http.get("/telegram/webhook", headers=headers)).status_code == 405
    huge = b'{"update_id": 1, "padding": "' + b"x" * 1_000_000 + b'"}'
    response = await talk.http.post("/telegram/webhook", content=huge, headers=headers)
    assert response.status_code == 413
    assert response.headers["x-request-id"]  # still inside the request-context middleware


def test_the_bots_filters_run_on_the_event_loop_not_in_threads(container: Container) -> None:
    dispatcher = build_dispatcher(container)
    filters = [
        event_filter
        for router in dispatcher.chain_tail
        for observer in router.observers.values()
        for handler in (*observer.handlers, observer._handler)
        for event_filter in handler.filters or ()
    ]
    assert len(filters) > 20
    threaded = [f.callback for f in filters if not f.awaitable]
    assert threaded == []  # aiogram runs a plain (sync) filter through asyncio.to_thread
