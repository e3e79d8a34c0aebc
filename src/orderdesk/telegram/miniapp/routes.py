"""Serve the Mini App: its page, its static files, its texts, and (for now) its login route."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.core.http import json_response
from orderdesk.telegram.miniapp.messages import ui_texts

STATIC_DIR = Path(__file__).resolve().parent / "static"
PREFIX = "/app"
# Scripts and styles come only from this origin (no inline scripts); the page may be framed by
# Telegram Web (web.telegram.org), which shows Mini Apps in an iframe. Inline styles are allowed
# for Telegram's own vendored script, which styles its bottom buttons that way.
# `connect-src` names this host's ws:/wss: too: older WebKit (iOS Telegram) does not let 'self'
# cover WebSockets.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'{sockets}; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"
)
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$")
REPLACED = {b"content-security-policy", b"x-frame-options"}


async def index(_request: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def texts(_request: Request) -> Response:
    return json_response(ui_texts(), headers={"Cache-Control": "no-cache"})


def app_csp(host: str) -> str:
    """The page's CSP; a well-formed Host header adds its WebSocket origins."""
    sockets = f" ws://{host} wss://{host}" if _HOST.match(host) else ""
    return APP_CSP.format(sockets=sockets)


class MiniAppHeaders:
    """Give /app its own CSP and let Telegram Web frame it (the API keeps `frame-ancestors
    'none'`). Outermost middleware: it replaces what the security-header middleware set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return

        csp = app_csp(Headers(scope=scope).get("host", "")).encode()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k not in REPLACED]
                headers.append((b"content-security-policy", csp))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)


def install_miniapp(app: FastAPI, api_prefix: str) -> None:
    """Mount /app and its assets (the Mini App logs in at /api/v1/auth/telegram/webapp)."""
    app.add_api_route(PREFIX, index, methods=["GET"], include_in_schema=False)
    app.add_api_route(PREFIX + "/", index, methods=["GET"], include_in_schema=False)
    app.add_api_route(PREFIX + "/texts.json", texts, methods=["GET"], include_in_schema=False)
    app.mount(PREFIX + "/static", StaticFiles(directory=STATIC_DIR), name="miniapp-static")
    app.add_middleware(MiniAppHeaders)
