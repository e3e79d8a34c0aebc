"""The baseline for benchmarks/api.py: bare Starlette + asyncpg doing the same queries.

It checks the bearer token (pyjwt) and looks up the login session exactly like orderdesk,
reads and writes the same rows and returns the same JSON shape — with no framework layers,
no ORM, no validation models. Run: uvicorn benchmarks.baseline_app:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DSN = os.environ["BASELINE_DSN"]
SECRET = os.environ["BASELINE_SECRET"]
ORDER_COLS = (
    "id, order_type_id, number, status, customer_id, unit_id, channel, external_source, "
    "external_ref, currency, subtotal, vat_amount, total, attributes, note, starts_at, ends_at, "
    "created_by_id, created_at, updated_at, version"
)
LINE_COLS = (
    "id, position, item_id, sku, name, measure_unit, quantity, unit_price, coefficient, amount"
)
pool: asyncpg.Pool | None = None


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    raise TypeError


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=_default), status, media_type="application/json")


def _row(record: asyncpg.Record) -> dict[str, Any]:
    row = dict(record)
    if isinstance(row.get("attributes"), str):
        row["attributes"] = orjson.loads(row["attributes"])
    return row


async def _auth(conn: asyncpg.Connection, request: Request) -> int | None:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    try:
        claims = jwt.decode(
            token, SECRET, algorithms=["HS256"], audience="orderdesk-api", issuer="orderdesk"
        )
    except jwt.PyJWTError:
        return None
    row = await conn.fetchrow(
        "SELECT u.role, u.unit_id, u.status, u.username, s.revoked_at, s.expires_at "
        "FROM users u JOIN auth_sessions s ON s.user_id = u.id WHERE u.id = $1 AND s.id = $2",
        int(claims["sub"]),
        claims["sid"],
    )
    if row is None or row["revoked_at"] is not None or row["status"] != "active":
        return None
    return int(claims["sub"])


async def get_order(request: Request) -> Response:
    assert pool is not None
    async with pool.acquire() as conn:
        if await _auth(conn, request) is None:
            return _json({"status": 401}, 401)
        order_id = int(request.path_params["order_id"])
        row = await conn.fetchrow(f"SELECT {ORDER_COLS} FROM orders WHERE id = $1", order_id)
        if row is None:
            return _json({"status": 404}, 404)
        order = _row(row)
        lines = await conn.fetch(
            f"SELECT {LINE_COLS} FROM order_lines WHERE order_id = $1 ORDER BY position, id",
            order_id,
        )
        order["lines"] = [dict(line) for line in lines]
    return _json(order)


async def list_orders(request: Request) -> Response:
    assert pool is not None
    limit = int(request.query_params.get("limit", "50"))
    async with pool.acquire() as conn:
        if await _auth(conn, request) is None:
            return _json({"status": 401}, 401)
        rows = await conn.fetch(
            f"SELECT {ORDER_COLS} FROM orders ORDER BY id DESC LIMIT $1", limit + 1
        )
    items = [_row(r) for r in rows[:limit]]
    return _json({"items": items, "next_cursor": "x" if len(rows) > limit else None})


async def create_order(request: Request) -> Response:
    assert pool is not None
    body = orjson.loads(await request.body())
    async with pool.acquire() as conn:
        user_id = await _auth(conn, request)
        if user_id is None:
            return _json({"status": 401}, 401)
        async with conn.transaction():
            otype = await conn.fetchrow(
                "SELECT id, workflow, number_format, vat_rate, prices_include_vat, currency "
                "FROM order_types WHERE code = $1",
                body["order_type"],
            )
            item_ids = [line["item_id"] for line in body["lines"]]
            items = {
                r["id"]: r
                for r in await conn.fetch(
                    "SELECT id, sku, name, measure_unit, price, stock, status, unit_id "
                    "FROM items WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
                    item_ids,
                )
            }
            lines, subtotal = [], Decimal(0)
            for pos, line in enumerate(body["lines"]):
                item = items[line["item_id"]]
                qty = Decimal(line["quantity"])
                amount = (qty * item["price"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
                subtotal += amount
                lines.append(
                    (
                        pos,
                        item["id"],
                        item["sku"],
                        item["name"],
                        item["measure_unit"],
                        qty,
                        item["price"],
                        Decimal(1),
                        amount,
                    )
                )
            seq = await conn.fetchval(
                "INSERT INTO order_counters (order_type_id, period, value) VALUES ($1, $2, 1) "
                "ON CONFLICT (order_type_id, period) DO UPDATE"
                " SET value = order_counters.value + 1 RETURNING value",
                otype["id"],
                "2026",
            )
            workflow = orjson.loads(otype["workflow"])
            order_id = await conn.fetchval(
                "INSERT INTO orders (order_type_id, number, status, customer_id, channel, currency,"
                " subtotal, vat_amount, total, attributes, note, created_by_id, search_text,"
                " stock_deducted, version, created_at, updated_at)"
                " VALUES ($1, $2, $3, $4, 'api', $5, $6, 0, $6, '{\"delivery_type\": \"pickup\"}',"
                " '', $4, '', false, 1, now(), now())"
                " RETURNING id",
                otype["id"],
                f"B-{seq:08d}",
                workflow["initial"],
                user_id,
                otype["currency"],
                subtotal,
            )
            await conn.executemany(
                "INSERT INTO order_lines (order_id, position, item_id, sku, name, measure_unit,"
                " quantity, unit_price, coefficient, amount)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                [(order_id, *line) for line in lines],
            )
            await conn.execute(
                "INSERT INTO order_events (order_id, kind, to_status, actor_id, comment, at)"
                " VALUES ($1, 'created', $2, $3, '', now())",
                order_id,
                workflow["initial"],
                user_id,
            )
            await conn.execute(
                "INSERT INTO audit_entries (at, actor_id, actor_label, action, entity_type,"
                " entity_id, success, detail) VALUES (now(), $1, '', 'order.create', 'order', $2,"
                " true, '')",
                user_id,
                str(order_id),
            )
            row = await conn.fetchrow(f"SELECT {ORDER_COLS} FROM orders WHERE id = $1", order_id)
            order = _row(row)
            order["lines"] = [
                dict(r)
                for r in await conn.fetch(
                    f"SELECT {LINE_COLS} FROM order_lines WHERE order_id = $1 ORDER BY position",
                    order_id,
                )
            ]
    return _json(order, 201)


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(DSN, min_size=10, max_size=40)
    yield
    await pool.close()


app = Starlette(
    routes=[
        Route("/api/v1/orders/{order_id:int}", get_order),
        Route("/api/v1/orders", list_orders, methods=["GET"]),
        Route("/api/v1/orders", create_order, methods=["POST"]),
    ],
    lifespan=lifespan,
)
