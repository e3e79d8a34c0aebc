"""The sender against the Bot API stand-in: retries, 429, 403, at most once, parallel senders."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import update

from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.settings import Settings
from orderdesk.telegram.client import create_bot
from orderdesk.telegram.models import TelegramDelivery
from orderdesk.telegram.notifications import STAFF_ORDER_EDIT, RenderedMessage, insert_deliveries
from orderdesk.telegram.sending import MemoryPacer, RedisPacer, Sender, claim, pacer_for
from tests.conftest import REDIS_URL
from tests.telegram.standin import BotAPIStandIn, Failure
from tests.telegram.test_sending_helpers import chat_row, deliveries, remember, send, send_settings


def _row(
    chat_id: int, text: str, *, event: str = "", purpose: str = "customer.status"
) -> dict[str, Any]:
    return {
        "event_id": event or f"ev-{chat_id}-{text}",
        "chat_id": chat_id,
        "purpose": purpose,
        "aggregate_type": "order",
        "aggregate_id": "1",
        "status": "pending",
        "attempts": 0,
        "message": RenderedMessage(text).to_json(),
        "created_at": utcnow(),
    }


async def _owe(container: Container, *rows: dict[str, Any]) -> int:
    async with container.write_sessions() as session:
        added = await insert_deliveries(session, list(rows))
        await session.commit()
    return added


async def test_a_429_waits_retry_after_then_sends_once(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api)
    await _owe(container, _row(41, "hello"))
    bot_api.fail("sendMessage", Failure.flood(1))

    stats = await send(container, settings)

    assert stats.floods == 1
    assert stats.sent == 1
    assert bot_api.texts(41) == ["hello"]
    refused, accepted = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert refused.status == 429
    assert accepted.at - refused.at >= 1.0  # retry_after honoured
    (row,) = await deliveries(container)
    assert (row.status, row.attempts) == ("sent", 0)  # a flood wait is not a failed attempt


async def test_a_429_slows_every_chat_not_only_the_one_that_got_it(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    # One request at a time: a request already under way when the 429 arrives cannot wait.
    settings = send_settings(container, bot_api, telegram_send_concurrency=1)
    await _owe(container, _row(51, "a"), _row(52, "b"), _row(53, "c"))
    bot_api.fail("sendMessage", Failure.flood(1), chat_id=51)

    await send(container, settings)

    calls = [c for c in bot_api.calls if c.method == "sendMessage"]
    flood = next(c for c in calls if c.status == 429)
    later = [c for c in calls if c.status == 200 and c.at > flood.at]
    assert {c.chat_id for c in later} >= {51}
    assert all(c.at - flood.at >= 1.0 for c in later)
    assert sorted(int(c.chat_id or 0) for c in calls if c.status == 200) == [51, 52, 53]


async def test_server_errors_and_network_errors_are_retried_until_sent(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api)
    await _owe(container, _row(42, "retry me"))
    bot_api.fail("sendMessage", Failure.bad_gateway(), Failure.network(), Failure(500))

    stats = await send(container, settings)

    assert stats.retried == 3
    assert bot_api.texts(42) == ["retry me"]
    (row,) = await deliveries(container)
    assert (row.status, row.attempts) == ("sent", 3)
    assert row.message_id is not None


async def test_a_delivery_fails_after_its_last_attempt(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api, telegram_send_max_attempts=2)
    await _owe(container, _row(43, "doomed"))
    bot_api.fail("sendMessage", Failure.bad_gateway(), Failure.bad_gateway(), Failure.bad_gateway())

    stats = await send(container, settings)

    assert stats.failed == 1
    (row,) = await deliveries(container)
    assert (row.status, row.attempts) == ("failed", 2)
    assert "Bad Gateway" in (row.error or "")
    assert bot_api.texts(43) == []


async def test_a_403_marks_the_chat_inactive_and_drops_what_it_was_owed(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api)
    await remember(container, chat_id=44, kind="private", language="ru")
    await _owe(container, _row(44, "one"), _row(44, "two"), _row(45, "other chat"))
    bot_api.blocked_chats.add(44)

    stats = await send(container, settings)

    assert len([c for c in bot_api.calls if c.chat_id == 44]) == 1  # never retried
    assert bot_api.texts(45) == ["other chat"]
    chat = await chat_row(container, 44)
    assert chat is not None
    assert not chat.active
    assert chat.inactive_since is not None
    statuses = {(d.chat_id, d.status) for d in await deliveries(container)}
    assert statuses == {(44, "dropped"), (45, "sent")}
    assert stats.dropped == 2


async def test_an_edit_that_changes_nothing_counts_as_done(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api)
    async with container.write_sessions() as session:
        card = _row(-100_5, "card", event="e1", purpose="staff.order")
        card["message"] = {"render": "staff_order", "order_id": 1, "language": "ru", "number": "1"}
        await insert_deliveries(session, [card])
        await session.commit()
    await send(container, settings)
    edit = _row(-100_5, "edit", event="e2", purpose=STAFF_ORDER_EDIT)
    edit["message"] = card["message"]
    await _owe(container, edit)
    bot_api.fail("editMessageText", Failure(400, "Bad Request: message is not modified"))

    stats = await send(container, settings)

    assert stats.not_modified == 1
    assert [d.status for d in await deliveries(container)] == ["sent", "sent"]
    assert len([c for c in bot_api.calls if c.method == "editMessageText"]) == 1


async def test_two_senders_in_parallel_send_each_delivery_once(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api, telegram_send_concurrency=4)
    await _owe(container, *[_row(1000 + n, f"m{n}") for n in range(40)])
    pacer = MemoryPacer()  # one process's pacer, shared as the Redis one would be

    async def one_sender(worker: str) -> int:
        bot = create_bot(settings)
        try:
            sender = Sender(settings, container.write_sessions, bot, pacer, worker=worker)
            return (await sender.run()).sent
        finally:
            await bot.session.close()

    sent = await asyncio.gather(one_sender("w1"), one_sender("w2"))

    assert sum(sent) == 40
    calls = bot_api.calls_to("sendMessage")
    assert len(calls) == 40
    assert len({c.chat_id for c in calls}) == 40
    assert all(d.status == "sent" for d in await deliveries(container))


async def test_a_sender_that_died_holding_claims_leaves_them_to_the_next_one(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api, telegram_send_claim_timeout_seconds=1)
    await _owe(container, _row(46, "claimed then crash"))
    async with container.write_sessions() as session:  # a sender claims, then its process dies
        taken = await claim(session, worker="dead", limit=10, now=utcnow() - timedelta(seconds=5))
        await session.commit()

    stats = await send(container, settings)

    assert len(taken) == 1
    assert stats.sent == 1
    assert bot_api.texts(46) == ["claimed then crash"]


async def test_a_send_whose_outcome_is_unknown_is_failed_not_sent_again(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api, telegram_send_outcome_timeout_seconds=1)
    await _owe(container, _row(47, "maybe sent"))
    async with container.write_sessions() as session:  # died during the request
        await session.execute(
            update(TelegramDelivery).values(
                status="sending", claimed_by="dead", claimed_at=utcnow() - timedelta(seconds=5)
            )
        )
        await session.commit()

    await send(container, settings)

    assert bot_api.texts(47) == []
    (row,) = await deliveries(container)
    assert row.status == "failed"
    assert "outcome unknown" in (row.error or "")


async def test_messages_to_one_chat_go_out_in_order_within_telegrams_per_chat_limit(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings: Settings = send_settings(container, bot_api)
    bot_api.enforce_limits = True  # 1 message/s per private chat, else 429
    await _owe(container, _row(48, "first"), _row(48, "second"), _row(48, "third"))

    stats = await send(container, settings)

    assert stats.sent == 3
    assert bot_api.texts(48) == ["first", "second", "third"]


async def test_the_pacer_hands_out_slots_an_interval_apart_and_defers_far_ones() -> None:
    pacer = MemoryPacer()
    waits = [(await pacer.reserve("chat:1", 1.0, 5.0))[1] for _ in range(3)]
    far = await pacer.reserve("chat:1", 1.0, 2.5)
    await pacer.push_back("global", 2.0)
    paused = await pacer.reserve("global", 0.1, -1.0)
    assert waits[0] == 0.0
    assert 0.9 < waits[1] <= 1.0
    assert 1.9 < waits[2] <= 2.0
    assert not far[0]  # the 4th slot is ~3 s away: not taken
    assert (await pacer.reserve("chat:1", 1.0, 5.0))[1] > 2.9  # ...and still free
    assert 1.9 < paused[1] <= 2.0


@pytest.mark.skipif(not REDIS_URL, reason="needs ORDERDESK_TEST_REDIS_URL")
async def test_the_redis_pacer_shares_one_schedule_between_senders(
    container: Container,
) -> None:
    one = pacer_for(container.settings)
    other = RedisPacer(Redis.from_url(str(REDIS_URL)), one.prefix)  # type: ignore[attr-defined]
    key = f"test-{uuid.uuid4().hex[:8]}"
    try:
        first = await one.reserve(key, 10.0, 100.0)
        second = await other.reserve(key, 10.0, 100.0)
        refused = await other.reserve(key, 10.0, 5.0)
        await one.push_back(key, 60.0)
        peek = await other.reserve(key, 10.0, -1.0)
    finally:
        await other.redis.aclose()
    assert first == (True, 0.0)
    assert second[0]
    assert 9.0 < second[1] <= 10.0  # the second sender gets the next slot
    assert not refused[0]  # too far off: not taken
    assert peek[1] > 55.0  # a 429 pushed every sender back


async def test_a_dead_senders_claims_ask_for_a_sender_when_they_can_be_recovered(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api, telegram_send_claim_timeout_seconds=30)
    await _owe(container, _row(49, "held"))
    claimed_at = utcnow()
    async with container.write_sessions() as session:
        await claim(session, worker="dead", limit=10, now=claimed_at)
        await session.commit()

    stats = await send(container, settings, linger=0)

    assert stats.sent == 0  # not yet: the claim might still be alive
    assert stats.next_due is not None
    assert abs((stats.next_due - claimed_at).total_seconds() - 30) < 1
