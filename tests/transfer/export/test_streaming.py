"""CSV/JSON/XML leave in chunks as pages of rows are read, never after the whole list."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from orderdesk.container import Container
from orderdesk.core.permissions import Principal
from orderdesk.transfer.export import repository as repo
from orderdesk.transfer.export import service
from orderdesk.transfer.export.schemas import ExportOptions, ExportSpec
from orderdesk.transfer.export.writers import ExportFormat
from tests.factories import make_item
from tests.transfer.export.conftest import Shop

BATCH = 10


@pytest.fixture
async def many_items(container: Container, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> int:
    """57 items more (60 in all), read in pages of 10."""
    for n in range(57):
        await make_item(container, shop.flower["id"], sku=f"M-{n:03}", name=f"Мимоза {n}")
    monkeypatch.setattr(container.settings, "export_batch_rows", BATCH)
    return 60


@pytest.fixture
def page_queries(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The page statements as they run (on PostgreSQL they bypass SQLAlchemy's events)."""
    seen: list[Any] = []
    fetch = repo.fetch_rows

    async def recording(conn: Any, query: Any, params: Any = None) -> Any:
        seen.append(query)
        return await fetch(conn, query, params)

    monkeypatch.setattr(repo, "fetch_rows", recording)
    return seen


@pytest.mark.parametrize("fmt", [ExportFormat.csv, ExportFormat.json, ExportFormat.xml])
async def test_first_rows_are_yielded_before_the_last_page_is_read(
    container: Container, many_items: int, fmt: ExportFormat, page_queries: list[Any]
) -> None:
    spec = ExportSpec(target="items", options=ExportOptions(format=fmt), filters={}, lang="en")
    async with container.read_sessions() as session:
        plan = await service.prepare(
            session=session,
            principal=Principal.system(),
            spec=spec,
            settings=container.settings,
        )
        chunks = service.stream(session, plan)
        await anext(chunks)  # the start: header row, `[` or the XML prolog
        first_rows = await anext(chunks)
        assert len(page_queries) == 2  # one page read, the next read ahead, four to come
        assert first_rows.count(b"M-0") + first_rows.count(b"ROSE-1") >= BATCH - 2
        rest = [chunk async for chunk in chunks]
    assert len(page_queries) == many_items // BATCH
    assert len(rest) == many_items // BATCH  # five more pages of rows, then the end


async def test_http_export_is_sent_as_several_body_messages_without_a_length(
    app: Any, admin_headers: dict[str, str], many_items: int
) -> None:
    """Talk ASGI directly: httpx's test transport joins the body before handing it over."""
    messages: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/exports/items",
        "raw_path": b"/api/v1/exports/items",
        "query_string": b"format=ndjson",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", admin_headers["Authorization"].encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client never disconnects during the test
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    assert start["status"] == 200
    assert b"content-length" not in dict(start["headers"])
    bodies = [m["body"] for m in messages[1:] if m["type"] == "http.response.body" and m["body"]]
    assert len(bodies) == many_items // BATCH
    assert sum(body.count(b"\n") for body in bodies) == many_items
