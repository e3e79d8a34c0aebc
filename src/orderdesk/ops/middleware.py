"""Pure ASGI middleware: request id + logging + metrics, body size limit, security headers."""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Sequence

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.core.context import RequestContext, set_request_context
from orderdesk.core.errors import PayloadTooLarge, internal_error_body, problem_response
from orderdesk.core.i18n import negotiate, set_locale
from orderdesk.ops.metrics import LATENCY, REQUESTS

log = structlog.get_logger("orderdesk.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; frame-ancestors 'none'",
)
SECRET_PATH_PREFIXES = ("/auth/link/",)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _loggable(path: str) -> str:
    """The path as logged: secrets carried in a path (one-time login links) are cut off."""
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "…"
    return path


def route_template(scope: Scope) -> str:
    """The matched route as a template with its router prefix, e.g. /api/v1/users/{user_id}."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return "<unmatched>"
    path = str(scope.get("path", ""))
    regex = getattr(route, "path_regex", None)
    if regex is None or regex.match(path):
        return template
    # Recent FastAPI puts the included router's own route, without the include
    # prefix, into scope["route"]: the prefix is the path up to where the route matches.
    start = path.find("/", 1)
    while start != -1:
        if regex.match(path[start:]):
            return path[:start] + template
        start = path.find("/", start + 1)
    return template


class RequestContextMiddleware:
    """Request id (accepted or generated), locale, access log line and metrics per request."""

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        client = scope.get("client")
        set_request_context(
            RequestContext(
                request_id=request_id,
                ip=client[0] if client else None,
                user_agent=_header(scope, b"user-agent"),
            )
        )
        set_locale(negotiate(_header(scope, b"accept-language")))
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        path = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(("/docs", "/redoc", "/static")) else API_CSP

        status_sent = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, status_sent
            if message["type"] == "http.response.start":
                status, status_sent = message["status"], True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append(csp)  # a page with a policy of its own (nonces) keeps it
                if self.production:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        try:
            try:
                await self.app(scope, receive, send_wrapper)
            except Exception:
                if status_sent:
                    raise
                # Answer here rather than in Starlette's outer error middleware, so a 500 too
                # carries the request id and the security headers.
                log.exception("unhandled_error", path=_loggable(path))
                await problem_response(500, internal_error_body())(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            template = route_template(scope)
            method = scope.get("method", "")
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(elapsed)
            log.info(
                "request",
                method=method,
                path=_loggable(path),
                route=template,
                status=status,
                ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


class BodySizeLimitMiddleware:
    """Reject bodies over the limit with 413: by Content-Length up front, else while streaming.

    `path_limits` give some paths (file uploads) their own limit: the first pattern that
    matches the request path wins.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        path_limits: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = tuple(path_limits)

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.path_limits:
            if pattern.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", ""))) if self.path_limits else self.max_bytes
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await self._reject(scope, receive, send, limit)
                return
        received = 0
        exceeded = started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise PayloadTooLarge("problem.too_large.detail", limit=limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # The app's own answer to the cut-off body (FastAPI turns the error raised
                # while reading into a 400) is dropped; the client gets the 413 below.
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(PayloadTooLarge):
            await self.app(scope, limited_receive, tracking_send)
        if exceeded and not started:
            await self._reject(scope, receive, send, limit)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = PayloadTooLarge("problem.too_large.detail", limit=limit)
        response = problem_response(
            error.status, error.body(scope.get("path")), {"Connection": "close"}
        )
        await response(scope, receive, send)
