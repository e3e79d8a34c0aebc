"""The Mini App in headless Chromium against a real uvicorn process and the test database.

`window.Telegram.WebApp` is a stub injected before the page's scripts: it carries an initData
signed here with the test bot token (as Telegram would sign it) and records what the app does
with the MainButton and BackButton; `__tg.click("main")` is the user pressing the MainButton.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from orderdesk.blueprints import load_demo
from orderdesk.catalog.models import ItemType
from orderdesk.container import Container
from orderdesk.core.models import IdempotencyRecord
from orderdesk.orders.models import Order
from tests.conftest import PASSWORD, REDIS_NAMESPACE, REDIS_URL, TEST_CHANNEL, UserFactory
from tests.e2e.initdata import BOT_TOKEN, sign_init_data, tamper
from tests.factories import make_item
from tests.system.conftest import free_port
from tests.telegram.standin import BotAPIStandIn

pytestmark = pytest.mark.system

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 15_000
THEME = {
    "bg_color": "#102030",
    "text_color": "#f0f0f0",
    "hint_color": "#a0a0a0",
    "button_color": "#ff8800",
    "button_text_color": "#000000",
    "secondary_bg_color": "#203040",
}

STUB = """
(() => {
  const cfg = %s;
  const calls = [];
  const handlers = { main: [], back: [] };
  function button(name) {
    const record = (...args) => calls.push([name, ...args]);
    return {
      text: '', isVisible: false, isActive: true, isProgressVisible: false,
      setText(text) { record('setText', text); this.text = text; return this; },
      show() { record('show'); this.isVisible = true; return this; },
      hide() { record('hide'); this.isVisible = false; return this; },
      enable() { this.isActive = true; return this; },
      disable() { this.isActive = false; return this; },
      showProgress() { this.isProgressVisible = true; return this; },
      hideProgress() { this.isProgressVisible = false; return this; },
      setParams(params) { Object.assign(this, params); return this; },
      onClick(fn) { handlers[name].push(fn); return this; },
      offClick(fn) { handlers[name] = handlers[name].filter((f) => f !== fn); return this; },
    };
  }
  window.Telegram = { WebApp: {
    initData: cfg.initData, initDataUnsafe: cfg.initDataUnsafe, themeParams: cfg.themeParams,
    colorScheme: 'dark', version: '8.0', platform: 'tdesktop',
    MainButton: button('main'), BackButton: button('back'),
    HapticFeedback: { impactOccurred() {}, notificationOccurred() {} },
    ready() { calls.push(['ready']); }, expand() { calls.push(['expand']); },
    onEvent() {}, offEvent() {},
  } };
  window.__tg = {
    calls, handlers,
    main: () => window.Telegram.WebApp.MainButton,
    back: () => window.Telegram.WebApp.BackButton,
    click(name) { handlers[name].slice().forEach((fn) => fn()); },
  };
})();
"""


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    bot_api: BotAPIStandIn


@pytest.fixture
async def server(database_url: str, container: Container, tmp_path: Path) -> AsyncIterator[Server]:
    """`uvicorn orderdesk.app:create_app` on 127.0.0.1 with the test database and a bot token
    (its Bot API is the loopback stand-in, so whatever the bot does at start-up stays local)."""
    port = free_port()
    async with BotAPIStandIn(token=BOT_TOKEN) as bot_api:
        env = {
            **os.environ,
            "ORDERDESK_DATABASE_URL": database_url,
            "ORDERDESK_SECRET_KEYS": container.settings.secret_keys[0],
            "ORDERDESK_LOG_LEVEL": "WARNING",
            "ORDERDESK_REALTIME_CHANNEL": TEST_CHANNEL,
            "ORDERDESK_REDIS_NAMESPACE": REDIS_NAMESPACE,
            "ORDERDESK_ARGON2_TIME_COST": "1",
            "ORDERDESK_ARGON2_MEMORY_COST_KIB": "64",
            "ORDERDESK_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "ORDERDESK_TELEGRAM_MODE": "webhook",
            "ORDERDESK_TELEGRAM_WEBHOOK_SECRET": "e2e-webhook-secret-0123456789abcdef",
            "ORDERDESK_TELEGRAM_API_BASE": bot_api.base_url,
            "ORDERDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        if REDIS_URL:
            env["ORDERDESK_REDIS_URL"] = REDIS_URL
        log = tmp_path / "uvicorn.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "uvicorn", "--factory", "orderdesk.app:create_app",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(url, process, log)
            yield Server(url, process, log, bot_api)
        finally:
            process.terminate()
            try:
                await asyncio.to_thread(process.wait, 10)  # the loop keeps serving the stand-in
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait, 10)


async def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /health/ready without blocking the event loop; fail if uvicorn dies or is slow."""
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(600):
            if process.poll() is not None:
                pytest.fail(f"uvicorn exited:\n{log.read_text()}")
            try:
                if (await http.get(f"{url}/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(f"uvicorn did not answer /health/ready:\n{log.read_text()}")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"needs Debian's headless Chromium at {CHROMIUM}: apt-get install chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@dataclass
class MiniApp:
    page: Page
    requests: list[str]
    websockets: list[str]
    console: list[str]
    failures: list[str]

    async def main_button(self) -> dict[str, Any]:
        state: dict[str, Any] = await self.page.evaluate(
            "({text: __tg.main().text, visible: __tg.main().isVisible,"
            " handlers: __tg.handlers.main.length})"
        )
        return state

    async def press_main_button(self, expected_text: str) -> None:
        await expect_main_button(self, expected_text)
        await self.page.evaluate("__tg.click('main')")


async def expect_main_button(app: MiniApp, text: str) -> None:
    """The MainButton shows `text` with exactly one click handler (none leaked from a view)."""
    await app.page.wait_for_function(
        "([text]) => __tg.main().isVisible && __tg.main().text === text", arg=[text]
    )
    state = await app.main_button()
    assert state == {"text": text, "visible": True, "handlers": 1}


async def open_app(
    browser: Browser,
    server: Server,
    init_data: str,
    user: dict[str, Any],
    *,
    fragment: str = "",
    start_param: str | None = None,
) -> MiniApp:
    unsafe: dict[str, Any] = {"user": user, "auth_date": 0, "hash": "…"}
    if start_param:
        unsafe["start_param"] = start_param
    config = {"initData": init_data, "initDataUnsafe": unsafe, "themeParams": THEME}
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    app = MiniApp(page, [], [], [], [])
    page.on(
        "response",
        lambda r: app.failures.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("request", lambda request: app.requests.append(request.url))
    page.on("websocket", lambda ws: app.websockets.append(ws.url))
    page.on("console", lambda message: app.console.append(message.text))
    await page.add_init_script(STUB % json.dumps(config))
    await page.goto(f"{server.url}/app{fragment}")
    return app


def telegram_user(language: str, user_id: int = 777_000_111) -> dict[str, Any]:
    return {
        "id": user_id,
        "first_name": "Анна" if language == "ru" else "Anna",
        "last_name": "Смирнова" if language == "ru" else "Smith",
        "username": f"anna_{language}",
        "language_code": language,
    }


async def admin_headers(server: Server, make_user: UserFactory) -> dict[str, str]:
    admin = await make_user("admin", username="e2e-admin")
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def load_shop(container: Container) -> None:
    summary = await load_demo(container, "shop", items=40, orders=0, seed=3)
    assert summary is not None


async def shown_items(app: MiniApp, count: int) -> list[str]:
    """The names of the item cards once there are `count` of them."""
    try:
        await app.page.wait_for_function(
            "(n) => document.querySelectorAll('#items .card').length === n", arg=count
        )
    except PlaywrightTimeout:
        shown = await app.page.locator("#view").inner_text()
        pytest.fail(f"expected {count} cards; the page shows:\n{shown}\nconsole: {app.console}")
    return sorted(await app.page.locator("#items .card .name").all_inner_texts())


async def listed(server: Server, headers: dict[str, str], **params: Any) -> list[str]:
    """Names of the items the API lists with these filters (the app asks for 30 at most)."""
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        response = await http.get("/api/v1/items", params={"limit": 30, **params})
    assert response.status_code == 200, response.text
    return sorted(item["name"] for item in response.json()["items"])


def assert_no_token_in_urls(app: MiniApp) -> None:
    assert app.websockets, "the app never opened its WebSocket"
    for url in app.requests + app.websockets:
        assert "token" not in url.lower(), url
        assert "tgWebAppData" not in url, url
    violations = [text for text in app.console if "Content Security Policy" in text]
    assert violations == []
    refused_checkout = [f for f in app.failures if re.fullmatch(r"422 \S+/api/v1/orders", f)]
    assert [f for f in app.failures if f not in refused_checkout] == []


async def test_russian_customer_browses_searches_orders_with_main_button_and_sees_status_live(
    browser: Browser, server: Server, container: Container, make_user: UserFactory
) -> None:
    await load_shop(container)
    headers = await admin_headers(server, make_user)
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        items = (await http.get("/api/v1/items", params={"limit": 500})).json()["items"]
    user = telegram_user("ru")
    app = await open_app(browser, server, sign_init_data(user), user)
    page = app.page

    # Catalog in Russian, Telegram told the app is ready, the theme became CSS variables.
    await expect(page.locator("h1")).to_have_text("Каталог")
    await expect(page.locator("#nav-orders")).to_have_text("Мои заказы")
    await expect(page.locator("#items .card").first).to_be_visible()
    calls = await page.evaluate("__tg.calls.map((c) => c[0])")
    assert "ready" in calls
    assert "expand" in calls
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(16, 32, 48)"
    assert (await app.main_button())["visible"] is False  # nothing to press on the catalog

    # Search narrows the list to what the items API finds for the same words.
    target = next(item for item in items if item["category_id"] is not None)
    word = target["name"].split()[0]
    found = await listed(server, headers, q=word)
    assert target["name"] in found
    assert len(found) < len(items)
    await page.fill("#search", word)
    assert await shown_items(app, len(found)) == found

    # A category shows only its items (the search cleared first).
    await page.fill("#search", "")
    in_category = await listed(server, headers, category_id=target["category_id"])
    assert target["name"] in in_category
    assert len(in_category) < len(items)
    await page.click(f'#categories .chip[data-category="{target["category_id"]}"]')
    assert await shown_items(app, len(in_category)) == in_category

    # The item page: MainButton "В корзину" adds it; BackButton shows.
    await page.click(f'#items .card[data-item="{target["id"]}"]')
    await expect(page.locator("#item-name")).to_have_text(target["name"])
    assert await page.evaluate("__tg.back().isVisible") is True
    await app.press_main_button("В корзину")
    await expect(page.locator("#in-cart")).to_have_text("В корзине: 1")
    await app.press_main_button("В корзину")
    await expect(page.locator("#in-cart")).to_have_text("В корзине: 2")
    await expect(page.locator("#cart-count")).to_have_text("2")

    # Cart → checkout → place order, each through the MainButton.
    await page.click("#nav-cart")
    await expect(page.locator(".cart-line")).to_have_count(1)
    await app.press_main_button("Оформить заказ")
    await expect(page.locator("h1")).to_have_text("Оформить заказ")
    await app.press_main_button("Подтвердить заказ")  # delivery type missing: refused
    await expect(page.locator('[data-field="attributes.delivery_type"]')).not_to_be_empty()
    await page.select_option("#attr-delivery_type", "pickup")
    await page.fill("#note", "Позвоните за час")
    await app.press_main_button("Подтвердить заказ")
    await page.wait_for_url(re.compile(r"#/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.locator(f'.status[data-order="{order_id}"]')).to_have_text("Новый")
    await expect(page.locator("#live")).to_have_text("Статус обновляется сам")
    await expect(page.locator("#cart-count")).to_have_text("")

    async with container.read_sessions() as session:
        order = await session.get(Order, order_id)
    assert order is not None
    assert (order.channel, order.status, order.note) == ("mini_app", "pending", "Позвоните за час")
    assert order.attributes == {"delivery_type": "pickup"}
    # The checkout sent an Idempotency-Key: a retry of that request replays this order. The
    # refused first attempt is not remembered (a failed create never is).
    async with container.read_sessions() as session:
        keys = (
            (
                await session.execute(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.principal_key == f"u:{order.customer_id}"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert [(k.path, k.status_code) for k in keys] == [("/api/v1/orders", 201)]
    assert json.loads(keys[0].response_body)["id"] == order_id

    # Staff accept it through the API: the page shows the new status without a reload.
    await page.evaluate("window.__same_page = true")
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        response = await http.post(
            f"/api/v1/orders/{order_id}/transitions", json={"to": "accepted"}
        )
        assert response.status_code == 200, response.text
    await expect(page.locator(f'.status[data-order="{order_id}"]')).to_have_text("Принят")
    assert await page.evaluate("window.__same_page") is True

    # "My orders" lists it; a second change arrives live there too.
    await page.click("#nav-orders")
    row = page.locator(f'#orders .order[data-order="{order_id}"]')
    await expect(row.locator(".status")).to_have_text("Принят")
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        response = await http.post(
            f"/api/v1/orders/{order_id}/transitions", json={"to": "assembling"}
        )
        assert response.status_code == 200, response.text
    await expect(row.locator(".status")).to_have_text("Собирается")
    assert await page.evaluate("window.__same_page") is True
    assert_no_token_in_urls(app)
    await page.close()


async def test_english_user_gets_english_ui_and_deep_links_open_the_order(
    browser: Browser, server: Server, container: Container
) -> None:
    await load_shop(container)
    user = telegram_user("en", user_id=777_000_222)
    app = await open_app(browser, server, sign_init_data(user), user)
    page = app.page
    await expect(page.locator("h1")).to_have_text("Catalog")
    await expect(page.locator("#nav-cart [data-t]")).to_have_text("Cart")
    await expect(page.locator("#search")).to_have_attribute("placeholder", "Search products")
    await page.locator("#items .card").first.click()
    await expect(page.locator("#item-name")).to_be_visible()
    await page.evaluate("__tg.click('back')")  # the BackButton returns to the catalog
    await expect(page.locator("h1")).to_have_text("Catalog")
    assert await page.evaluate("__tg.back().isVisible") is False
    await page.locator("#items .card").first.click()
    await app.press_main_button("Add to cart")
    await expect(page.locator("#in-cart")).to_have_text("In the cart: 1")
    await page.click("#nav-cart")
    await app.press_main_button("Checkout")
    await page.select_option("#attr-delivery_type", "delivery")
    await page.fill("#attr-address", "221B Baker Street")
    await app.press_main_button("Place order")
    await page.wait_for_url(re.compile(r"#/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.locator(f'.status[data-order="{order_id}"]')).to_have_text("New")
    number = (await page.locator("#order-title").inner_text()).removeprefix("Order ")
    assert_no_token_in_urls(app)
    await page.close()

    # The bot's "Open order" button: {public_url}/app#/orders/{id} (Telegram may append its
    # own parameters after "?"), and a start_param order_<id> on a plain /app link.
    for fragment, start_param in ((f"#/orders/{order_id}?tgWebAppVersion=8.0", None),
                                  ("", f"order_{order_id}")):  # fmt: skip
        linked = await open_app(
            browser, server, sign_init_data(user), user, fragment=fragment, start_param=start_param
        )
        await expect(linked.page.locator("#order-title")).to_have_text(f"Order {number}")
        await expect(linked.page.locator(f'.status[data-order="{order_id}"]')).to_have_text("New")
        assert await linked.page.evaluate("__tg.back().isVisible") is True
        await linked.page.close()


@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        ("ru", "Не удалось открыть магазин", "Не удалось войти через Telegram"),
        ("en", "Could not open the shop", "Could not log in with Telegram"),
    ],
)
async def test_tampered_init_data_shows_the_error_screen_in_the_users_language(
    browser: Browser,
    server: Server,
    container: Container,
    language: str,
    title: str,
    message: str,
) -> None:
    await load_shop(container)
    user = telegram_user(language)
    forged = tamper(sign_init_data(user), user={**user, "id": 1})  # someone else's id
    app = await open_app(browser, server, forged, {**user, "id": 1})
    screen = app.page.locator("#error-screen")
    await expect(screen.locator("h1")).to_have_text(title)
    await expect(screen.locator("#error-message")).to_contain_text(message)
    await expect(screen.locator("#error-detail")).not_to_be_empty()  # the server's reason
    await expect(app.page.locator("#bar")).to_be_hidden()
    assert (await app.main_button())["visible"] is False
    assert not any("/api/v1/items" in url for url in app.requests)
    await app.page.close()


async def test_item_names_with_html_are_shown_as_text_never_run(
    browser: Browser, server: Server, container: Container
) -> None:
    await load_shop(container)
    async with container.read_sessions() as session:
        type_id = (await session.execute(select(ItemType.id).limit(1))).scalar_one()
    evil = '<img src=x onerror="window.__xss=1">'
    item = await make_item(
        container, type_id, name=evil, description="<script>window.__xss=2</script>"
    )
    user = telegram_user("ru", user_id=777_000_333)
    app = await open_app(browser, server, sign_init_data(user), user)
    page = app.page
    await page.fill("#search", "onerror")
    card = page.locator(f'#items .card[data-item="{item["id"]}"]')
    await expect(card.locator(".name")).to_have_text(evil)
    await card.click()
    await expect(page.locator("#item-name")).to_have_text(evil)
    await expect(page.locator(".description")).to_have_text("<script>window.__xss=2</script>")
    await app.press_main_button("В корзину")
    await page.click("#nav-cart")
    await expect(page.locator(".cart-line .name")).to_have_text(evil)
    assert await page.locator("#view img, #view script").count() == 0
    assert await page.evaluate("window.__xss") is None
    await page.close()


async def test_telegrams_own_script_reads_signed_init_data_and_theme_from_the_url_fragment(
    browser: Browser, server: Server, container: Container
) -> None:
    """No stub: the vendored telegram-web-app.js parses what a Telegram client puts after #."""
    await load_shop(container)
    user = telegram_user("ru", user_id=777_000_444)
    fragment = urlencode(
        {
            "tgWebAppData": sign_init_data(user),
            "tgWebAppVersion": "8.0",
            "tgWebAppPlatform": "tdesktop",
            "tgWebAppThemeParams": json.dumps(THEME),
        },
        quote_via=quote,
    )
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    await page.goto(f"{server.url}/app#{fragment}")
    await expect(page.locator("h1")).to_have_text("Каталог")
    await expect(page.locator("#items .card").first).to_be_visible()
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(16, 32, 48)"
    )
    assert routed_path(page.url) == "#/"  # Telegram's parameters left the address bar
    assert [text for text in console if "Content Security Policy" in text] == []
    await page.close()


async def test_outside_telegram_the_app_asks_to_be_opened_from_telegram(
    browser: Browser, server: Server, container: Container
) -> None:
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(f"{server.url}/app")
    screen = page.locator("#error-screen")
    await expect(screen.locator("h1")).to_have_text("Не удалось открыть магазин")
    await expect(screen.locator("#error-message")).to_contain_text("Откройте магазин из Telegram")
    assert any(url.endswith("/vendor/telegram/telegram-web-app.js") for url in requests)
    assert not any("/api/v1/" in url for url in requests)
    await page.close()


def routed_path(url: str) -> str:
    return "#" + url.partition("#")[2]
