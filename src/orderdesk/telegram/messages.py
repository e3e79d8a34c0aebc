"""Texts of the notifications the bot sends (ru/en); keys start with `tg.`."""

from __future__ import annotations

from orderdesk.core.i18n import register

register(
    {
        "tg.order.new": {"ru": "🆕 Новый заказ", "en": "🆕 New order"},
        "tg.order.title": {"ru": "Заказ №{number}", "en": "Order No. {number}"},
        "tg.order.status": {"ru": "Статус: {status}", "en": "Status: {status}"},
        "tg.order.customer": {"ru": "Клиент: {name}", "en": "Customer: {name}"},
        "tg.order.unit": {"ru": "Подразделение: {name}", "en": "Unit: {name}"},
        "tg.order.note": {"ru": "Комментарий: {note}", "en": "Note: {note}"},
        "tg.order.total": {"ru": "Итого: {total}", "en": "Total: {total}"},
        "tg.order.more_lines": {"ru": "…и ещё позиций: {count}", "en": "…and {count} more lines"},
        "tg.order.no_lines": {"ru": "Без позиций", "en": "No lines"},
        "tg.order.deleted": {"ru": "Заказ удалён", "en": "The order was deleted"},
        "tg.order.status_changed": {
            "ru": "Заказ №{number}: новый статус «{status}»",
            "en": "Order No. {number}: the status is now “{status}”",
        },
        "tg.order.comment": {"ru": "Комментарий: {comment}", "en": "Comment: {comment}"},
        "tg.order.open": {"ru": "📱 Открыть заказ", "en": "📱 Open order"},
        "tg.user.pending": {
            "ru": "👤 Новый пользователь ждёт подтверждения",
            "en": "👤 A new user is waiting for approval",
        },
        "tg.user.name": {"ru": "Имя: {name}", "en": "Name: {name}"},
        "tg.user.telegram": {"ru": "Telegram: {handle}", "en": "Telegram: {handle}"},
        "tg.user.approve": {"ru": "✅ Подтвердить", "en": "✅ Approve"},
        "tg.user.block": {"ru": "⛔ Заблокировать", "en": "⛔ Block"},
        "tg.report.daily": {
            "ru": "📊 Отчёт за день {start}",
            "en": "📊 Daily report {start}",
        },
        "tg.report.weekly": {
            "ru": "📊 Отчёт за неделю {start} — {end}",
            "en": "📊 Weekly report {start} — {end}",
        },
        "tg.report.orders": {"ru": "Заказов: {count}", "en": "Orders: {count}"},
        "tg.report.by_status": {"ru": "По статусам:", "en": "By status:"},
        "tg.report.revenue": {"ru": "Сумма: {amount}", "en": "Amount: {amount}"},
        "tg.report.average": {"ru": "Средний чек: {amount}", "en": "Average order: {amount}"},
        "tg.report.top": {"ru": "Лидеры:", "en": "Top items:"},
        "tg.report.empty": {
            "ru": "За этот период заказов не было.",
            "en": "No orders in this period.",
        },
        "tg.report.file": {"ru": "заказы", "en": "orders"},
    }
)
