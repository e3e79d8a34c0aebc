"""Import/export benchmark: orderdesk's real import and export paths vs bare baselines.

One run generates an orders CSV (cp1251, `;`, decimal comma, Russian headers, 12 columns,
1-3 lines per order) and an XLSX of the same shape, creates its own PostgreSQL database and
SQLite file, then measures, each in a fresh child process (so the peak RSS is its own):

- orderdesk: `transfer.importing.command.import_file` (what `orderdesk import` runs: upload
  stored, preview/plan checked, the commit job's `run_import` in one transaction, committed,
  every validation on) in insert and upsert mode on PostgreSQL and SQLite, XLSX insert on
  PostgreSQL; `orderdesk export` (`transfer.export.cli._run`) to CSV, JSON and XLSX.
- baselines on the same rows: `csv.reader`, asyncpg `COPY` into an equivalent flat table,
  stage `COPY` + `INSERT … ON CONFLICT` merge, sqlite3 `executemany`, python-calamine read,
  xlsxwriter (constant memory) write, pandas `read_csv` + `to_sql` (if pandas and psycopg
  are installed).
  The COPY / merge / executemany figures time the database calls only (records are built
  from the file between the timed calls), like the reference figures in DESIGN §5.

Run:  .venv/bin/python -m benchmarks.transfer [--rows 1000000] [--xlsx-rows 200000]
      [--only pg-copy,od-pg-insert,...]   (an upsert case alone runs on an empty database)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# One database per run (the parent's pid, passed to its children): two runs on a shared
# machine must not drop each other's database.
DB = os.environ.setdefault("ORDERDESK_BENCH_TRANSFER_DB", f"orderdesk_bench_transfer_{os.getpid()}")
PG_URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}"
PG_DSN = f"postgresql://postgres@127.0.0.1:5432/{DB}"
SECRET = "benchmark-secret-key-that-is-long-enough-123456"
CHUNK = 10_000
HEADER = [
    "№ заказа", "Дата", "Клиент", "Подразделение", "Статус", "Артикул", "Наименование",
    "Кол-во", "Ед. изм.", "Цена", "Сумма", "Комментарий",
]  # fmt: skip
UNITS = [("north", "Северный"), ("south", "Южный"), ("centre", "Центральный")]
CUSTOMERS = 50
STATUSES = {"pending": "Новый", "accepted": "В работе", "completed": "Выполнен"}
WORKFLOW: dict[str, Any] = {
    "statuses": [{"code": c, "label": {"ru": ru, "en": c}} for c, ru in STATUSES.items()],
    "initial": "pending",
    "terminal": ["completed"],
    "transitions": [
        {"from": "pending", "to": "accepted", "roles": ["admin", "manager"]},
        {"from": "accepted", "to": "completed", "roles": ["admin", "manager"]},
    ],
}
FLAT = """CREATE TABLE {name} (
    number text NOT NULL, position integer NOT NULL, created_at timestamptz, customer text,
    unit text, status text, sku text, name text, quantity numeric(18,4), measure_unit text,
    unit_price numeric(18,4), amount numeric(18,4), note text, PRIMARY KEY (number, position))"""
FLAT_COLUMNS = [
    "number", "position", "created_at", "customer", "unit", "status", "sku", "name",
    "quantity", "measure_unit", "unit_price", "amount", "note",
]  # fmt: skip


# ---------------------------------------------------------------- data


def _money(value: Decimal) -> str:
    whole, _, cents = f"{value:.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return f"{grouped},{cents}"


def generate_rows(total: int, prefix: str, variant: int = 0) -> Iterator[list[Any]]:
    """Typed rows (str, datetime, Decimal): 1-3 lines per order; `variant` edits every 5th."""
    rnd = random.Random(4)  # the same orders in every variant
    start = datetime(2025, 1, 1, 8, 0)  # noqa: DTZ001  (a file's wall-clock time)
    made = order = 0
    while made < total:
        order += 1
        number = f"{prefix}-{order:07d}"
        at = start + timedelta(minutes=order)
        customer = f"c{rnd.randrange(CUSTOMERS)}@bench.example"
        unit = UNITS[rnd.randrange(len(UNITS))][1]
        status = STATUSES["accepted" if rnd.random() < 0.3 else "pending"]
        note = "доставка до 18:00" if rnd.random() < 0.4 else ""
        if variant and order % 5 == 0:
            note = f"изменено {variant}"
        for _ in range(min(rnd.randint(1, 3), total - made)):
            k = rnd.randrange(5000)
            quantity = Decimal(rnd.choice(("1", "2", "3", "1.5", "10")))
            price = Decimal(rnd.randrange(100, 500_000)) / 100
            amount = (quantity * price).quantize(Decimal("0.01"))
            yield [
                number, at, customer, unit, status, f"SKU-{k:05d}", f"Товар «{k}» арт. {k}",
                quantity, "шт", price, amount, note,
            ]  # fmt: skip
            made += 1


def text_row(row: list[Any]) -> list[str]:
    number, at, customer, unit, status, sku, name, qty, measure, price, amount, note = row
    return [
        number, at.strftime("%d.%m.%Y %H:%M"), customer, unit, status, sku, name,
        str(qty).replace(".", ","), measure, _money(price), _money(amount), note,
    ]  # fmt: skip


def write_csv(path: Path, total: int, prefix: str, variant: int = 0) -> None:
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(text_row(row) for row in generate_rows(total, prefix, variant))


def write_xlsx(path: Path, total: int, prefix: str) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Заказы")
    when = book.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(generate_rows(total, prefix), 1):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            elif isinstance(value, Decimal):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()


def flat_records(path: Path) -> Iterator[list[tuple[Any, ...]]]:
    """The CSV's rows as typed records for the bare baselines, CHUNK at a time."""
    position: dict[str, int] = {}
    chunk: list[tuple[Any, ...]] = []
    with path.open(encoding="cp1251", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for r in reader:
            pos = position[r[0]] = position.get(r[0], 0) + 1
            if len(position) > 10:
                position = {r[0]: pos}
            at = datetime.strptime(r[1], "%d.%m.%Y %H:%M").replace(tzinfo=UTC)
            qty, price, amount = (
                Decimal(r[i].replace(" ", "").replace(",", ".")) for i in (7, 9, 10)
            )
            chunk.append(
                (r[0], pos, at, r[2], r[3], r[4], r[5], r[6], qty, r[8], price, amount, r[11])
            )
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------- child cases


def _settings(url: str, work: Path) -> Any:
    from orderdesk.settings import Settings

    return Settings(
        database_url=url, secret_keys=[SECRET], log_level="WARNING", files_dir=work / "files",
        data_dir=work,
    )  # fmt: skip


async def od_import(args: dict[str, Any]) -> dict[str, Any]:
    from orderdesk.container import Container
    from orderdesk.transfer.importing.command import import_file
    from orderdesk.transfer.importing.schemas import ImportOptions

    work = Path(args["work"])
    container = Container.build(_settings(args["url"], work), run_jobs=False)
    options = ImportOptions.model_validate(
        {"target": "orders", "type": args["type"], "mode": args["mode"], "key": "number"}
    )

    async def progress(done: int, counts: dict[str, int]) -> None:
        return None

    try:
        started = time.perf_counter()
        outcome = await import_file(
            container, Path(args["file"]), options, progress=progress,
            report_path=work / f"{args['case']}-errors.csv",
        )  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        await container.close()
    if outcome.status != "succeeded":
        raise SystemExit(f"{args['case']}: {outcome.status} {outcome.error} {outcome.counts}")
    return {"seconds": seconds, "rows": outcome.counts["rows"], "counts": outcome.counts}


async def od_export(args: dict[str, Any]) -> dict[str, Any]:
    import orderdesk.container  # (loaded before the clock starts, as in a server)
    from benchmarks.export_baseline import backend_cpu
    from orderdesk.transfer.export import cli
    from orderdesk.transfer.export.schemas import ExportOptions, ExportSpec
    from orderdesk.transfer.export.writers import ExportFormat

    work = Path(args["work"])
    options = ExportOptions(format=ExportFormat(args["format"]))
    spec = ExportSpec(target="orders", options=options, filters={}, lang="en")
    output = work / f"export.{args['format']}"
    backends: dict[str, float | None] = {}
    close = orderdesk.container.Container.close

    async def measured_close(self: Any) -> None:
        # The export's backends started with it: their CPU so far is the export's.
        backends["cpu"] = await backend_cpu(PG_DSN, DB)
        await close(self)

    orderdesk.container.Container.close = measured_close  # type: ignore[method-assign]
    settings = _settings(args["url"], work)
    # Building a container imports the job tasks' modules (≈ 0.7 s in a fresh process): a
    # server has them loaded, so they are loaded before the clock starts too.
    await close(orderdesk.container.Container.build(settings, run_jobs=False))
    started = time.perf_counter()
    rows = await cli._run(settings, spec, output, args["type"])
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": rows,
        "bytes": output.stat().st_size,
        "pg_cpu": backends["cpu"],
    }


async def pg_copy_out(args: dict[str, Any]) -> dict[str, Any]:
    """The export's baseline: bare `COPY … TO STDOUT` of the same rows (`export_baseline`)."""
    from benchmarks.export_baseline import copy_out

    return await copy_out(PG_DSN, args["type"], Path(args["work"]) / "bare-copy.csv")


def csv_reader(args: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    with open(args["file"], encoding="cp1251", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle, delimiter=";")) - 1
    return {"seconds": time.perf_counter() - started, "rows": rows}


async def pg_copy(args: dict[str, Any]) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(PG_DSN)
    table = f"bare_{args['case'].replace('-', '_')}"
    await conn.execute(f"DROP TABLE IF EXISTS {table}")
    await conn.execute(FLAT.format(name=table))
    merge = args["case"] == "pg-stage-merge"
    if merge:  # the rows exist: the merge updates them all
        async with conn.transaction():
            for chunk in flat_records(Path(args["file"])):
                await conn.copy_records_to_table(table, records=chunk, columns=FLAT_COLUMNS)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in FLAT_COLUMNS[2:])
    names = ", ".join(FLAT_COLUMNS)
    upsert = (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM stage "  # noqa: S608
        f"ON CONFLICT (number, position) DO UPDATE SET {sets}"
    )
    rows, timed = 0, 0.0
    async with conn.transaction():
        if merge:
            await conn.execute(
                f"CREATE TEMP TABLE stage ON COMMIT DROP AS SELECT * FROM {table} WITH NO DATA"
            )
        for chunk in flat_records(Path(args["file"])):
            started = time.perf_counter()
            if merge:
                await conn.copy_records_to_table("stage", records=chunk, columns=FLAT_COLUMNS)
                await conn.execute(upsert)
                await conn.execute("TRUNCATE stage")
            else:
                await conn.copy_records_to_table(table, records=chunk, columns=FLAT_COLUMNS)
            timed += time.perf_counter() - started
            rows += len(chunk)
        started = time.perf_counter()
    timed += time.perf_counter() - started  # the commit
    await conn.execute(f"DROP TABLE {table}")
    await conn.close()
    return {"seconds": timed, "rows": rows}


def sqlite_executemany(args: dict[str, Any]) -> dict[str, Any]:
    path = Path(args["work"]) / "bare.db"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(FLAT.format(name="bare").replace("timestamptz", "datetime"))
    marks = ", ".join("?" for _ in FLAT_COLUMNS)
    sql = f"INSERT INTO bare ({', '.join(FLAT_COLUMNS)}) VALUES ({marks})"  # noqa: S608
    rows, timed = 0, 0.0
    for chunk in flat_records(Path(args["file"])):
        # the values as SQLAlchemy stores them in SQLite: text decimals and timestamps
        records = [
            (*r[:2], r[2].isoformat(), *r[3:8], str(r[8]), r[9], str(r[10]), str(r[11]), r[12])
            for r in chunk
        ]
        started = time.perf_counter()
        db.executemany(sql, records)
        timed += time.perf_counter() - started
        rows += len(chunk)
    started = time.perf_counter()
    db.commit()
    timed += time.perf_counter() - started
    db.close()
    path.unlink()
    return {"seconds": timed, "rows": rows}


def pandas_to_sql(args: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(PG_DSN.replace("postgresql://", "postgresql+psycopg://"))
    started = time.perf_counter()
    frame = pd.read_csv(
        args["file"], sep=";", decimal=",", thousands=" ", encoding="cp1251",
        parse_dates=["Дата"], date_format="%d.%m.%Y %H:%M",
    )  # fmt: skip
    frame.to_sql("bare_pandas", engine, if_exists="replace", index=False, chunksize=CHUNK)
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE bare_pandas")
    engine.dispose()
    return {"seconds": seconds, "rows": len(frame)}


def calamine_read(args: dict[str, Any]) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    book = CalamineWorkbook.from_path(args["file"])
    rows = sum(1 for _ in book.get_sheet_by_index(0).iter_rows()) - 1
    return {"seconds": time.perf_counter() - started, "rows": rows}


def xlsxwriter_write(args: dict[str, Any]) -> dict[str, Any]:
    """The export's rows shape (its column count, typed cells) written by bare xlsxwriter."""
    import xlsxwriter

    total, width = args["rows"], args["columns"]
    template = next(generate_rows(1, "W"))
    row = (template * (width // len(template) + 1))[:width]
    started = time.perf_counter()
    book = xlsxwriter.Workbook(str(Path(args["work"]) / "bare.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet()
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, [f"c{i}" for i in range(width)])
    for r in range(1, total + 1):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            elif isinstance(value, Decimal):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    return {"seconds": time.perf_counter() - started, "rows": total, "columns": width}


CHILD = {
    "od-import": od_import, "od-export": od_export, "csv-reader": csv_reader,
    "pg-copy": pg_copy, "pg-copy-out": pg_copy_out, "sqlite-executemany": sqlite_executemany,
    "pandas": pandas_to_sql,
    "calamine": calamine_read, "xlsxwriter": xlsxwriter_write,
}  # fmt: skip


def child_main(raw: str) -> None:
    args = json.loads(raw)
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = CHILD[args["fn"]](args)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    after = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    result["rss_mb"] = peak_rss_mb()
    print(json.dumps(result))  # noqa: T201


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM of its memory map).

    Not `ru_maxrss`: Linux carries the forking parent's peak across exec into it.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- parent


@dataclass(slots=True)
class Result:
    case: str
    rows: int
    seconds: float
    rss_mb: float
    extra: dict[str, Any]

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def run_child(case: str, fn: str, timeout: float = 3600, **args: Any) -> Result:
    """One measured case in a fresh process, which reports its time and its own peak RSS."""
    payload = json.dumps({"case": case, "fn": fn, **args}, default=str)
    code = f"from benchmarks.transfer import child_main; child_main({payload!r})"
    out = tempfile.TemporaryFile()  # noqa: SIM115  (read after the child has exited)
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=out, cwd=Path(__file__).resolve().parent.parent
    )
    deadline = time.monotonic() + timeout
    while True:
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise RuntimeError(f"{case} timed out")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode().strip().splitlines()
    if proc.returncode != 0 or not text:
        raise RuntimeError(f"{case} failed ({proc.returncode})")
    data = json.loads(text[-1])
    pg_cpu = data.get("pg_cpu")
    backend = (
        f"; PostgreSQL backends {pg_cpu:.2f} s = {1e6 * pg_cpu / data['rows']:.1f} µs/row"
        if pg_cpu is not None and data["rows"]
        else ""
    )
    print(  # noqa: T201
        f"  {case}: {data['rows']} rows in {data['seconds']:.2f} s "
        f"(process CPU {data['cpu']:.2f} s, set-up included{backend})",
        flush=True,
    )
    return Result(case, data["rows"], data["seconds"], data["rss_mb"], data)


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)


async def prepare_database(url: str) -> None:
    """Migrations, the order types, units and customers the files refer to."""
    from orderdesk.container import Container
    from orderdesk.core.permissions import Principal
    from orderdesk.db import migrate
    from orderdesk.orders import types_service
    from orderdesk.orders.schemas import OrderTypeCreate
    from orderdesk.units import service as units
    from orderdesk.units.schemas import UnitCreate

    with tempfile.TemporaryDirectory() as tmp:
        container = Container.build(_settings(url, Path(tmp)), run_jobs=False)
        try:
            await migrate.upgrade(container.engine)
            system = Principal.system()
            async with container.write_sessions() as session:
                for code in ("bench", "benchx"):
                    data = OrderTypeCreate.model_validate(
                        {"code": code, "name": {"ru": code, "en": code}, "workflow": WORKFLOW}
                    )
                    await types_service.create_order_type(
                        session=session, principal=system, data=data
                    )
                for code, name in UNITS:
                    await units.create_unit(
                        session=session, principal=system, data=UnitCreate(code=code, name=name)
                    )
                await session.commit()
            await _customers(container, Path(tmp))
        finally:
            await container.close()


async def _customers(container: Any, tmp: Path) -> None:
    from orderdesk.transfer.importing.command import import_file
    from orderdesk.transfer.importing.schemas import ImportOptions

    path = tmp / "customers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Эл. почта", "ФИО"])
        writer.writerows([f"c{k}@bench.example", f"Клиент {k}"] for k in range(CUSTOMERS))

    async def progress(done: int, counts: dict[str, int]) -> None:
        return None

    options = ImportOptions.model_validate({"target": "users"})
    outcome = await import_file(
        container, path, options, progress=progress, report_path=tmp / "e.csv"
    )
    if outcome.status != "succeeded":
        raise RuntimeError(f"customers: {outcome.error}")


@dataclass(slots=True)
class Check:
    case: str
    baseline: str | None
    target: str
    ok: Any  # (Result, Result | None) -> bool


def checks() -> list[Check]:
    half = 0.5
    return [
        Check("od-pg-insert", "pg-copy", "≥ 0.50", lambda r, b: r.rate >= 0.5 * b.rate),
        Check("od-pg-insert", "pandas", "≥ 5×", lambda r, b: r.rate >= 5 * b.rate),
        Check("od-pg-insert", None, "< 400 MB", lambda r, b: r.rss_mb < 400),
        Check("od-pg-upsert", "pg-stage-merge", "≥ 0.60", lambda r, b: r.rate >= 0.6 * b.rate),
        Check("od-sqlite-insert", "sqlite-executemany", "≥ 0.50",
              lambda r, b: r.rate >= half * b.rate),
        Check("od-sqlite-upsert", "sqlite-executemany", "≥ 0.50",
              lambda r, b: r.rate >= half * b.rate),
        Check("od-pg-xlsx", "calamine", "≥ 0.50", lambda r, b: r.rate >= 0.5 * b.rate),
        Check("od-export-csv", None, "≥ 200k/s", lambda r, b: r.rate >= 200_000),
        Check("od-export-csv", "pg-copy-out", "—", lambda r, b: True),
        Check("od-export-json", None, "≥ 200k/s", lambda r, b: r.rate >= 200_000),
        Check("od-export-json", "pg-copy-out", "—", lambda r, b: True),
        Check("od-export-xlsx", "xlsxwriter", "≥ 0.70", lambda r, b: r.rate >= 0.7 * b.rate),
    ]  # fmt: skip


def print_table(results: dict[str, Result], rows: int, xlsx_rows: int, skipped: list[str]) -> None:
    print(f"\nimport/export, {rows} CSV rows, {xlsx_rows} XLSX rows; each case in its own process")  # noqa: T201
    head = (
        f"{'case':<20}{'rows':>9}{'s':>8}{'rows/s':>9}{'RSS MB':>8}  "
        f"{'baseline':<19}{'ratio':>7}  {'target':<9}met?"
    )
    print(head)  # noqa: T201
    print("-" * len(head))  # noqa: T201
    done: set[str] = set()
    for check in checks():
        result = results.get(check.case)
        if result is None:
            continue
        base = results.get(check.baseline) if check.baseline else None
        if check.baseline and base is None:
            ratio, met, name = "—", "skipped", f"{check.baseline} (none)"
        else:
            ratio = f"{result.rate / base.rate:.2f}" if base else "—"
            met, name = ("yes" if check.ok(result, base) else "NO"), check.baseline or "—"
            if check.target == "—":  # a ratio to show, not a target
                met = "—"
        shown = check.case not in done
        done.add(check.case)
        print(  # noqa: T201
            f"{check.case if shown else '':<20}{result.rows if shown else '':>9}"
            f"{f'{result.seconds:.2f}' if shown else '':>8}"
            f"{f'{result.rate:.0f}' if shown else '':>9}"
            f"{f'{result.rss_mb:.0f}' if shown else '':>8}  "
            f"{name:<19}{ratio:>7}  {check.target:<9}{met}"
        )
    for name, result in results.items():
        if name not in done:
            print(  # noqa: T201
                f"{name:<20}{result.rows:>9}{result.seconds:>8.2f}{result.rate:>9.0f}"
                f"{result.rss_mb:>8.0f}  (baseline)"
            )
    if "xlsxwriter" in results:
        bare = results["xlsxwriter"]
        print(f"xlsxwriter baseline: {bare.rows} rows × {bare.extra['columns']} cells, as exported")  # noqa: T201
    for line in skipped:
        print(line)  # noqa: T201


def plan_cases(
    files: dict[str, Path], work: Path, sqlite_url: str
) -> list[tuple[str, str, dict[str, Any]]]:
    pg = {"url": PG_URL, "work": str(work)}
    lite = {"url": sqlite_url, "work": str(work)}
    csv_a, csv_b, xlsx = str(files["csv"]), str(files["csv-upsert"]), str(files["xlsx"])
    return [
        ("csv-reader", "csv-reader", {"file": csv_a}),
        ("pg-copy", "pg-copy", {"file": csv_a}),
        ("pg-stage-merge", "pg-copy", {"file": csv_a}),
        ("sqlite-executemany", "sqlite-executemany", {"file": csv_a, "work": str(work)}),
        ("pandas", "pandas", {"file": csv_a}),
        ("calamine", "calamine", {"file": xlsx}),
        ("od-pg-insert", "od-import", {**pg, "file": csv_a, "type": "bench", "mode": "insert"}),
        ("od-pg-upsert", "od-import", {**pg, "file": csv_b, "type": "bench", "mode": "upsert"}),
        ("od-pg-xlsx", "od-import", {**pg, "file": xlsx, "type": "benchx", "mode": "insert"}),
        ("od-sqlite-insert", "od-import", {**lite, "file": csv_a, "type": "bench",
                                           "mode": "insert"}),
        ("od-sqlite-upsert", "od-import", {**lite, "file": csv_b, "type": "bench",
                                           "mode": "upsert"}),
        ("pg-copy-out", "pg-copy-out", {**pg, "type": "bench"}),
        ("od-export-csv", "od-export", {**pg, "format": "csv", "type": "bench"}),
        ("od-export-json", "od-export", {**pg, "format": "json", "type": "bench"}),
        ("od-export-xlsx", "od-export", {**pg, "format": "xlsx", "type": "benchx"}),
    ]  # fmt: skip


def _have_pandas() -> bool:
    """pandas and the psycopg driver its `to_sql` baseline writes through."""
    try:
        import pandas  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}
    work = Path(tempfile.mkdtemp(prefix="orderdesk-bench-transfer-"))
    sqlite_url = f"sqlite+aiosqlite:///{work}/bench.db"
    files = {
        "csv": work / "orders.csv",
        "csv-upsert": work / "orders-2.csv",
        "xlsx": work / "orders.xlsx",
    }
    results: dict[str, Result] = {}
    skipped: list[str] = []
    try:
        started = time.perf_counter()
        write_csv(files["csv"], args.rows, "Z")
        write_csv(files["csv-upsert"], args.rows, "Z", variant=1)
        write_xlsx(files["xlsx"], args.xlsx_rows, "X")
        size = files["csv"].stat().st_size / 1e6
        print(f"files generated in {time.perf_counter() - started:.1f} s (CSV {size:.0f} MB)")  # noqa: T201
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{DB}"')
        asyncio.run(prepare_database(PG_URL))
        asyncio.run(prepare_database(sqlite_url))
        for case, fn, params in plan_cases(files, work, sqlite_url):
            if only and case not in only:
                continue
            if fn == "pandas" and not _have_pandas():
                skipped.append(
                    "pandas or psycopg not installed: the pandas read_csv + to_sql row is skipped"
                )
                continue
            results[case] = run_child(case, fn, **params)
        if "od-export-xlsx" in results and (not only or "xlsxwriter" in only or not only):
            columns = _xlsx_columns(work / "export.xlsx")
            results["xlsxwriter"] = run_child(
                "xlsxwriter", "xlsxwriter", rows=results["od-export-xlsx"].rows,
                columns=columns, work=str(work),
            )  # fmt: skip
    finally:
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(results, args.rows, args.xlsx_rows, skipped)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(benchmark parent peak RSS {peak:.0f} MB)")  # noqa: T201


def _xlsx_columns(path: Path) -> int:
    """Columns of the exported sheet, from its `<dimension ref="A1:V200001"/>` (no full load)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        head = sheet.read(4096).decode("utf-8", "replace")
    found = re.search(r'<dimension ref="[A-Z]+\d+:([A-Z]+)\d+"', head)
    if found is None:
        raise RuntimeError("the exported XLSX has no dimension")
    width = 0
    for letter in found.group(1):
        width = width * 26 + ord(letter) - ord("A") + 1
    return width


if __name__ == "__main__":
    main()
