"""Staff in the bot: order buttons edited in place, comments, /stats, /pending, /login."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from orderdesk.auth.models import LoginLink, User
from orderdesk.container import Container
from orderdesk.orders.models import Order
from tests.factories import make_item, make_item_type, make_order, make_order_type, principal_of
from tests.telegram import botkit, updates
from tests.telegram.botkit import Conversation

STAFF_CHAT = updates.group_chat(-1001, "Заказы")

talk = botkit.talk
tg_api = botkit.tg_api


async def _order(container: Container, make_user) -> tuple[dict, User]:  # type: ignore[no-untyped-def]
    product = await make_item_type(container)
    rose = await make_item(container, product["id"], name="Роза", price=Decimal(100))
    await make_order_type(container, "request")
    customer = await make_user("customer", telegram_id=700, display_name="Анна")
    order = await make_order(
        container,
        principal=principal_of(customer),
        lines=[{"item_id": rose["id"], "quantity": "2"}],
    )
    return order, customer


async def test_staff_button_moves_the_order_and_edits_the_message_in_place(
    talk: Conversation, container: Container, make_user
) -> None:  # type: ignore[no-untyped-def]
    order, _ = await _order(container, make_user)
    await make_user("manager", telegram_id=800, display_name="Ольга")
    olga = updates.user(800, "Ольга")
    press = updates.callback(olga, f"o:{order['id']}:accepted:1", message_id=55, chat=STAFF_CHAT)
    await talk.send(press)
    edited = talk.api.calls_to("editMessageText", -1001)[-1]
    assert int(edited.params["message_id"]) == 55
    assert "Статус: accepted" in edited.params["text"]
    assert "Ольга" in edited.params["text"]
    buttons = [
        b["callback_data"] for row in edited.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert f"o:{order['id']}:transferred:2" in buttons
    assert all(not data.endswith(":accepted:2") for data in buttons)
    async with container.read_sessions() as session:
        assert (await session.get(Order, order["id"])).status == "accepted"  # type: ignore[union-attr]


async def test_a_stale_button_answers_already_changed_and_refreshes(
    talk: Conversation, container: Container, make_user
) -> None:  # type: ignore[no-untyped-def]
    order, _ = await _order(container, make_user)
    await make_user("manager", telegram_id=801)
    olga = updates.user(801, "Ольга")
    await talk.send(
        updates.callback(olga, f"o:{order['id']}:accepted:1", message_id=5, chat=STAFF_CHAT)
    )
    await talk.send(
        updates.callback(olga, f"o:{order['id']}:accepted:1", message_id=5, chat=STAFF_CHAT)
    )
    alert = talk.api.calls_to("answerCallbackQuery")[-1].params
    assert alert["text"] == "Заказ уже изменён — обновляю сообщение."
    async with container.read_sessions() as session:
        assert (await session.get(Order, order["id"])).version == 2  # type: ignore[union-attr]


async def test_unlinked_people_and_customers_cannot_press_staff_buttons(
    talk: Conversation, container: Container, make_user
) -> None:  # type: ignore[no-untyped-def]
    order, _ = await _order(container, make_user)
    await make_user("customer", telegram_id=802)
    for person in (updates.user(999, "Чужой"), updates.user(802, "Клиент")):
        data = f"o:{order['id']}:accepted:1"
        await talk.send(updates.callback(person, data, message_id=5, chat=STAFF_CHAT))
        alert = talk.api.calls_to("answerCallbackQuery")[-1].params
        assert alert["text"] == "У вас нет прав на это действие."
    assert talk.api.calls_to("editMessageText") == []
    async with container.read_sessions() as session:
        assert (await session.get(Order, order["id"])).status == "pending"  # type: ignore[union-attr]
        assert (await session.execute(select(User).where(User.telegram_id == 999))).first() is None


async def test_reject_asks_for_the_required_comment_then_edits_the_message(
    talk: Conversation, container: Container, make_user
) -> None:  # type: ignore[no-untyped-def]
    order, _ = await _order(container, make_user)
    await make_user("staff", telegram_id=803, unit_id=None)
    ivan = updates.user(803, "Иван")
    await talk.send(
        updates.callback(ivan, f"o:{order['id']}:rejected:1", message_id=9, chat=STAFF_CHAT)
    )
    assert "Напишите комментарий" in talk.last(-1001).params["text"]
    await talk.send(updates.message(ivan, "нет в наличии", chat=STAFF_CHAT))
    edited = talk.api.calls_to("editMessageText", -1001)[-1]
    assert int(edited.params["message_id"]) == 9
    assert "Статус: rejected" in edited.params["text"]
    async with container.read_sessions() as session:
        assert (await session.get(Order, order["id"])).status == "rejected"  # type: ignore[union-attr]


async def test_stats_show_counts_by_status_revenue_and_top_items_to_staff_only(
    talk: Conversation, container: Container, make_user
) -> None:  # type: ignore[no-untyped-def]
    await _order(container, make_user)
    await make_user("manager", telegram_id=804)
    await talk.send(updates.message(updates.user(804), "/stats"))
    text = talk.last(804).params["text"]
    assert "Сегодня</b>: заказов 1, выручка 200" in text
    assert "30 дней</b>: заказов 1" in text
    assert "pending: 1" in text
    assert "Роза (2)" in text
    await talk.send(updates.message(updates.user(700, "Анна"), "/stats"))
    assert talk.last(700).params["text"] == "Эта команда доступна только сотрудникам."


async def test_pending_users_are_listed_and_approved_by_a_manager(
    talk: Conversation, container: Container, make_user
) -> None:  # type: ignore[no-untyped-def]
    newcomer = await make_user("customer", telegram_id=805, status="pending", display_name="Пётр")
    await make_user("manager", telegram_id=806)
    await talk.send(updates.message(updates.user(805, "Пётр"), "🛍 Каталог"))
    assert talk.last(805).params["text"].startswith("⏳")
    boss = updates.user(806, "Ольга")
    await talk.send(updates.message(boss, "/pending"))
    assert talk.last(806).params["text"] == "👥 Ожидают подтверждения:"
    approve = next(d for t, d in talk.buttons(806) if t.startswith("✅"))
    assert approve == f"pu:{newcomer.id}:a"
    await talk.send(updates.callback(boss, approve, message_id=talk.sent_message_id(806)))
    assert talk.last(806).params["text"] == "Пётр: одобрен"
    assert talk.last(805).params["text"].startswith("✅ Ваша учётная запись подтверждена")
    await talk.send(updates.callback(boss, approve, message_id=1))
    assert (
        talk.api.calls_to("answerCallbackQuery")[-1].params["text"].startswith("Этот пользователь")
    )
    async with container.read_sessions() as session:
        assert (await session.get(User, newcomer.id)).status == "active"  # type: ignore[union-attr]


async def test_login_sends_a_one_time_link_to_staff_and_refuses_customers(
    talk: Conversation, container: Container, make_user
) -> None:  # type: ignore[no-untyped-def]
    staff = await make_user("staff", telegram_id=807)
    await talk.send(updates.message(updates.user(807), "/login"))
    text = talk.last(807).params["text"]
    assert "🔐 Одноразовая ссылка для входа (действует 15 мин)" in text
    assert "/auth/link/" in text
    await talk.send(updates.message(updates.user(808), "/login"))
    assert talk.last(808).params["text"] == "Эта команда доступна только сотрудникам."
    async with container.read_sessions() as session:
        links = (await session.execute(select(LoginLink))).scalars().all()
    assert [link.user_id for link in links] == [staff.id]
