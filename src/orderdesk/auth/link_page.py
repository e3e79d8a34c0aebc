"""GET /auth/link/{token}: a page that lets the person log in — opening it never spends the link.

Telegram, messengers and mail scanners fetch links to build previews; a GET that spent the
token would log the preview bot in and leave the person with a dead link. The page only shows
a button; pressing it POSTs the token (read from the address, never echoed into the HTML) to
`POST /api/v1/auth/link`, keeps the tokens in `sessionStorage` (`orderdesk.access_token`,
`orderdesk.refresh_token`, `orderdesk.expires_at` — what the web UI will read) and replaces the
page with `/`, so the spent address leaves the history too.
"""

from __future__ import annotations

import html
import secrets

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from orderdesk.auth.links import LINK_PATH
from orderdesk.core.i18n import current_locale, register, t

router = APIRouter(tags=["auth"])

register(
    {
        "link_page.title": {"en": "Log in to orderdesk", "ru": "Вход в orderdesk"},
        "link_page.lead": {
            "en": "Press the button to log in on this device. The link works once.",
            "ru": "Нажмите кнопку, чтобы войти на этом устройстве. Ссылка одноразовая.",
        },
        "link_page.button": {"en": "Log in", "ru": "Войти"},
        "link_page.working": {"en": "Logging in…", "ru": "Входим…"},
        "link_page.failed": {
            "en": "This link is invalid, already used or expired. "
            "Ask the bot for a new one (/login).",
            "ru": "Ссылка недействительна, уже использована или истекла. "
            "Запросите новую у бота (/login).",
        },
        "link_page.network": {
            "en": "No connection to the server; try again.",
            "ru": "Нет связи с сервером; попробуйте ещё раз.",
        },
    }
)

_SCRIPT = """
(function () {
  var button = document.getElementById("go");
  var status = document.getElementById("status");
  button.addEventListener("click", function () {
    var token = location.pathname.split("/").pop();
    button.disabled = true;
    status.textContent = status.dataset.working;
    fetch("/api/v1/auth/link", {
      method: "POST",
      headers: {"Content-Type": "application/json",
                "Accept-Language": document.documentElement.lang},
      body: JSON.stringify({token: token}),
      credentials: "omit",
      referrerPolicy: "no-referrer",
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok) { status.textContent = status.dataset.failed; return; }
      return response.json().then(function (pair) {
        sessionStorage.setItem("orderdesk.access_token", pair.access_token);
        sessionStorage.setItem("orderdesk.refresh_token", pair.refresh_token);
        sessionStorage.setItem("orderdesk.expires_at", String(Date.now() + pair.expires_in * 1000));
        location.replace("/");
      });
    }, function () {
      button.disabled = false;
      status.textContent = status.dataset.network;
    });
  });
})();
"""

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:28rem;margin:15vh auto;padding:0 1rem;"
    "line-height:1.4}button{font-size:1.1rem;padding:.6rem 1.6rem;cursor:pointer}"
    "#status{min-height:1.5em;color:#a33}"
)


def render_page(nonce: str) -> str:
    """The page in the request's language (ru or en, from Accept-Language)."""

    def text(key: str) -> str:
        return html.escape(t(key), quote=True)

    return (
        f'<!doctype html><html lang="{current_locale()}"><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="robots" content="noindex,nofollow">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{text('link_page.title')}</title>"
        f'<style nonce="{nonce}">{_STYLE}</style></head><body><main>'
        f"<h1>{text('link_page.title')}</h1><p>{text('link_page.lead')}</p>"
        f'<button id="go" type="button">{text("link_page.button")}</button>'
        f'<p id="status" role="status" data-working="{text("link_page.working")}" '
        f'data-failed="{text("link_page.failed")}" data-network="{text("link_page.network")}">'
        f'</p></main><script nonce="{nonce}">{_SCRIPT}</script></body></html>'
    )


@router.get(
    LINK_PATH + "{token}",
    response_class=HTMLResponse,
    include_in_schema=False,
    summary="The one-time login link's page (does not spend the link)",
)
async def login_link_page(token: str) -> HTMLResponse:
    # `token` is deliberately unused: the page never looks it up, so a GET spends nothing.
    del token
    nonce = secrets.token_urlsafe(16)
    csp = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        render_page(nonce),
        headers={
            "Content-Security-Policy": csp,
            "Cache-Control": "no-store",
            "X-Robots-Tag": "noindex, nofollow",
        },
    )
