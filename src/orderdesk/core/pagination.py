"""Keyset pagination, sorting and search shared by every list endpoint."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, tuple_
from sqlalchemy.sql.elements import ColumnClause

from orderdesk.core.errors import FieldError, ValidationFailed

AnySelect = Select[*tuple[Any, ...]]
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    sort: str = "-id"


@dataclass(slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"items": self.items, "next_cursor": self.next_cursor}
        if self.total is not None:
            body["total"] = self.total
        return body


def search_text(*parts: object) -> str:
    """Normalised text for `q` search: case-folded, so Cyrillic matches on SQLite too."""
    return " ".join(str(p).casefold() for p in parts if p not in (None, ""))


def like_pattern(q: str) -> str:
    escaped = q.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_clause(column: Any, q: str | None) -> ColumnElement[bool] | None:
    """A LIKE condition on a search_text column for every word of q."""
    if not q or not q.strip():
        return None
    words = q.split()[:8]
    return and_(*(column.like(like_pattern(word), escape="\\") for word in words))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "dec" in value:
            return Decimal(value["dec"])
    return value


def encode_cursor(sort: str, value: Any, row_id: int) -> str:
    raw = orjson.dumps({"s": sort, "v": _encode(value), "id": row_id})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = orjson.loads(raw)
        if data["s"] != sort or not isinstance(data["id"], int):
            raise ValueError("cursor for another sort")
        return _decode(data["v"]), data["id"]
    except (ValueError, KeyError, TypeError, ArithmeticError, orjson.JSONDecodeError) as exc:
        raise ValidationFailed([FieldError("cursor", "invalid")]) from exc


def _python_type(column: Any) -> type | None:
    kind = getattr(column, "type", None)
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    try:
        return kind.python_type if kind is not None else None
    except NotImplementedError:
        return None


def _check_cursor_value(column: Any, value: Any) -> None:
    """A cursor comes from the client: its value must fit the sort column (else 422, not 500)."""
    expected = _python_type(column)
    wrong_type = expected is not None and value is not None and not isinstance(value, expected)
    naive = isinstance(value, datetime) and value.tzinfo is None
    if wrong_type or naive:
        raise ValidationFailed([FieldError("cursor", "invalid")])


def paginate_statement(
    stmt: AnySelect,
    page: PageRequest,
    sortable: Mapping[str, ColumnClause[Any] | Any],
    id_column: Any,
) -> tuple[AnySelect, str, bool]:
    """Apply sort, cursor and limit (+1 to detect a next page); returns (stmt, key, descending)."""
    descending = page.sort.startswith("-")
    key = page.sort.lstrip("-+")
    if key not in sortable:
        choices = ", ".join(sorted(sortable))
        raise ValidationFailed([FieldError("sort", "enum", choices=choices)])
    column = sortable[key]
    if page.cursor:
        value, last_id = decode_cursor(page.cursor, page.sort)
        if key != "id":
            _check_cursor_value(column, value)
        if key == "id":
            cond = id_column < last_id if descending else id_column > last_id
        else:
            pair = tuple_(column, id_column)
            cond = pair < (value, last_id) if descending else pair > (value, last_id)
        stmt = stmt.where(cond)
    if key == "id":
        order: Sequence[Any] = [id_column.desc() if descending else id_column.asc()]
    elif descending:
        order = [column.desc(), id_column.desc()]
    else:
        order = [column.asc(), id_column.asc()]
    return stmt.order_by(*order).limit(page.limit + 1), key, descending


def finish_page(rows: list[dict[str, Any]], page: PageRequest, key: str) -> Page:
    """Cut the probe row and build the next cursor from the last row kept."""
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    cursor = None
    if has_more and rows:
        last = rows[-1]
        cursor = encode_cursor(page.sort, last[key], last["id"])
    return Page(items=rows, next_cursor=cursor)


def _as_utc(value: datetime) -> datetime:
    # A plain date or a time without an offset (`?created_from=2026-02-01`) means UTC;
    # the UTC columns refuse naive values, which would otherwise be a 500.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def date_range(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    """Conditions for an inclusive-from, exclusive-to date range; naive bounds are UTC."""
    conds = []
    if since is not None:
        conds.append(column >= _as_utc(since))
    if until is not None:
        conds.append(column < _as_utc(until))
    return conds
