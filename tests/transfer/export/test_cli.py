"""`orderdesk export` writes the filtered list from the configured database to a file."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
from pathlib import Path

from python_calamine import CalamineWorkbook

from tests.test_cli import TIMEOUT_S, orderdesk_executable
from tests.transfer.export.conftest import Shop


async def run_export(
    database_url: str, workdir: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERDESK_")}
    env.update(ORDERDESK_DATABASE_URL=database_url, ORDERDESK_LOG_LEVEL="WARNING", NO_COLOR="1")
    return await asyncio.to_thread(
        subprocess.run,
        [orderdesk_executable(), "export", *args],
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


async def test_cli_exports_filtered_items_as_csv_for_excel(
    database_url: str, shop: Shop, tmp_path: Path
) -> None:
    out = tmp_path / "цветы.csv"
    done = await run_export(
        database_url, tmp_path,
        "--target", "items", "--format", "csv", "-o", str(out),
        "--type", "flower", "--status", "active", "--q", "роза", "--delimiter", ";", "--bom",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 rows" in done.stdout
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row["sku"] for row in rows] == ["ROSE-1"]


async def test_cli_exports_orders_as_xlsx_with_one_row_per_line(
    database_url: str, shop: Shop, tmp_path: Path
) -> None:
    out = tmp_path / "orders.xlsx"
    done = await run_export(
        database_url, tmp_path, "--target", "orders", "--format", "xlsx", "-o", str(out),
        "--from", "2000-01-01", "--lang", "ru",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "Номер"
    assert len(rows) == 1 + 3


async def test_cli_names_an_unknown_type_code(
    database_url: str, shop: Shop, tmp_path: Path
) -> None:
    done = await run_export(
        database_url, tmp_path, "--target", "items", "-o", str(tmp_path / "x.csv"), "--type", "nope"
    )
    assert done.returncode != 0
    assert "nope" in done.stderr + done.stdout
