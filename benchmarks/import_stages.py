"""Where an orders import spends its time: µs per file row by stage, one case per process.

Runs the same import as `benchmarks/transfer.py` (`import_file`, every validation on, one
transaction) on generated rows, with timers wrapped around the pipeline's stages:

- parse: the reader producing raw rows (bounded line reader, cp1251 decoding, `csv`)
- convert: `RowReader.read` (cells → typed field values, required checks)
- lookups: the target's reads per chunk (existing orders, items, customers, old lines)
- build: grouping rows into orders, lines, totals, diffs — the target's Python work
- bind: values through the columns' bind processors before the driver call
- write <table>: the driver call (COPY / executemany / UPDATE) per table, database time included
- ids: id and number reservation
- settle: ANALYZE, import row, audit entry; commit: the final COMMIT
- prepare: upload stored, detection, plan (before the job starts)

Figures are wall-clock: a database call's time includes the server's work and, on a busy
machine, waiting for a core. Compare stages within a run.

Run:  .venv/bin/python -m benchmarks.import_stages [--rows 100000] [--cases pg-insert,…]
      (IMPORT_STAGES_GC=off in the environment: the cyclic GC off for the whole child)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.transfer import (
    DB,
    PG_URL,
    _settings,
    prepare_database,
    psql,
    write_csv,
)

CASES = {
    "pg-insert": ("pg", "insert"),
    "pg-upsert": ("pg", "upsert"),
    "sqlite-insert": ("sqlite", "insert"),
    "sqlite-upsert": ("sqlite", "upsert"),
}
TIMES: dict[str, float] = defaultdict(float)
# This process's CPU per stage (thread CPU time): a database call's wall time minus it is
# the server's work plus waiting (for the server, or for a core on a busy machine).
CPU: dict[str, float] = defaultdict(float)


@contextlib.contextmanager
def timed(stage: str) -> Iterator[None]:
    started, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        TIMES[stage] += time.perf_counter() - started
        CPU[stage] += time.thread_time() - cpu


def _wrap_async(owner: Any, name: str, stage: str | Callable[..., str]) -> None:
    original = getattr(owner, name)

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        label = stage(*args, **kwargs) if callable(stage) else stage
        with timed(label):
            return await original(*args, **kwargs)

    setattr(owner, name, wrapper)


def _wrap_sync(owner: Any, name: str, stage: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with timed(stage):
            return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def instrument() -> None:
    """Timers around the stages (the functions are replaced in their modules)."""
    import itertools

    from orderdesk.transfer.importing import bulk, command, jobs
    from orderdesk.transfer.importing.targets import orders

    def read_chunk(plan: Any, rows: Any, size: int) -> Any:
        parsed, rejected, count = [], [], 0
        read = plan.reader.read
        # perf_counter per row (70 ns); thread CPU time once per chunk (a system call, ~1 µs)
        # split between the two stages in proportion to their wall time.
        clock = time.perf_counter
        cpu = time.thread_time()
        parse = convert = 0.0
        it = iter(itertools.islice(rows, size))
        while True:
            t0 = clock()
            got = next(it, None)
            t1 = clock()
            parse += t1 - t0
            if got is None:
                break
            count += 1
            out = read(*got)
            convert += clock() - t1
            (rejected.extend if isinstance(out, list) else parsed.append)(out)
        cpu = time.thread_time() - cpu
        share = parse / max(parse + convert, 1e-9)
        TIMES["parse"] += parse
        TIMES["convert"] += convert
        CPU["parse"] += cpu * share
        CPU["convert"] += cpu * (1 - share)
        return jobs._Chunk(count, parsed, rejected)

    jobs._read_chunk = read_chunk  # type: ignore[assignment]
    target = orders.OrdersTarget
    original_process = target.process

    async def process(self: Any, rows: Any, *, write: bool) -> Any:
        before = {k: TIMES[k] for k in list(TIMES)}
        before_cpu = {k: CPU[k] for k in list(CPU)}
        started, cpu = time.perf_counter(), time.thread_time()
        result = await original_process(self, rows, write=write)
        spent, spent_cpu = time.perf_counter() - started, time.thread_time() - cpu
        TIMES["build"] += spent - sum(TIMES[k] - before.get(k, 0.0) for k in list(TIMES))
        CPU["build"] += spent_cpu - sum(CPU[k] - before_cpu.get(k, 0.0) for k in list(CPU))
        return result

    target.process = process  # type: ignore[method-assign]
    _wrap_async(target, "_lookups", "lookups")
    _wrap_async(bulk, "allocate_ids", "ids")
    _wrap_async(target, "_numbers", "ids")
    original_records = bulk._records

    def records(*args: Any, **kwargs: Any) -> Any:
        with timed("bind"):
            return original_records(*args, **kwargs)

    bulk._records = records  # type: ignore[assignment]

    for name, label in (("insert_rows", "insert"), ("update_rows", "update")):
        original = getattr(bulk, name)

        def make(original: Any, label: str) -> Any:
            async def wrapper(session: Any, table: Any, *args: Any, **kwargs: Any) -> Any:
                before, before_cpu = TIMES["bind"], CPU["bind"]
                started, cpu = time.perf_counter(), time.thread_time()
                try:
                    return await original(session, table, *args, **kwargs)
                finally:
                    stage = f"write {table.name} ({label})"
                    TIMES[stage] += time.perf_counter() - started - (TIMES["bind"] - before)
                    CPU[stage] += time.thread_time() - cpu - (CPU["bind"] - before_cpu)

            return wrapper

        setattr(bulk, name, make(original, label))
    from orderdesk.transfer.importing import repository

    _wrap_async(repository, "delete_lines_of", "write order_lines (delete)")
    _wrap_async(jobs, "_settle", "settle")
    _wrap_async(command, "_prepare", "prepare")


async def child(args: dict[str, Any]) -> dict[str, Any]:
    instrument()
    from sqlalchemy.ext.asyncio import AsyncSession

    from orderdesk.container import Container
    from orderdesk.transfer.importing.command import import_file
    from orderdesk.transfer.importing.schemas import ImportOptions

    original_commit = AsyncSession.commit

    async def commit(self: AsyncSession) -> None:
        with timed("commit"):
            await original_commit(self)

    AsyncSession.commit = commit  # type: ignore[method-assign]
    work = Path(args["work"])
    container = Container.build(_settings(args["url"], work), run_jobs=False)
    options = ImportOptions.model_validate(
        {"target": "orders", "type": "bench", "mode": args["mode"], "key": "number"}
    )

    async def progress(done: int, counts: dict[str, int]) -> None:
        return None

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    try:
        outcome = await import_file(
            container, Path(args["file"]), options, progress=progress,
            report_path=work / "errors.csv",
        )  # fmt: skip
    finally:
        await container.close()
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    if outcome.status != "succeeded":
        raise SystemExit(f"{outcome.status} {outcome.error}")
    return {
        "wall": wall, "cpu": cpu, "counts": outcome.counts, "times": dict(TIMES), "cpus": dict(CPU)
    }  # fmt: skip


def child_main(raw: str) -> None:
    if os.environ.get("IMPORT_STAGES_GC") == "off":  # to see what the cyclic GC costs
        gc.disable()
    print(json.dumps(asyncio.run(child(json.loads(raw)))))  # noqa: T201


def run(case: str, params: dict[str, Any]) -> dict[str, Any]:
    code = f"from benchmarks.import_stages import child_main; child_main({json.dumps(params)!r})"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(case: str, data: dict[str, Any]) -> None:
    rows = data["counts"]["rows"]
    wall = data["wall"]
    rate = rows / wall
    print(f"\n{case}: {rows} rows, {wall:.2f} s wall, {data['cpu']:.2f} s CPU, {rate:.0f} rows/s")  # noqa: T201
    print(f"  counts {data['counts']}")  # noqa: T201
    times, cpus = dict(data["times"]), dict(data["cpus"])
    print(f"  {'stage':<34}{'wall s':>8}{'µs/row':>9}{'CPU µs/row':>12}")  # noqa: T201
    accounted = 0.0
    for stage, seconds in sorted(times.items(), key=lambda kv: -kv[1]):
        if stage == "prepare" or seconds < 0.005:
            continue
        accounted += seconds
        per, cpu = seconds / rows * 1e6, cpus.get(stage, 0.0) / rows * 1e6
        print(f"  {stage:<34}{seconds:8.2f}{per:9.1f}{cpu:12.1f}")  # noqa: T201
    print(f"  {'prepare (upload, plan; not per row)':<34}{times.get('prepare', 0):8.2f}")  # noqa: T201
    rest = wall - accounted - times.get("prepare", 0)
    print(f"  {'other':<34}{rest:8.2f}{rest / rows * 1e6:9.1f}")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="orderdesk-bench-stages-"))
    sqlite_url = f"sqlite+aiosqlite:///{work}/bench.db"
    try:
        write_csv(work / "a.csv", args.rows, "Z")
        write_csv(work / "b.csv", args.rows, "Z", variant=1)
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{DB}"')
        asyncio.run(prepare_database(PG_URL))
        asyncio.run(prepare_database(sqlite_url))
        for case in args.cases.split(","):
            db, mode = CASES[case]
            file = work / ("a.csv" if mode == "insert" else "b.csv")
            url = PG_URL if db == "pg" else sqlite_url
            params = {"url": url, "work": str(work), "file": str(file), "mode": mode}
            show(case, run(case, params))
    finally:
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
