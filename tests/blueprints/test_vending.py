"""The vending blueprint: types and rules it declares, its demo sales, and its sample files."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from orderdesk.blueprints import load_demo
from orderdesk.blueprints.vending_files import write_sample_files
from orderdesk.blueprints.vending_sales import SHOWCASE, Defects, Sale, all_records
from orderdesk.container import Container
from orderdesk.db.types import utcnow
from tests.blueprints.helpers import Demo
from tests.jobs.conftest import worker  # noqa: F401 - the job worker fixture
from tests.reconciliation.conftest import run
from tests.reconciliation.xlsx import read_rows

SMALL = {"items": 40, "orders": 600, "seed": 3}
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_vending_declares_machines_products_sales_and_three_rules(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    summary = await load_demo(container, "vending", **SMALL)
    rules = (await client.get("/api/v1/reconciliation-rules", headers=admin_headers)).json()
    types = (await client.get("/api/v1/order-types", headers=admin_headers)).json()["items"]
    item_types = (await client.get("/api/v1/item-types", headers=admin_headers)).json()["items"]
    assert summary is not None
    assert summary.startswith("3 units")
    assert {r["code"] for r in rules} == {
        "machine_vs_payment", "machine_vs_fiscal", "payment_vs_fiscal",
    }  # fmt: skip
    by_code = {r["code"]: r["spec"] for r in rules}
    assert by_code["machine_vs_payment"]["a"]["where"] == {
        "source": "machine",
        "payment_method": ["card", "qr"],
    }
    assert by_code["machine_vs_payment"]["window_seconds"] == 60
    assert by_code["payment_vs_fiscal"]["amount_tolerance"] == "1.00"
    (sale_type,) = types
    fields = {f["name"]: f for f in sale_type["attribute_schema"]}
    assert fields["source"]["enum"] == ["machine", "payment", "fiscal"]
    assert fields["sold_at"]["type"] == "datetime"
    assert {t["code"] for t in item_types} == {"machine", "product"}


async def test_demo_sales_carry_machine_codes_of_their_branch_and_every_source(
    container: Container,
) -> None:
    await load_demo(container, "vending", **SMALL)
    demo = await Demo.read(container)
    machines = {
        item["attributes"]["machine_code"]: item["unit_id"]
        for item in demo.items.values()
        if "machine_code" in item["attributes"]
    }
    sources = Counter(order["attributes"]["source"] for order in demo.orders)
    assert len(demo.orders) == 600
    assert set(sources) == {"machine", "payment", "fiscal"}
    for order in demo.orders:
        assert machines[order["attributes"]["machine_code"]] == order["unit_id"]
        assert datetime.fromisoformat(order["attributes"]["sold_at"]).utcoffset() == timedelta(
            hours=3
        )
        assert order["channel"] == "import"


@pytest.mark.usefixtures("worker")
async def test_reconciling_the_demo_finds_matches_and_every_kind_of_discrepancy(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_demo(container, "vending", items=40, orders=1500, seed=11)
    now = utcnow()
    period = {"from": (now - timedelta(days=91)).isoformat(), "to": now.isoformat()}
    payment = await run(container, client, admin_headers, period, "machine_vs_payment")
    fiscal = await run(container, client, admin_headers, period, "machine_vs_fiscal")
    statuses = {key.split(".")[1] for key in payment["counts"]} | {
        key.split(".")[1] for key in fiscal["counts"]
    }
    assert {"matched", "amount_mismatch", "only_in_A", "only_in_B", "ambiguous"} <= statuses
    matched = payment["counts"]["A.matched"]
    assert matched > 0.85 * sum(v for k, v in payment["counts"].items() if k.startswith("A."))


def test_the_first_sales_show_each_discrepancy_and_defects_stay_rare() -> None:
    rng = random.Random(5)
    price = Decimal("150.00")
    sales = [
        Sale(n, "VM-1001", "Капучино 0,3 л", price, NOW + timedelta(minutes=n), "card")
        for n in range(1, 2001)
    ]
    records = list(all_records(rng, sales, Defects()))
    shown = {(r.source, r.defect) for r in records if r.sale <= len(SHOWCASE) or r.sale == 0}
    assert set(SHOWCASE) <= shown
    broken = sum(1 for r in records if r.defect)
    assert broken < 0.05 * len(records)
    late = [r for r in records if r.defect == "late"]
    assert all(r.sold_at - sales[r.sale - 1].sold_at > timedelta(seconds=60) for r in late)


def test_sample_files_look_like_russian_exports(tmp_path: Path) -> None:
    paths = {p.name: p for p in write_sample_files(tmp_path / "samples", sales=300, now=NOW)}
    assert set(paths) == {
        "machine_sales.csv", "acquiring.csv", "fiscal_receipts.csv", "acquiring.xlsx",
        "discrepancies.csv",
    }  # fmt: skip
    raw = paths["machine_sales.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    title, header, first, *rest = csv.reader(io.StringIO(raw.decode("cp1251")), delimiter=";")
    assert title == ["Отчёт о продажах торговых автоматов"]
    assert header[0] == "Код автомата"
    assert first[0].startswith("VM-")
    datetime.strptime(first[2], "%d.%m.%Y %H:%M:%S")  # noqa: DTZ007 - local time, as exported
    assert "," in first[4]
    assert "." not in first[4]
    assert len(rest) > 250
    xlsx = read_rows(paths["acquiring.xlsx"])
    text = paths["acquiring.csv"].read_text("cp1251")
    acquiring = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert xlsx[0][0] == "Реестр операций эквайринга"
    assert xlsx[1] == acquiring[1]
    assert len(xlsx) == len(acquiring)
    manifest = paths["discrepancies.csv"].read_text("utf-8-sig")
    for kind in ("нет записи", "другая сумма", "дубль", "платёж без продажи", "за пределы окна"):
        assert kind in manifest


def test_the_same_seed_writes_the_same_files(tmp_path: Path) -> None:
    first = write_sample_files(tmp_path / "one", sales=50, seed=4, now=NOW)
    second = write_sample_files(tmp_path / "two", sales=50, seed=4, now=NOW)
    for a, b in zip(first, second, strict=True):
        if a.suffix == ".csv":
            assert a.read_bytes() == b.read_bytes()


def test_demo_command_writes_sample_files_and_loads_the_rules(tmp_path: Path) -> None:
    from tests.test_cli import Cli

    cli = Cli(tmp_path)
    result = cli(
        "demo", "--blueprint", "vending", "--items", "12", "--orders", "0",
        "--sample-files", str(tmp_path / "samples"),
    )  # fmt: skip
    refused = cli("demo", "--blueprint", "shop", "--sample-files", str(tmp_path / "other"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "acquiring.xlsx" in result.stdout
    assert "demo 'vending' loaded" in result.stdout
    assert (tmp_path / "samples" / "fiscal_receipts.csv").stat().st_size > 1000
    assert refused.returncode == 2
    assert "only the vending blueprint" in refused.stdout
    assert not (tmp_path / "other").exists()
