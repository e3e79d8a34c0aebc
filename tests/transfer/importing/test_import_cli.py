"""`orderdesk import FILE …` through typer's CliRunner, on the test database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from orderdesk.cli import app
from orderdesk.container import Container
from orderdesk.orders.models import Order
from tests.conftest import REDIS_URL
from tests.factories import make_order_type
from tests.transfer.importing.helpers import csv_bytes

ROWS = [
    ["№ заказа", "Наименование", "Кол-во", "Цена"],
    ["C-1", "Доставка", "1", "300"],
    ["C-1", "Сборка", "2", "150"],
    ["C-2", "Монтаж", "1", "1000"],
]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, container: Container, database_url: str) -> None:
    """The CLI builds its own container from ORDERDESK_* variables: point them at the test's."""
    monkeypatch.setenv("ORDERDESK_DATABASE_URL", database_url)
    monkeypatch.setenv("ORDERDESK_FILES_DIR", str(container.settings.effective_files_dir))
    monkeypatch.setenv("ORDERDESK_LOG_LEVEL", "WARNING")
    if REDIS_URL:
        monkeypatch.setenv("ORDERDESK_REDIS_URL", REDIS_URL)
        monkeypatch.setenv("ORDERDESK_REDIS_NAMESPACE", container.settings.redis_namespace)


async def order_count(container: Container) -> int:
    async with container.read_sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Order)) or 0)


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.output


@pytest.mark.usefixtures("cli_env")
async def test_cli_dry_run_counts_and_then_the_import_commits(
    container: Container, tmp_path: Path
) -> None:
    await make_order_type(container, "request")
    source = tmp_path / "orders.csv"
    source.write_bytes(csv_bytes(ROWS))
    args = ["import", str(source), "--target", "orders", "--type", "request"]

    code, output = await _in_thread(args + ["--dry-run"])
    assert code == 0, output
    assert "(dry run)" in output
    assert "rows: 3" in output
    assert await order_count(container) == 0

    code, output = await _in_thread(args + ["--mode", "upsert", "--key", "number"])
    assert code == 0, output
    assert "created: 2" in output
    assert "The same file was already uploaded" in output  # the same bytes as the dry run
    assert await order_count(container) == 2


@pytest.mark.usefixtures("cli_env")
async def test_cli_reports_rejected_rows_and_writes_the_error_report(
    container: Container, tmp_path: Path
) -> None:
    await make_order_type(container, "request")
    source = tmp_path / "bad.csv"
    source.write_bytes(csv_bytes([*ROWS, ["C-3", "Монтаж", "много", "1"]]))

    code, output = await _in_thread(
        ["import", str(source), "--target", "orders", "--type", "request"]
    )

    assert code == 1
    assert "nothing was imported" in output
    report = tmp_path / "bad-errors.csv"
    assert f"error report: {report}" in output.replace("\n", "")
    assert "Не число" in report.read_text(encoding="utf-8-sig")
    assert await order_count(container) == 0


async def _in_thread(args: list[str]) -> tuple[int, str]:
    """The CLI runs its own event loop (asyncio.run), so it runs beside the test's loop."""
    return await asyncio.to_thread(run, args)
