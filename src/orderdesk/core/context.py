"""Per-request facts (request id, client address) that audit and logs attach to records."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


_EMPTY = RequestContext()
_ctx: ContextVar[RequestContext] = ContextVar("orderdesk_request", default=_EMPTY)  # noqa: B039


def set_request_context(ctx: RequestContext) -> None:
    _ctx.set(ctx)


def request_context() -> RequestContext:
    return _ctx.get()
