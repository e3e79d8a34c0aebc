"""Customer conversations through the real webhook: start, phone, catalog, search, orders."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.orders.models import Order
from orderdesk.telegram.models import TelegramChat
from tests.factories import make_category, make_item, make_item_type, make_order_type, make_unit
from tests.telegram import botkit, updates
from tests.telegram.botkit import Conversation
from tests.telegram.standin import Failure

SHOP_WORKFLOW = {
    "statuses": [
        {"code": c, "label": {"ru": r, "en": e}}
        for c, r, e in (
            ("pending", "Новый", "New"),
            ("accepted", "Принят", "Accepted"),
            ("cancelled", "Отменён", "Cancelled"),
        )
    ],
    "initial": "pending",
    "terminal": ["cancelled"],
    "transitions": [
        {"from": "pending", "to": "accepted", "roles": ["admin", "manager", "staff"]},
        {"from": "pending", "to": "cancelled", "roles": ["customer", "admin"],
         "label": {"ru": "Отменить", "en": "Cancel"}},
        {"from": "accepted", "to": "cancelled", "roles": ["admin"]},
    ],
}  # fmt: skip

talk = botkit.talk
tg_api = botkit.tg_api


async def _shop(container: Container, items: int = 3) -> list[dict]:
    product = await make_item_type(container, "product")
    await make_order_type(container, "order", workflow=SHOP_WORKFLOW)
    flowers = await make_category(container, "Цветы")
    return [
        await make_item(
            container,
            product["id"],
            name=f"Роза {i:02d}",
            sku=f"ROSE-{i:02d}",
            price=Decimal("150.00"),
            stock=Decimal(50),
            category_id=flowers["id"],
            tags=["розы"],
        )
        for i in range(items)
    ]


async def test_start_registers_the_customer_remembers_the_chat_and_offers_the_menu(
    talk: Conversation, container: Container
) -> None:
    anna = updates.user(501)
    await talk.send(updates.message(anna, "/start"))
    first = talk.last(501)
    assert first.params["text"].startswith("Здравствуйте, Анна!")
    keyboard = first.params["reply_markup"]["keyboard"]
    assert keyboard[1][0]["request_contact"] is True
    async with container.read_sessions() as session:
        user = (await session.execute(select(User).where(User.telegram_id == 501))).scalar_one()
        chat = await session.get(TelegramChat, 501)
    assert user.role == "customer"
    assert chat is not None
    assert chat.user_id == user.id
    assert chat.kind == "private"
    await talk.send(updates.message(anna, "/start"))
    assert talk.last(501).params["text"].startswith("С возвращением, Анна!")


async def test_english_user_is_answered_in_english(talk: Conversation) -> None:
    john = updates.user(502, "John", language="en")
    await talk.send(updates.message(john, "/start"))
    assert talk.last(502).params["text"].startswith("Hello, John!")


async def test_shared_own_phone_is_saved_and_a_strangers_is_refused(
    talk: Conversation, container: Container
) -> None:
    anna = updates.user(503)
    await talk.send(updates.message(anna, "/start"))
    stranger = {"phone_number": "+7 900 000-00-00", "first_name": "X", "user_id": 999}
    await talk.send(updates.message(anna, contact=stranger))
    assert "свой номер" in talk.last(503).params["text"]
    await talk.send(updates.contact(anna, "+7 (912) 345-67-89"))
    assert talk.last(503).params["text"] == "✅ Телефон +79123456789 сохранён. Спасибо!"
    async with container.read_sessions() as session:
        user = (await session.execute(select(User).where(User.telegram_id == 503))).scalar_one()
    assert user.phone == "+79123456789"


async def test_deep_link_to_a_unit_opens_that_units_shop(
    talk: Conversation, container: Container
) -> None:
    north = await make_unit(container, "north", "Северный")
    south = await make_unit(container, "south", "Южный")
    product = await make_item_type(container)
    await make_item(container, product["id"], name="Тюльпан", unit_id=north["id"])
    await make_item(container, product["id"], name="Пион", unit_id=south["id"])
    await talk.send(updates.message(updates.user(504), f"/start unit_{north['id']}"))
    last = talk.last(504)
    assert "Северный" in last.params["text"]
    names = [text for text, _ in talk.buttons(504)]
    assert any("Тюльпан" in n for n in names)
    assert not any("Пион" in n for n in names)


async def test_deep_link_to_an_item_shows_its_card(
    talk: Conversation, container: Container
) -> None:
    (rose, *_) = await _shop(container, 1)
    await talk.send(updates.message(updates.user(505), f"/start item_{rose['sku']}"))
    assert "<b>Роза 00</b>" in talk.last(505).params["text"]
    assert ("🛒 Заказать", f"b:{rose['id']}") in talk.buttons(505)


async def test_catalog_pages_by_ten_with_next_and_back(
    talk: Conversation, container: Container
) -> None:
    await _shop(container, 12)
    anna = updates.user(506)
    await talk.send(updates.message(anna, "🛍 Каталог"))
    buttons = {data: text for text, data in talk.buttons(506)}
    category = next(data for data in buttons if data.startswith("l:c:"))
    message_id = talk.sent_message_id(506)
    await talk.send(updates.callback(anna, category, message_id=message_id))
    page1 = talk.last(506)
    assert page1.method == "editMessageText"
    items = [d for _, d in talk.buttons(506) if d.startswith("i:")]
    assert len(items) == 10
    forward = next(d for t, d in talk.buttons(506) if t == "Далее ▶️")
    await talk.send(updates.callback(anna, forward, message_id=message_id))
    items2 = [t for t, d in talk.buttons(506) if d.startswith("i:")]
    assert [n.split(" — ")[0] for n in items2] == ["Роза 10", "Роза 11"]
    assert "Страница 2" in talk.last(506).params["text"]
    assert any(t == "◀️ Назад" for t, _ in talk.buttons(506))
    assert len(bot_answers := talk.api.calls_to("answerCallbackQuery")) == 2
    assert all(c.params.get("show_alert") in (None, False, "false") for c in bot_answers)


async def test_a_page_turn_stops_the_spinner_by_api_and_edits_in_the_webhook_answer(
    talk: Conversation, container: Container
) -> None:
    await _shop(container, 12)
    anna = updates.user(510)
    await talk.send(updates.message(anna, "/catalog"))
    menu_id = talk.sent_message_id(510)
    press = updates.callback(anna, "l:a:0:1", message_id=menu_id)
    response = await talk.post(press)
    answer = response.json()
    assert response.headers["content-type"] == "application/json"
    assert answer["method"] == "editMessageText"
    assert (answer["chat_id"], answer["message_id"]) == ("510", str(menu_id))
    assert answer["parse_mode"] == "HTML"  # the bot's defaults apply as for an API call
    spinner = talk.api.calls_to("answerCallbackQuery")[-1]
    assert spinner.params["callback_query_id"] == press["callback_query"]["id"]
    assert not spinner.via_webhook
    edit = talk.last(510)
    assert edit.via_webhook
    assert "Страница 2" in edit.params["text"]
    assert [t.split(" — ")[0] for t, d in talk.buttons(510) if d.startswith("i:")] == [
        "Роза 10",
        "Роза 11",
    ]


async def test_free_text_and_search_command_find_items(
    talk: Conversation, container: Container
) -> None:
    await _shop(container, 3)
    product = (await make_item_type(container, "gift"))["id"]
    await make_item(container, product, name="Открытка «С днём рождения»")
    anna = updates.user(507)
    await talk.send(updates.message(anna, "открытка"))
    assert "Поиск: «открытка»" in talk.last(507).params["text"]
    assert [t.split(" — ")[0] for t, d in talk.buttons(507) if d.startswith("i:")] == [
        "Открытка «С днём рождения»"
    ]
    await talk.send(updates.message(anna, "/search роза 01"))
    assert [t.split(" — ")[0] for t, d in talk.buttons(507) if d.startswith("i:")] == ["Роза 01"]
    await talk.send(updates.message(anna, "#розы"))
    assert len([d for _, d in talk.buttons(507) if d.startswith("i:")]) == 3


async def test_placing_an_order_asks_quantity_confirms_and_uses_the_order_service(
    talk: Conversation, container: Container
) -> None:
    (rose, *_) = await _shop(container, 1)
    anna = updates.user(508)
    await talk.send(updates.message(anna, "/start"))
    await talk.send(updates.callback(anna, f"b:{rose['id']}", message_id=1))
    assert "Сколько нужно «Роза 00»?" in talk.last(508).params["text"]
    await talk.send(updates.message(anna, "много"))
    assert talk.last(508).params["text"] == "Напишите целое число от 1 до 999."
    await talk.send(updates.message(anna, "3"))
    summary = talk.last(508).params["text"]
    assert "Роза 00 × 3" in summary
    assert "450" in summary
    assert talk.buttons(508) == [("✅ Подтвердить", "bc"), ("✖️ Отменить", "bx")]
    confirm_at = talk.sent_message_id(508)
    await talk.send(updates.callback(anna, "bc", message_id=confirm_at))
    done = talk.last(508)
    assert done.method == "editMessageText"
    assert done.via_webhook  # the webhook's answer: sent only after the order was committed
    assert done.params["text"].startswith("✅ Заказ №")
    assert "Статус: Новый" in done.params["text"]
    await talk.send(updates.callback(anna, "bc", message_id=confirm_at))  # pressed twice
    async with container.read_sessions() as session:
        placed = (await session.execute(select(Order))).scalars().all()
    assert len(placed) == 1
    assert placed[0].channel == "telegram"
    assert placed[0].total == Decimal("450.00")


async def test_ordering_more_than_the_stock_is_refused_politely(
    talk: Conversation, container: Container
) -> None:
    (rose, *_) = await _shop(container, 1)
    anna = updates.user(509)
    await talk.send(updates.callback(anna, f"b:{rose['id']}", message_id=1))
    await talk.send(updates.message(anna, "60"))
    await talk.send(updates.callback(anna, "bc", message_id=talk.sent_message_id(509)))
    alert = talk.api.calls_to("answerCallbackQuery")[-1].params
    assert "Недостаточно остатка «Роза 00»" in alert["text"]
    assert alert["show_alert"] in (True, "true")
    async with container.read_sessions() as session:
        assert (await session.execute(select(Order))).first() is None


async def test_my_orders_lists_statuses_and_the_customer_cancels_where_allowed(
    talk: Conversation, container: Container
) -> None:
    (rose, *_) = await _shop(container, 1)
    anna = updates.user(510)
    await talk.send(updates.callback(anna, f"b:{rose['id']}", message_id=1))
    await talk.send(updates.message(anna, "2"))
    await talk.send(updates.callback(anna, "bc", message_id=talk.sent_message_id(510)))
    await talk.send(updates.message(anna, "📦 Мои заказы"))
    assert talk.last(510).params["text"] == "📦 Ваши заказы:"
    (label, data), *_ = talk.buttons(510)
    assert "Новый" in label
    assert data.startswith("mo:")
    listing = talk.sent_message_id(510)
    await talk.send(updates.callback(anna, data, message_id=listing))
    assert "Статус: Новый" in talk.last(510).params["text"]
    cancel = next(d for t, d in talk.buttons(510) if t == "Отменить")
    assert cancel.startswith("o:")
    assert cancel.endswith(":cancelled:1")
    await talk.send(updates.callback(anna, cancel, message_id=listing))
    assert "Статус: Отменён" in talk.last(510).params["text"]
    assert not any(d.startswith("o:") for _, d in talk.buttons(510))
    async with container.read_sessions() as session:
        order = (await session.execute(select(Order))).scalar_one()
    assert order.status == "cancelled"


async def test_the_confirm_press_is_answered_after_the_order_is_committed(
    talk: Conversation, container: Container
) -> None:
    (rose, *_) = await _shop(container, 1)
    anna = updates.user(510)
    await talk.send(updates.callback(anna, f"b:{rose['id']}", message_id=1))
    await talk.send(updates.message(anna, "2"))
    # Telegram fails the spinner's answer: the order, committed before it, stays placed
    talk.api.fail("answerCallbackQuery", *[Failure.bad_gateway()] * 10)
    await talk.send(updates.callback(anna, "bc", message_id=talk.sent_message_id(510)))

    done = talk.last(510)
    assert done.via_webhook
    assert done.params["text"].startswith("✅ Заказ №")
    async with container.read_sessions() as session:
        placed = (await session.execute(select(Order.number))).scalars().all()
    assert len(placed) == 1
    assert placed[0] in done.params["text"]
