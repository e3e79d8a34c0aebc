"""Jobs benchmark: no-op jobs end to end, server shape and embedded shape, vs a bare broker.

- server:   PostgreSQL + Redis; this process enqueues (job rows, committed in batches, sent to
            the Redis stream after commit); one `orderdesk worker` process runs them.
- embedded: SQLite file, in-process broker and runner (what `orderdesk serve` does).
- baseline: bare redis-py on the same Redis: XADD pipelined here, one consumer process doing
            XREADGROUP + XACK (+ INCR so we know when it is done) — no job rows, no framework.

Each figure is from the first enqueue until the last job is recorded as succeeded.
Run:  .venv/bin/python benchmarks/jobs.py [--jobs 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis.asyncio as aioredis
from sqlalchemy import func, select

from orderdesk.container import Container
from orderdesk.db import migrate
from orderdesk.jobs import service
from orderdesk.jobs.models import Job
from orderdesk.ops.logging import configure_logging
from orderdesk.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "orderdesk_bench_jobs"
REDIS = "redis://127.0.0.1:6379/11"
SECRET = "benchmark-secret-key-that-is-long-enough-123456"
BATCH = 500

CONSUMER = """
import asyncio, sys, redis.asyncio as r
async def main(stream, total):
    db = r.from_url(sys.argv[3])
    try:
        await db.xgroup_create(stream, "g", id="0", mkstream=True)
    except Exception:
        pass
    done = 0
    while done < total:
        got = await db.xreadgroup("g", "c", {stream: ">"}, count=100, block=1000)
        for _, messages in got or []:
            ids = [mid for mid, _ in messages]
            async with db.pipeline(transaction=False) as pipe:
                pipe.incrby(stream + ":done", len(ids))
                pipe.xack(stream, "g", *ids)
                await pipe.execute()
            done += len(ids)
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def settings(url: str, **extra: object) -> Settings:
    return Settings(
        database_url=url,
        secret_keys=[SECRET],
        log_level="WARNING",
        database_pool_size=20,
        **extra,  # type: ignore[arg-type]
    )


async def enqueue_all(container: Container, total: int) -> None:
    for start in range(0, total, BATCH):
        async with container.write_sessions() as session:
            count = min(BATCH, total - start)
            await service.enqueue_many(session, kind="system.noop", params=[{}] * count)
            await session.commit()


async def wait_done(container: Container, total: int, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        async with container.read_sessions() as session:
            done = await session.scalar(
                select(func.count()).select_from(Job).where(Job.status == "succeeded")
            )
        if done == total:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"only {done} of {total} jobs finished in {timeout:.0f} s")


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)


async def server_shape(total: int) -> float:
    psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}"
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "ORDERDESK_DATABASE_URL": url,
        "ORDERDESK_REDIS_URL": REDIS,
        "ORDERDESK_REDIS_NAMESPACE": namespace,
        "ORDERDESK_SECRET_KEYS": SECRET,
        "ORDERDESK_LOG_LEVEL": "WARNING",
        "ORDERDESK_JOBS_CONCURRENCY": "100",
    }
    container = Container.build(settings(url, redis_url=REDIS, redis_namespace=namespace))
    await migrate.upgrade(container.engine)
    worker = subprocess.Popen([str(BIN / "orderdesk"), "worker"], env=env, cwd=ROOT)
    try:
        await container.jobs.start()
        await asyncio.sleep(2)  # the worker is up and listening
        started = time.perf_counter()
        await enqueue_all(container, total)
        print(f"server: enqueued {total} in {time.perf_counter() - started:.2f} s")
        await wait_done(container, total, timeout=300)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(30)
        await container.close()
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    return total / elapsed


async def embedded_shape(total: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        embedded = settings(url)
        configure_logging(embedded)
        container = Container.build(embedded)
        await migrate.upgrade(container.engine)
        stop = asyncio.Event()
        work = asyncio.create_task(container.jobs.work(stop))
        try:
            started = time.perf_counter()
            await enqueue_all(container, total)
            await wait_done(container, total, timeout=300)
            elapsed = time.perf_counter() - started
        finally:
            stop.set()
            await work
            await container.close()
    return total / elapsed


async def baseline(total: int) -> float:
    stream = f"bench-bare-{uuid.uuid4().hex[:8]}"
    db = aioredis.from_url(REDIS)
    await db.xgroup_create(stream, "g", id="0", mkstream=True)
    consumer = subprocess.Popen([sys.executable, "-c", CONSUMER, stream, str(total), REDIS])
    try:
        await asyncio.sleep(1)
        started = time.perf_counter()
        for start in range(0, total, BATCH):
            async with db.pipeline(transaction=False) as pipe:
                for n in range(start, min(start + BATCH, total)):
                    pipe.xadd(stream, {"job": str(n)})
                await pipe.execute()
        while int(await db.get(f"{stream}:done") or 0) < total:
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        consumer.wait(30)
        await db.delete(stream, f"{stream}:done")
        await db.aclose()
    return total / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5000)
    total = parser.parse_args().jobs
    bare = await baseline(total)
    server = await server_shape(total)
    embedded = await embedded_shape(total)
    print(f"\nno-op jobs end to end, {total} jobs, one worker process")
    print(f"{'shape':<44}{'jobs/s':>10}{'vs bare':>10}")
    print("-" * 64)
    print(f"{'bare Redis stream (XADD / XREADGROUP / XACK)':<44}{bare:>10.0f}{1:>10.2f}")
    print(
        f"{'server: PostgreSQL + Redis + orderdesk worker':<44}"
        f"{server:>10.0f}{server / bare:>10.2f}"
    )
    print(f"{'embedded: SQLite, in-process runner':<44}{embedded:>10.0f}{embedded / bare:>10.2f}")


if __name__ == "__main__":
    asyncio.run(main())
