"""On PostgreSQL the database writes amounts, timestamps and (CSV) whole lines: the same bytes
as the Python writers produce from typed values, for every format and option."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text as sql
from sqlalchemy import update

from orderdesk.container import Container
from orderdesk.core.permissions import Principal
from orderdesk.orders.models import Order, OrderLine
from orderdesk.transfer.export import repository as repo
from orderdesk.transfer.export import service
from orderdesk.transfer.export.columns import ITEM_FIELDS, LINE_FIELDS, ORDER_FIELDS
from orderdesk.transfer.export.schemas import ExportOptions, ExportSpec
from tests.factories import free_line, make_order
from tests.transfer.export.conftest import Shop

# Texts a spreadsheet would run, texts csv must quote, and texts that must pass untouched.
TEXTS = [
    "=SUM(A1)", "+1", "-1", "@x", "\tTab", "\r\nCRLF", "\nLF", " =1", "\u00a0-2", "  \u00a0+3",
    "'=1", "''@x", "'plain", "'", "a=b", 'say "hi", ok; yes|no', "line1\nline2", "x\ty", "",
    "Роза «красная»", '"', ";", ",", "|", "back\\slash", "\x01ctl\x1f", "\u2028\u2029", "\x7f/",
]  # fmt: skip
AMOUNTS = [
    Decimal("0"), Decimal("0.0001"), Decimal("-1.5"), Decimal("100.5"), Decimal("1234.5678"),
    Decimal("12345678901234.5678"), Decimal("-0.0100"), Decimal("7"),
]  # fmt: skip
MOMENTS = [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 120, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=3))),
    None,
]


@pytest.fixture
async def tricky(container: Container, shop: Shop) -> None:
    """One order per text; its note, reference and line texts are that text, set in SQL so
    that no input rule (stripping, lengths) stands between the test and the database."""
    for n, text in enumerate(TEXTS):
        order = await make_order(container, lines=[free_line(), free_line("Второй")])
        amount = AMOUNTS[n % len(AMOUNTS)]
        moment = MOMENTS[n % len(MOMENTS)]
        async with container.write_sessions() as session:
            await session.execute(
                update(Order)
                .where(Order.id == order["id"])
                .values(note=text, external_ref=f"{text}#{n}", starts_at=moment, total=amount)
            )
            await session.execute(
                update(OrderLine)
                .where(OrderLine.order_id == order["id"])
                .values(sku=text, name=text or "x", measure_unit=text[:32], unit_price=amount)
            )
            await session.commit()
    await make_order(container, lines=[])  # an order without lines: one row, no line values


def _spec(target: str, options: dict[str, Any]) -> ExportSpec:
    return ExportSpec(
        target="orders" if target == "orders" else "items",
        options=ExportOptions.model_validate(options),
        filters={},
        lang="en",
    )


async def export_counted(
    container: Container, tmp_path: Path, target: str, options: dict[str, Any], name: str
) -> tuple[bytes, int]:
    """The file's bytes and the row count the export reported (its progress)."""
    path = tmp_path / name
    async with container.read_sessions() as session:
        plan = await service.prepare(
            session=session,
            principal=Principal.system(),
            spec=_spec(target, options),
            settings=container.settings,
        )
        rows = await service.write_file(session, plan, path)
    return path.read_bytes(), rows


async def export(
    container: Container, tmp_path: Path, target: str, options: dict[str, Any], name: str
) -> bytes:
    return (await export_counted(container, tmp_path, target, options, name))[0]


# Every database column (no attribute or tag column): PostgreSQL writes whole pages of these.
ORDER_COLUMNS = ",".join(key for key, *_ in (*ORDER_FIELDS, *LINE_FIELDS))
SUMMARY_COLUMNS = ",".join(key for key, *_ in ORDER_FIELDS)
ITEM_COLUMNS = ",".join(key for key, *_ in ITEM_FIELDS if key != "tags")

CASES: list[tuple[str, dict[str, Any]]] = [
    ("orders", {"format": "csv"}),
    ("orders", {"format": "csv", "delimiter": ";", "decimal": "comma", "bom": True}),
    ("orders", {"format": "csv", "delimiter": ",", "decimal": "comma"}),
    ("orders", {"format": "csv", "delimiter": "tab"}),
    ("orders", {"format": "csv", "delimiter": "|", "lines": False}),
    ("orders", {"format": "csv", "columns": "line.name,number,total,line.position,note"}),
    ("orders", {"format": "csv", "columns": "note"}),
    ("orders", {"format": "csv", "columns": ORDER_COLUMNS}),
    ("orders", {"format": "csv", "delimiter": ",", "decimal": "comma", "columns": ORDER_COLUMNS}),
    ("orders", {"format": "csv", "delimiter": "|", "lines": False, "columns": SUMMARY_COLUMNS}),
    ("orders", {"format": "csv", "columns": "number,attr.address,note"}),
    ("orders", {"format": "csv", "sort": "-total"}),
    ("orders", {"format": "json"}),
    ("orders", {"format": "json", "columns": "note,line.position,total,starts_at"}),
    ("orders", {"format": "json", "columns": "number,attr.address"}),
    ("orders", {"format": "ndjson", "lines": False}),
    ("orders", {"format": "ndjson"}),
    ("orders", {"format": "ndjson", "columns": ORDER_COLUMNS}),
    ("items", {"format": "csv", "delimiter": ";", "columns": ITEM_COLUMNS}),
    ("orders", {"format": "xml", "sort": "-created_at"}),
    ("items", {"format": "csv", "decimal": "comma", "delimiter": ";"}),
    ("items", {"format": "json"}),
    ("items", {"format": "xml"}),
]


@pytest.mark.parametrize(("target", "options"), CASES)
async def test_database_writes_the_same_bytes_as_the_python_writers(
    container: Container,
    tricky: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    options: dict[str, Any],
) -> None:
    if container.settings.database_url.startswith("sqlite"):
        pytest.skip("only PostgreSQL writes values itself; SQLite exports are the Python path")
    monkeypatch.setattr(container.settings, "export_batch_rows", 7)  # several pages
    rendered = await export(container, tmp_path, target, options, "database")
    monkeypatch.setattr(service, "_render", lambda *_: None)
    typed = await export(container, tmp_path, target, options, "python")
    assert len(rendered) > 300  # every order (or item) is in it
    assert rendered == typed


@pytest.mark.parametrize("batch", [1, 3, 4])
@pytest.mark.parametrize(
    ("target", "options"),
    [
        (
            "orders",
            {"format": "csv", "delimiter": ";", "decimal": "comma", "columns": ORDER_COLUMNS},
        ),
        ("orders", {"format": "csv", "delimiter": "tab", "columns": ORDER_COLUMNS}),
        ("orders", {"format": "json", "lines": False, "columns": SUMMARY_COLUMNS}),
        ("orders", {"format": "ndjson", "columns": ORDER_COLUMNS}),
        ("orders", {"format": "json", "columns": ORDER_COLUMNS, "sort": "-total"}),
        ("items", {"format": "csv", "columns": ITEM_COLUMNS}),
        ("items", {"format": "json", "columns": ITEM_COLUMNS}),
    ],
)
async def test_database_pages_hold_every_row_at_any_page_size(
    container: Container,
    tricky: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    options: dict[str, Any],
    batch: int,
) -> None:
    """A page PostgreSQL writes whole is one value: its row count, the cursor after it and
    the last (possibly empty) page must still give every row once; 3 items fill one page of 3
    exactly."""
    if container.settings.database_url.startswith("sqlite"):
        pytest.skip("only PostgreSQL writes whole pages")
    monkeypatch.setattr(container.settings, "export_batch_rows", batch)
    rendered, counted = await export_counted(container, tmp_path, target, options, "database")
    monkeypatch.setattr(service, "_render", lambda *_: None)
    typed, rows = await export_counted(container, tmp_path, target, options, "python")
    assert counted == rows > 2
    assert rendered == typed


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson"])
async def test_text_exports_on_postgresql_arrive_as_whole_pages(
    container: Container, tricky: None, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """The comparisons above are only worth something if the database path is the one taken."""
    if container.settings.database_url.startswith("sqlite"):
        pytest.skip("only PostgreSQL writes whole pages")
    monkeypatch.setattr(container.settings, "export_batch_rows", 5)
    async with container.read_sessions() as session:
        plan = await service.prepare(
            session=session,
            principal=Principal.system(),
            spec=_spec("orders", {"format": fmt, "columns": ORDER_COLUMNS}),
            settings=container.settings,
        )
        pages = [page async for page in service.batches(session, plan)]
    assert len(pages) > 3
    assert all(len(page) == 1 and isinstance(page[0], repo.Block) for page in pages)
    # Two lines per tricky order, three of the shop's two orders, one order without lines.
    assert sum(repo.row_count(page) for page in pages) == 2 * len(TEXTS) + 3 + 1


async def test_export_stopped_early_leaves_the_session_usable(
    container: Container, tricky: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page read ahead is cancelled and awaited, so the connection is free again."""
    monkeypatch.setattr(container.settings, "export_batch_rows", 3)
    spec = ExportSpec(target="orders", options=ExportOptions(), filters={}, lang="en")
    async with container.read_sessions() as session:
        plan = await service.prepare(
            session=session, principal=Principal.system(), spec=spec, settings=container.settings
        )
        chunks = service.stream(session, plan)
        await anext(chunks)
        await anext(chunks)
        await chunks.aclose()
        assert await service.count_rows(session, plan) > len(TEXTS)


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_ranged_export_stopped_early_leaves_the_session_as_it_was(
    container: Container, tricky: None, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Whole pages come from two connections: stopping early awaits the pages in flight,
    gives the second connection back and resets JIT on the session's own."""
    if container.settings.database_url.startswith("sqlite"):
        pytest.skip("only PostgreSQL reads in ranges")
    monkeypatch.setattr(container.settings, "export_batch_rows", 3)
    spec = _spec("orders", {"format": fmt, "columns": ORDER_COLUMNS})
    async with container.read_sessions() as session:
        jit = (await session.execute(sql("SHOW jit"))).scalar_one()
        plan = await service.prepare(
            session=session, principal=Principal.system(), spec=spec, settings=container.settings
        )
        chunks = service.stream(session, plan)
        await anext(chunks)
        await anext(chunks)
        await chunks.aclose()
        assert (await session.execute(sql("SHOW jit"))).scalar_one() == jit
        assert await service.count_rows(session, plan) == 2 * len(TEXTS) + 3 + 1
    assert container.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
