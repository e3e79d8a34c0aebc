"""Order texts in Russian and English."""

from orderdesk.core.i18n import register

ORDER_NOT_FOUND = "order.not_found"

register(
    {
        ORDER_NOT_FOUND: {"en": "Order {id} not found.", "ru": "Заказ {id} не найден."},
        "order_type.not_found": {
            "en": "Order type {id} not found.",
            "ru": "Тип заказа {id} не найден.",
        },
        "order_type.in_use": {
            "en": "Orders of this type exist; it cannot be deleted.",
            "ru": "Есть заказы этого типа; удалить его нельзя.",
        },
        "order_type.status_in_use": {
            "en": "Orders are in status {status}, which the new workflow removes.",
            "ru": "Есть заказы в статусе {status}, которого нет в новом процессе.",
        },
        "order.transition_not_allowed": {
            "en": "Cannot move the order from {from_status} to {to}.",
            "ru": "Нельзя перевести заказ из статуса «{from_status}» в «{to}».",
        },
        "order.transition_role": {
            "en": "Your role ({role}) may not move the order from {from_status} to {to}.",
            "ru": "Ваша роль ({role}) не может перевести заказ из «{from_status}» в «{to}».",
        },
        "order.status_changed": {
            "en": "The order's status changed meanwhile (now {status}); reload it.",
            "ru": "Статус заказа уже изменился (сейчас «{status}»); обновите данные.",
        },
        "order.not_editable": {
            "en": "The order cannot be changed in status {status}.",
            "ru": "Заказ нельзя изменить в статусе «{status}».",
        },
        "order.one_active": {
            "en": "You already have an active request for {name}.",
            "ru": "У вас уже есть активная заявка на «{name}».",
        },
        "order.slot_taken": {
            "en": "{name} is already booked for an overlapping time.",
            "ru": "«{name}» уже забронирован(а) на пересекающееся время.",
        },
        "order.line_not_found": {
            "en": "Line {id} not found in this order.",
            "ru": "Строка {id} в этом заказе не найдена.",
        },
        "order.stock_short": {
            "en": "Not enough stock of {name} (left {left}).",
            "ru": "Недостаточно остатка «{name}» (осталось {left}).",
        },
        "field.workflow_unknown_status": {
            "en": "Unknown status",
            "ru": "Неизвестный статус",
        },
        "field.workflow_initial_terminal": {
            "en": "The initial status cannot be terminal",
            "ru": "Начальный статус не может быть конечным",
        },
        "field.workflow_from_terminal": {
            "en": "No transitions may leave a terminal status",
            "ru": "Из конечного статуса переходов быть не может",
        },
        "field.workflow_dead_end": {
            "en": "Status {status} is not terminal but has no way out",
            "ru": "Статус «{status}» не конечный, но из него нет переходов",
        },
        "field.number_format": {
            "en": "Use {seq} with optional {year}, {yy}, {month}, e.g. R-{year}-{seq:05d}",
            "ru": "Используйте {seq} и при желании {year}, {yy}, {month}: R-{year}-{seq:05d}",
        },
        "field.item_archived": {"en": "The item is archived", "ru": "Позиция в архиве"},
        "field.phone_required": {
            "en": "This order type needs the customer's phone number",
            "ru": "Для этого типа заказа нужен телефон клиента",
        },
        "field.customer_price": {
            "en": "Customers cannot set prices",
            "ru": "Покупатель не может задавать цену",
        },
        "field.line_needs_item_or_name": {
            "en": "Give item_id, or name and unit_price",
            "ru": "Укажите item_id либо name и unit_price",
        },
        "field.currency_mismatch": {
            "en": "The item's currency differs from the order's",
            "ru": "Валюта позиции отличается от валюты заказа",
        },
        "field.time_range": {
            "en": "ends_at must be after starts_at",
            "ru": "ends_at должно быть позже starts_at",
        },
        "order.external_ref_taken": {
            "en": "An order with external reference {ref} already exists.",
            "ru": "Заказ с внешним номером {ref} уже существует.",
        },
        "field.timezone_required": {
            "en": "Give a time zone, e.g. 2026-05-01T10:00:00+03:00",
            "ru": "Укажите часовой пояс, например 2026-05-01T10:00:00+03:00",
        },
        "field.comment_required": {"en": "A comment is required", "ru": "Нужен комментарий"},
        "field.amount_too_large": {
            "en": "The amount is too large",
            "ru": "Слишком большая сумма",
        },
    }
)
