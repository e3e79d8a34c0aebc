"""FOK-style requests: phone before ordering, the required fields asked, one active per facility."""

from __future__ import annotations

from sqlalchemy import select

from orderdesk.container import Container
from orderdesk.orders.models import Order
from tests.factories import make_item, make_item_type, make_order_type
from tests.telegram import botkit, updates
from tests.telegram.botkit import Conversation

SCHEMA = [
    {"name": "visit_date", "label": {"ru": "Желаемая дата", "en": "Preferred date"},
     "type": "date", "required": True},
    {"name": "purpose", "label": {"ru": "Цель", "en": "Purpose"}, "type": "enum",
     "enum": ["тренировка", "секция"], "required": True},
    {"name": "contact_phone", "label": {"ru": "Телефон", "en": "Phone"}, "max": 32},
]  # fmt: skip

talk = botkit.talk
tg_api = botkit.tg_api


async def _facility(container: Container) -> dict:
    kind = await make_item_type(container, "facility")
    await make_order_type(
        container, "request", one_active_per_item=True, requires_phone=True, attribute_schema=SCHEMA
    )
    return await make_item(container, kind["id"], name="Стадион «Юность»", price=0)


async def _request(talk: Conversation, person: dict, facility: dict) -> None:
    chat = person["id"]
    await talk.send(updates.callback(person, f"b:{facility['id']}", message_id=1))
    assert talk.last(chat).params["text"] == "Укажите: Желаемая дата (ДД.ММ.ГГГГ)"
    await talk.send(updates.message(person, "31.02.2030"))
    assert talk.last(chat).params["text"].startswith("Не получилось прочитать")
    await talk.send(updates.message(person, "15.03.2030"))
    assert talk.last(chat).params["text"] == "Укажите: Цель"
    assert talk.buttons(chat) == [("тренировка", "ba:0"), ("секция", "ba:1")]
    await talk.send(updates.callback(person, "ba:1", message_id=talk.sent_message_id(chat)))
    summary = talk.last(chat).params["text"]
    assert "Желаемая дата: 2030-03-15" in summary
    assert "Цель: секция" in summary
    assert "Телефон: +79001234567" in summary
    await talk.send(updates.callback(person, "bc", message_id=talk.sent_message_id(chat)))


async def test_a_request_needs_the_phone_asks_its_fields_and_allows_one_active_per_facility(
    talk: Conversation, container: Container
) -> None:
    facility = await _facility(container)
    anna = updates.user(720)
    await talk.send(updates.message(anna, f"/start item_{facility['sku']}"))
    assert ("📝 Оставить заявку", f"b:{facility['id']}") in talk.buttons(720)
    await talk.send(updates.callback(anna, f"b:{facility['id']}", message_id=1))
    needs_phone = talk.last(720)
    assert needs_phone.params["text"].startswith("📱 Для оформления заявки нужен номер телефона")
    assert needs_phone.params["reply_markup"]["keyboard"][1][0]["request_contact"] is True
    await talk.send(updates.contact(anna, "+7 900 123-45-67"))
    await _request(talk, anna, facility)
    assert talk.last(720).params["text"].startswith("✅ Заказ №")
    await _request(talk, anna, facility)  # a second request for the same facility
    alert = talk.api.calls_to("answerCallbackQuery")[-1].params
    assert alert["text"] == "У вас уже есть активная заявка на «Стадион «Юность»»."
    async with container.read_sessions() as session:
        requests = (await session.execute(select(Order))).scalars().all()
    assert len(requests) == 1
    assert requests[0].attributes == {
        "visit_date": "2030-03-15",
        "purpose": "секция",
        "contact_phone": "+79001234567",
    }
