"""Texts of the Mini App (its UI and its login errors), in Russian and English."""

from __future__ import annotations

from orderdesk.core.i18n import register

# What the browser shows: served to it as /app/texts.json, both languages at once.
UI: dict[str, dict[str, str]] = {
    "app.title": {"ru": "Магазин", "en": "Shop"},
    "app.loading": {"ru": "Загрузка…", "en": "Loading…"},
    "app.catalog": {"ru": "Каталог", "en": "Catalog"},
    "app.search": {"ru": "Поиск товаров", "en": "Search products"},
    "app.all_categories": {"ru": "Все", "en": "All"},
    "app.nothing_found": {"ru": "Ничего не найдено", "en": "Nothing found"},
    "app.more": {"ru": "Показать ещё", "en": "Show more"},
    "app.add_to_cart": {"ru": "В корзину", "en": "Add to cart"},
    "app.added": {"ru": "Добавлено в корзину", "en": "Added to the cart"},
    "app.in_cart": {"ru": "В корзине: {count}", "en": "In the cart: {count}"},
    "app.in_stock": {"ru": "В наличии: {stock}", "en": "In stock: {stock}"},
    "app.out_of_stock": {"ru": "Нет в наличии", "en": "Out of stock"},
    "app.sku": {"ru": "Артикул", "en": "SKU"},
    "app.cart": {"ru": "Корзина", "en": "Cart"},
    "app.cart_empty": {"ru": "Корзина пуста", "en": "Your cart is empty"},
    "app.remove": {"ru": "Убрать", "en": "Remove"},
    "app.decrease": {"ru": "Меньше", "en": "Fewer"},
    "app.increase": {"ru": "Больше", "en": "More"},
    "app.total": {"ru": "Итого", "en": "Total"},
    "app.checkout": {"ru": "Оформить заказ", "en": "Checkout"},
    "app.place_order": {"ru": "Подтвердить заказ", "en": "Place order"},
    "app.note": {"ru": "Комментарий к заказу", "en": "Comment on the order"},
    "app.required": {"ru": "обязательно", "en": "required"},
    "app.choose": {"ru": "— выберите —", "en": "— choose —"},
    "app.yes": {"ru": "Да", "en": "Yes"},
    "app.no_shop": {
        "ru": "Магазин пока не принимает заказы.",
        "en": "The shop does not take orders yet.",
    },
    "app.order_placed": {"ru": "Заказ {number} оформлен", "en": "Order {number} placed"},
    "app.my_orders": {"ru": "Мои заказы", "en": "My orders"},
    "app.no_orders": {"ru": "Заказов пока нет", "en": "No orders yet"},
    "app.order": {"ru": "Заказ {number}", "en": "Order {number}"},
    "app.status": {"ru": "Статус", "en": "Status"},
    "app.items": {"ru": "Состав заказа", "en": "Items"},
    "app.order_not_found": {"ru": "Заказ не найден", "en": "Order not found"},
    "app.item_not_found": {"ru": "Товар не найден", "en": "Product not found"},
    "app.live": {"ru": "Статус обновляется сам", "en": "Status updates live"},
    "app.offline": {"ru": "Нет связи, переподключаемся…", "en": "Offline, reconnecting…"},
    "app.error_title": {"ru": "Не удалось открыть магазин", "en": "Could not open the shop"},
    "app.auth_failed": {
        "ru": "Не удалось войти через Telegram. Закройте и снова откройте магазин из бота.",
        "en": "Could not log in with Telegram. Close the shop and open it again from the bot.",
    },
    "app.no_telegram": {
        "ru": "Откройте магазин из Telegram: кнопка «Магазин» в чате с ботом.",
        "en": "Open the shop from Telegram: the “Shop” button in the chat with the bot.",
    },
    "app.error": {"ru": "Что-то пошло не так", "en": "Something went wrong"},
    "app.retry": {"ru": "Повторить", "en": "Retry"},
    "app.enum.delivery": {"ru": "Доставка", "en": "Delivery"},
    "app.enum.pickup": {"ru": "Самовывоз", "en": "Pickup"},
}

# What the login endpoint answers with (problem+json detail).
ERRORS: dict[str, dict[str, str]] = {
    "app.auth.init_data_invalid": {
        "ru": "Данные Mini App не прошли проверку подписи Telegram.",
        "en": "The Mini App data failed Telegram's signature check.",
    },
    "app.auth.init_data_expired": {
        "ru": "Данные Mini App устарели: откройте приложение заново.",
        "en": "The Mini App data has expired: open the app again.",
    },
    "app.auth.disabled": {
        "ru": "Вход через Telegram выключен: боту не задан токен.",
        "en": "Telegram login is off: the bot has no token.",
    },
}

register(UI)
register(ERRORS)


def ui_texts() -> dict[str, dict[str, str]]:
    """{"ru": {key: text}, "en": {...}} without the `app.` prefix, for the browser."""
    return {
        lang: {key.removeprefix("app."): texts[lang] for key, texts in UI.items()}
        for lang in ("ru", "en")
    }
