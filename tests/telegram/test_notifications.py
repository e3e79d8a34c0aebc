"""Events → deliveries → messages: who hears what, in which language, with which buttons."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from orderdesk.container import Container
from orderdesk.core.permissions import Principal, Role
from orderdesk.orders import service as orders
from orderdesk.realtime.models import OutboxEvent
from orderdesk.telegram.accounts import TelegramIdentity, user_for_telegram
from orderdesk.telegram.models import TelegramDelivery
from orderdesk.telegram.notifications import (
    STAFF_ORDER,
    STAFF_ORDER_EDIT,
    order_callback,
    parse_order_callback,
    parse_user_callback,
    plan_deliveries,
    render_staff_order_message,
    staff_messages_of,
)
from tests.factories import free_line, make_order
from tests.telegram.standin import BotAPIStandIn
from tests.telegram.test_sending_helpers import (
    CUSTOMER_CHAT,
    STAFF_CHAT,
    UNIT_CHAT,
    deliveries,
    plan,
    send,
    send_settings,
    shop_world,
)

STAFF = Principal(user_id=None, role=Role.manager, unit_id=None, username="manager")


async def _order(container: Container, world: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return await make_order(
        container,
        customer_id=world["customer"].id,
        unit_id=world["unit"]["id"],
        lines=[free_line("Роза красная", "3", "150"), free_line("Лента", "1", "50")],
        **fields,
    )


async def _move(
    container: Container, order_id: int, to: str, principal: Principal, **kw: Any
) -> None:
    async with container.write_sessions() as session:
        await orders.transition(
            session=session, principal=principal, order_id=order_id, to=to, **kw
        )
        await session.commit()


async def test_a_new_order_goes_to_the_staff_chat_and_the_units_chat_with_its_transitions(
    container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    settings = send_settings(container, bot_api)
    world = await shop_world(container, make_user)
    order = await _order(container, world)

    await plan(container, settings)
    stats = await send(container, settings)

    assert stats.sent == 2
    for chat_id in (STAFF_CHAT, UNIT_CHAT):
        (call,) = bot_api.calls_to("sendMessage", chat_id)
        text = call.params["text"]
        assert order["number"] in text
        assert "Роза красная × 3" in text
        assert "500.00 RUB" in text  # 3 × 150 + 50
        buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
        # Staff may accept or reject a pending request; cancelling is the customer's.
        assert [parse_order_callback(b["callback_data"]).to for b in buttons] == [
            "accepted",
            "rejected",
        ]
        assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    assert bot_api.calls_to("sendMessage", CUSTOMER_CHAT) == []  # created: nothing to tell yet
    assert {(d.chat_id, d.purpose) for d in await deliveries(container)} == {
        (STAFF_CHAT, STAFF_ORDER),
        (UNIT_CHAT, STAFF_ORDER),
    }


async def test_a_status_change_tells_the_customer_in_their_language_and_edits_the_staff_cards(
    container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    settings = send_settings(container, bot_api)
    world = await shop_world(container, make_user, language="en")
    order = await _order(container, world)
    await plan(container, settings)
    await send(container, settings)
    first = bot_api.calls_to("sendMessage", STAFF_CHAT)[0]

    await _move(container, order["id"], "accepted", STAFF, comment="see you at 10")
    await plan(container, settings)
    await send(container, settings)

    (push,) = bot_api.calls_to("sendMessage", CUSTOMER_CHAT)
    assert f"Order No. {order['number']}: the status is now “accepted”" in push.params["text"]
    assert "see you at 10" in push.params["text"]
    (button,) = push.params["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "📱 Open order"
    assert button["web_app"]["url"] == f"https://shop.example/app#/orders/{order['id']}"
    (edit,) = bot_api.calls_to("editMessageText", STAFF_CHAT)
    assert len(bot_api.calls_to("sendMessage", STAFF_CHAT)) == 1  # edited, not sent again
    async with container.read_sessions() as session:
        cards = await staff_messages_of(session, order["id"])
    assert (STAFF_CHAT, int(edit.params["message_id"])) in cards  # the card that was sent
    assert first.params["text"] != edit.params["text"]
    assert "Статус: <b>accepted</b>" in edit.params["text"]
    buttons = [b for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert {parse_order_callback(b["callback_data"]).to for b in buttons} == {
        "transferred",
        "rejected",
    }
    assert all(parse_order_callback(b["callback_data"]).version == 2 for b in buttons)


async def test_the_customers_own_cancellation_is_not_pushed_back_to_them(
    container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    settings = send_settings(container, bot_api)
    world = await shop_world(container, make_user)
    customer = world["customer"]
    order = await _order(container, world)
    me = Principal(user_id=customer.id, role=Role.customer, unit_id=None, username="c")

    await _move(container, order["id"], "cancelled", me)
    await plan(container, settings)
    await send(container, settings)

    assert bot_api.calls_to("sendMessage", CUSTOMER_CHAT) == []
    staff_texts = bot_api.texts(STAFF_CHAT)
    assert staff_texts  # the card went out, already showing the cancellation
    assert "cancelled" in staff_texts[-1]
    purposes = [d.purpose for d in await deliveries(container) if d.chat_id == STAFF_CHAT]
    # The edit was superseded: the card had not been sent yet and was rendered after the change.
    assert sorted(purposes) == [STAFF_ORDER, STAFF_ORDER_EDIT]


async def test_a_crash_before_the_relay_commits_leaves_no_deliveries_and_a_rerun_plans_once(
    container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    settings = send_settings(container, bot_api)
    world = await shop_world(container, make_user)
    await _order(container, world)
    from orderdesk.telegram.notifications import TelegramPlanner
    from tests.telegram.test_sending_helpers import relay_for

    class Crash(Exception):
        pass

    async def crash(_session: Any, _events: Any) -> None:
        raise Crash  # the process dies after planning, before the batch is marked published

    relay = relay_for(container, settings)
    relay.consumers = [TelegramPlanner(settings), crash]
    with pytest.raises(Crash):
        await relay.drain()
    assert await deliveries(container) == []

    await plan(container, settings)
    await plan(container, settings)  # nothing left to publish: nothing planned twice
    assert len(await deliveries(container)) == 2


async def test_the_same_events_planned_twice_give_one_message_per_chat(
    container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    settings = send_settings(container, bot_api)
    world = await shop_world(container, make_user)
    await _order(container, world)
    async with container.write_sessions() as session:
        events = list((await session.scalars(select(OutboxEvent))).all())
        first = await plan_deliveries(session, events, settings)
        again = await plan_deliveries(session, events, settings)  # e.g. a redelivered batch
        await session.commit()

    await send(container, settings)

    assert (first, again) == (2, 0)
    assert len(bot_api.calls_to("sendMessage", STAFF_CHAT)) == 1
    assert len(bot_api.calls_to("sendMessage", UNIT_CHAT)) == 1


async def test_a_user_waiting_for_approval_is_announced_to_staff_with_approve_and_block(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api)
    identity = TelegramIdentity(id=777, first_name="Олег", username="oleg")
    async with container.write_sessions() as session:
        user, created = await user_for_telegram(session, identity, status="pending")
        await session.commit()

    await plan(container, settings)
    await send(container, settings)

    assert created
    (call,) = bot_api.calls_to("sendMessage", STAFF_CHAT)
    assert "ждёт подтверждения" in call.params["text"]
    assert "@oleg" in call.params["text"]
    data = [b["callback_data"] for b in call.params["reply_markup"]["inline_keyboard"][0]]
    assert [parse_user_callback(d) for d in data] == [(user.id, "approve"), (user.id, "block")]


async def test_an_active_user_from_telegram_is_not_announced(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api)
    async with container.write_sessions() as session:
        await user_for_telegram(session, TelegramIdentity(id=778), status="active")
        await session.commit()
    await plan(container, settings)
    assert await deliveries(container) == []


async def test_render_staff_order_message_shows_the_order_as_it_is_now(
    container: Container, make_user: Any, bot_api: BotAPIStandIn
) -> None:
    world = await shop_world(container, make_user)
    order = await _order(container, world)
    await _move(container, order["id"], "accepted", STAFF)
    async with container.read_sessions() as session:
        ru = await render_staff_order_message(session, order_id=order["id"], language="ru")
        en = await render_staff_order_message(session, order_id=order["id"], language="en")
        gone = await render_staff_order_message(session, order_id=999_999, language="en")
    assert f"Заказ №{order['number']}" in ru.text
    assert f"Order No. {order['number']}" in en.text
    assert "Клиент: Анна" in ru.text
    assert ru.reply_markup is not None
    assert "deleted" in gone.text
    assert gone.reply_markup is None


def test_callback_data_stays_within_64_bytes_and_round_trips() -> None:
    short = order_callback(12, "accepted", 3, 0)
    assert short == "o:12:accepted:3"
    assert parse_order_callback(short).to == "accepted"
    long = order_callback(10**18, "a" * 32, 10**9, 7)
    assert len(long.encode()) <= 64
    parsed = parse_order_callback(long)
    assert parsed is not None
    assert (parsed.order_id, parsed.index, parsed.version) == (10**18, 7, 10**9)
    assert parse_order_callback("o:x:accepted:1") is None
    assert parse_order_callback("u:1:approve") is None
    assert parse_user_callback("u:5:delete") is None


async def test_chats_that_blocked_the_bot_get_nothing_new(
    container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    settings = send_settings(container, bot_api)
    world = await shop_world(container, make_user)
    async with container.write_sessions() as session:
        from orderdesk.telegram.chats import deactivate_chat

        await deactivate_chat(session, STAFF_CHAT)
        await session.commit()
    await _order(container, world)
    await plan(container, settings)
    async with container.read_sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(TelegramDelivery)
            .where(TelegramDelivery.chat_id == STAFF_CHAT)
        )
    assert count == 0
    assert {d.chat_id for d in await deliveries(container)} == {UNIT_CHAT}


async def test_a_deleted_order_strikes_its_staff_card_out_without_buttons(
    container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    settings = send_settings(container, bot_api)
    world = await shop_world(container, make_user)
    order = await _order(container, world)
    await plan(container, settings)
    await send(container, settings)

    async with container.write_sessions() as session:
        admin = Principal(user_id=None, role=Role.admin, unit_id=None, username="admin")
        await orders.delete_order(
            session=session, principal=admin, order_id=order["id"], expected_version=None
        )
        await session.commit()
    await plan(container, settings)
    await send(container, settings)

    for chat_id in (STAFF_CHAT, UNIT_CHAT):
        (edit,) = bot_api.calls_to("editMessageText", chat_id)
        assert f"<s>Заказ №{order['number']}</s>" in edit.params["text"]
        assert "reply_markup" not in edit.params


async def test_without_a_bot_token_the_relay_plans_nothing(container: Container) -> None:
    assert not container.settings.telegram_enabled
    assert container.relay.consumers == []
