"""HTTP conventions: JSON responses, ETag / If-Match versions, Idempotency-Key replay."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import orjson
from fastapi import Request
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from orderdesk.core.errors import Conflict, FieldError, PreconditionFailed, ValidationFailed
from orderdesk.core.models import IdempotencyRecord
from orderdesk.core.permissions import Principal
from orderdesk.core.transaction import after_transaction
from orderdesk.db.query import PreparedWrite
from orderdesk.db.types import utcnow

MAX_IDEMPOTENCY_KEY = 200


CENT = Decimal("0.01")


def decimal_text(value: Decimal) -> str:
    """Decimals as JSON strings: at least two places, more only when they carry digits."""
    text = str(value)
    point = text.find(".")
    if point > 0 and "E" not in text:  # the usual stored amount, e.g. "450.0000": trim zeros
        end = len(text)
        while end > point + 3 and text[end - 1] == "0":
            end -= 1
        return text[:end] if end >= point + 3 else text[:end] + "0" * (point + 3 - end)
    return _exact_text(value)


def _exact_text(value: Decimal) -> str:
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return str(value.quantize(CENT))
    return format(normalized, "f")  # never exponent notation such as 1E-7


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    raise TypeError


def dumps(body: Any) -> bytes:
    return orjson.dumps(body, default=_default, option=orjson.OPT_NON_STR_KEYS)


def json_response(
    body: Any,
    status_code: int = 200,
    *,
    version: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON response; with a version it carries an ETag for If-Match."""
    headers = dict(headers or {})
    if version is not None:
        headers["ETag"] = etag(version)
    return Response(
        dumps(body), status_code=status_code, media_type="application/json", headers=headers
    )


def record_response(row: dict[str, Any], status_code: int = 200) -> Response:
    """One record as JSON with its version as the ETag."""
    version = row.get("version")
    return json_response(row, status_code, version=version if isinstance(version, int) else None)


def created(row: dict[str, Any]) -> tuple[int, Any, int | None]:
    """What an `idempotent` create callback returns for a new record."""
    version = row.get("version")
    return 201, row, version if isinstance(version, int) else None


def etag(version: int) -> str:
    return f'W/"{version}"'


def if_match_version(request: Request) -> int | None:
    """The version named by If-Match (`W/"3"`, `"3"` or `3`); None when absent or `*`."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    value = header.strip().removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError as exc:
        raise PreconditionFailed("http.if_match_invalid") from exc


def check_version(current: int, expected: int | None) -> None:
    """Raise 412 when the client edited a stale version."""
    if expected is not None and expected != current:
        raise PreconditionFailed("http.stale_version", expected=expected, current=current)


async def idempotent(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    create: Callable[[], Awaitable[tuple[int, Any, int | None]]],
) -> Response:
    """Run a create once per Idempotency-Key; a retry gets the first response back."""
    key = request.headers.get("idempotency-key")
    if key is None:
        status, body, version = await create()
        return json_response(body, status, version=version)
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise ValidationFailed([FieldError("Idempotency-Key", "string_too_long")])
    owner = f"u:{principal.user_id}" if principal.user_id else "system"
    digest = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + await request.body()
    ).hexdigest()
    # Marked before the lookup: a request that waited out another with this key then sees the
    # other's committed record and replays it instead of running the create a second time.
    await _mark_in_flight(request, session, owner, key)
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.principal_key == owner, IdempotencyRecord.key == key
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is not None:
        if found.request_hash != digest or found.path != request.url.path:
            raise Conflict("http.idempotency_mismatch")
        headers = {"Idempotent-Replayed": "true"}
        stored = orjson.loads(found.response_body)
        version = stored.get("version") if isinstance(stored, dict) else None
        if isinstance(version, int):
            headers["ETag"] = etag(version)
        return Response(
            found.response_body.encode(),
            status_code=found.status_code,
            media_type="application/json",
            headers=headers,
        )
    status, body, version = await create()
    payload = dumps(body)
    # No savepoint: a duplicate key fails the whole request (409) and rolls it all back, and a
    # creation may hold a row lock (an order number's counter) until the commit.
    try:
        await _RECORD.rows(
            session,
            [
                {
                    "principal_key": owner,
                    "key": key,
                    "method": request.method,
                    "path": request.url.path,
                    "request_hash": digest,
                    "status_code": status,
                    "response_body": payload.decode(),
                }
            ],
        )
    except IntegrityError as exc:
        raise Conflict("http.idempotency_in_progress") from exc
    return json_response(body, status, version=version)


_RECORD = PreparedWrite(
    insert(cast(Table, IdempotencyRecord.__table__)),
    ("principal_key", "key", "method", "path", "request_hash", "status_code", "response_body"),
)


async def _mark_in_flight(request: Request, session: AsyncSession, owner: str, key: str) -> None:
    """Refuse a second concurrent request with this key (409) until this one's transaction ends."""
    store = request.app.state.container.idempotency
    token = await store.begin(owner, key)
    if token is None:
        raise Conflict("http.idempotency_in_progress")

    async def clear() -> None:
        await store.end(owner, key, token)

    after_transaction(session, clear)


async def purge_idempotency(session: AsyncSession, older_than: timedelta) -> int:
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
