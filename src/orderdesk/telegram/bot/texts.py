"""Everything the bot says, in Russian and English (keys prefixed `bot.`)."""

from __future__ import annotations

from orderdesk.core.i18n import register, t

register(
    {
        "bot.welcome": {
            "ru": "Здравствуйте, {name}! 👋\nЗдесь можно выбрать товар или объект и оформить "
            "заказ или заявку. Воспользуйтесь меню ниже.",
            "en": "Hello, {name}! 👋\nHere you can choose an item or a facility and place an "
            "order or a request. Use the menu below.",
        },
        "bot.welcome_back": {
            "ru": "С возвращением, {name}! Чем помочь?",
            "en": "Welcome back, {name}! How can I help?",
        },
        "bot.menu.catalog": {"ru": "🛍 Каталог", "en": "🛍 Catalog"},
        "bot.menu.orders": {"ru": "📦 Мои заказы", "en": "📦 My orders"},
        "bot.menu.phone": {"ru": "📱 Поделиться телефоном", "en": "📱 Share phone number"},
        "bot.phone.saved": {
            "ru": "✅ Телефон {phone} сохранён. Спасибо!",
            "en": "✅ Phone {phone} saved. Thank you!",
        },
        "bot.phone.not_yours": {
            "ru": "Пожалуйста, отправьте свой номер кнопкой «📱 Поделиться телефоном».",
            "en": "Please send your own number with the “📱 Share phone number” button.",
        },
        "bot.phone.required": {
            "ru": "📱 Для оформления заявки нужен номер телефона. Нажмите «📱 Поделиться "
            "телефоном» ниже.",
            "en": "📱 A phone number is needed to place this request. Tap “📱 Share phone "
            "number” below.",
        },
        "bot.pending": {
            "ru": "⏳ Ваша учётная запись ожидает подтверждения администратором.",
            "en": "⏳ Your account is waiting for an administrator's approval.",
        },
        "bot.blocked": {
            "ru": "⛔ Доступ к боту заблокирован.",
            "en": "⛔ Your access to the bot is blocked.",
        },
        "bot.error": {
            "ru": "😔 Что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз чуть позже.",
            "en": "😔 Something went wrong. We are looking into it — please try again shortly.",
        },
        "bot.rate_limited": {
            "ru": "🙏 Слишком много сообщений. Пожалуйста, подождите {seconds} с.",
            "en": "🙏 Too many messages. Please wait {seconds} s.",
        },
        "bot.unknown": {
            "ru": "Не понял вас. Откройте «🛍 Каталог» или напишите, что ищете.",
            "en": "Sorry, I did not get that. Open “🛍 Catalog” or type what you are looking for.",
        },
        "bot.catalog.title": {
            "ru": "🛍 Каталог. Выберите категорию:",
            "en": "🛍 Catalog. Choose a category:",
        },
        "bot.catalog.all": {"ru": "Все товары", "en": "All items"},
        "bot.catalog.by_unit": {"ru": "🏬 По точкам", "en": "🏬 By location"},
        "bot.catalog.units": {"ru": "🏬 Выберите точку:", "en": "🏬 Choose a location:"},
        "bot.catalog.empty": {"ru": "Ничего не найдено.", "en": "Nothing found."},
        "bot.catalog.page": {
            "ru": "{title}\nСтраница {page}:",
            "en": "{title}\nPage {page}:",
        },
        "bot.catalog.category": {"ru": "📂 {name}", "en": "📂 {name}"},
        "bot.catalog.unit": {"ru": "🏬 {name}", "en": "🏬 {name}"},
        "bot.catalog.tag": {"ru": "🏷 #{tag}", "en": "🏷 #{tag}"},
        "bot.catalog.search": {"ru": "🔎 Поиск: «{q}»", "en": "🔎 Search: “{q}”"},
        "bot.catalog.everything": {"ru": "🛍 Весь каталог", "en": "🛍 The whole catalog"},
        "bot.nav.prev": {"ru": "◀️ Назад", "en": "◀️ Back"},
        "bot.nav.next": {"ru": "Далее ▶️", "en": "Next ▶️"},
        "bot.nav.catalog": {"ru": "↩️ К каталогу", "en": "↩️ To the catalog"},
        "bot.item.card": {
            "ru": "<b>{name}</b>\nАртикул: {sku}\nЦена: {price} {currency}{stock}\n{description}",
            "en": "<b>{name}</b>\nSKU: {sku}\nPrice: {price} {currency}{stock}\n{description}",
        },
        "bot.item.stock": {"ru": "\nВ наличии: {stock}", "en": "\nIn stock: {stock}"},
        "bot.item.order": {"ru": "🛒 Заказать", "en": "🛒 Order"},
        "bot.item.request": {"ru": "📝 Оставить заявку", "en": "📝 Send a request"},
        "bot.item.not_found": {"ru": "Товар не найден.", "en": "Item not found."},
        "bot.order.quantity": {
            "ru": "Сколько нужно «{name}»? Напишите число.",
            "en": "How many “{name}” do you need? Type a number.",
        },
        "bot.order.bad_quantity": {
            "ru": "Напишите целое число от 1 до {max}.",
            "en": "Type a whole number from 1 to {max}.",
        },
        "bot.order.ask_attribute": {"ru": "Укажите: {label}", "en": "Please enter: {label}"},
        "bot.order.ask_date": {
            "ru": "Укажите: {label} (ДД.ММ.ГГГГ)",
            "en": "Please enter: {label} (DD.MM.YYYY)",
        },
        "bot.order.bad_value": {
            "ru": "Не получилось прочитать значение, попробуйте ещё раз.",
            "en": "Could not read that value, please try again.",
        },
        "bot.order.summary": {
            "ru": "Проверьте {kind}:\n{lines}\n{attributes}Итого: <b>{total} {currency}</b>\n"
            "Подтвердить?",
            "en": "Please check your {kind}:\n{lines}\n{attributes}"
            "Total: <b>{total} {currency}</b>\nConfirm?",
        },
        "bot.order.confirm": {"ru": "✅ Подтвердить", "en": "✅ Confirm"},
        "bot.order.cancel": {"ru": "✖️ Отменить", "en": "✖️ Cancel"},
        "bot.order.cancelled_draft": {
            "ru": "Оформление отменено.",
            "en": "Checkout cancelled.",
        },
        "bot.order.created": {
            "ru": "✅ Заказ №{number} оформлен. Статус: {status}. Итого: {total} {currency}.",
            "en": "✅ Order No. {number} placed. Status: {status}. Total: {total} {currency}.",
        },
        "bot.order.expired": {
            "ru": "Оформление устарело, начните заново.",
            "en": "This checkout has expired, please start again.",
        },
        "bot.order.no_type": {
            "ru": "Сейчас заказы через бота не принимаются.",
            "en": "Orders are not accepted through the bot at the moment.",
        },
        "bot.orders.title": {"ru": "📦 Ваши заказы:", "en": "📦 Your orders:"},
        "bot.orders.empty": {"ru": "У вас пока нет заказов.", "en": "You have no orders yet."},
        "bot.orders.line": {
            "ru": "№{number} — {status} — {total} {currency}",
            "en": "No. {number} — {status} — {total} {currency}",
        },
        "bot.order.detail": {
            "ru": "<b>Заказ №{number}</b>\nСтатус: {status}\n{lines}\nИтого: {total} {currency}",
            "en": "<b>Order No. {number}</b>\nStatus: {status}\n{lines}\nTotal: {total} {currency}",
        },
        "bot.staff.order": {
            "ru": "🆕 <b>{kind} №{number}</b>\nСтатус: {status}\nКлиент: {customer}\n{lines}\n"
            "Итого: {total} {currency}",
            "en": "🆕 <b>{kind} No. {number}</b>\nStatus: {status}\nCustomer: {customer}\n{lines}\n"
            "Total: {total} {currency}",
        },
        "bot.staff.changed_by": {
            "ru": "\n✏️ {status} — {who}",
            "en": "\n✏️ {status} — {who}",
        },
        "bot.staff.stale": {
            "ru": "Заказ уже изменён — обновляю сообщение.",
            "en": "The order has already changed — refreshing the message.",
        },
        "bot.staff.not_allowed": {
            "ru": "У вас нет прав на это действие.",
            "en": "You are not allowed to do this.",
        },
        "bot.staff.comment": {
            "ru": "Напишите комментарий к действию «{label}» для заказа №{number}:",
            "en": "Write a comment for “{label}” on order No. {number}:",
        },
        "bot.staff.done": {"ru": "Готово: {status}", "en": "Done: {status}"},
        "bot.staff.only": {
            "ru": "Эта команда доступна только сотрудникам.",
            "en": "This command is for staff only.",
        },
        "bot.login.link": {
            "ru": "🔐 Одноразовая ссылка для входа (действует {minutes} мин):\n{url}",
            "en": "🔐 One-time login link (valid for {minutes} min):\n{url}",
        },
        "bot.stats.title": {"ru": "📊 <b>Статистика</b>", "en": "📊 <b>Statistics</b>"},
        "bot.stats.period": {
            "ru": "\n<b>{label}</b>: заказов {count}, выручка {revenue}",
            "en": "\n<b>{label}</b>: {count} orders, revenue {revenue}",
        },
        "bot.stats.today": {"ru": "Сегодня", "en": "Today"},
        "bot.stats.days": {"ru": "{days} дней", "en": "{days} days"},
        "bot.stats.status": {"ru": "  • {status}: {count}", "en": "  • {status}: {count}"},
        "bot.stats.top": {"ru": "  Топ: {items}", "en": "  Top: {items}"},
        "bot.pending.title": {
            "ru": "👥 Ожидают подтверждения:",
            "en": "👥 Waiting for approval:",
        },
        "bot.pending.empty": {"ru": "Новых заявок нет.", "en": "Nobody is waiting."},
        "bot.pending.approve": {"ru": "✅ Одобрить", "en": "✅ Approve"},
        "bot.pending.block": {"ru": "⛔ Заблокировать", "en": "⛔ Block"},
        "bot.pending.done": {
            "ru": "{name}: {status}",
            "en": "{name}: {status}",
        },
        "bot.pending.not_pending": {
            "ru": "Этот пользователь уже не ожидает подтверждения.",
            "en": "This user is no longer waiting for approval.",
        },
        "bot.pending.approved_notice": {
            "ru": "✅ Ваша учётная запись подтверждена. Добро пожаловать!",
            "en": "✅ Your account has been approved. Welcome!",
        },
        "bot.status.active": {"ru": "одобрен", "en": "approved"},
        "bot.status.blocked": {"ru": "заблокирован", "en": "blocked"},
    }
)

__all__ = ["t"]
