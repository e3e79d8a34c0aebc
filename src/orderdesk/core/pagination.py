"""Keyset pagination, sorting and search shared by every list endpoint."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, tuple_
from sqlalchemy.sql.elements import ColumnClause

from orderdesk.core.errors import FieldError, ValidationFailed

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
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
        raise ValidationFailed([FieldError("cursor", "invalid")]) from exc


def paginate_statement(
    stmt: Select[Any],
    page: PageRequest,
    sortable: Mapping[str, ColumnClause[Any] | Any],
    id_column: Any,
) -> tuple[Select[Any], str, bool]:
    """Apply sort, cursor and limit (+1 to detect a next page); returns (stmt, key, descending)."""
    descending = page.sort.startswith("-")
    key = page.sort.lstrip("-+")
    if key not in sortable:
        choices = ", ".join(sorted(sortable))
        raise ValidationFailed([FieldError("sort", "enum", choices=choices)])
    column = sortable[key]
    if page.cursor:
        value, last_id = decode_cursor(page.cursor, page.sort)
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


def date_range(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    """Conditions for an inclusive-from, exclusive-to date range."""
    conds = []
    if since is not None:
        conds.append(column >= since)
    if until is not None:
        conds.append(column < until)
    return conds
