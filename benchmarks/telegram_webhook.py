"""Telegram benchmark. Part "webhook": updates/s and p99 of /telegram/webhook on one worker.

orderdesk (1 uvicorn worker, PostgreSQL, `orderdesk demo --blueprint shop`) gets a stream of
realistic updates POSTed to /telegram/webhook at a fixed concurrency, the loopback Bot API
stand-in answering the bot's calls; in the same run aiogram's bare Dispatcher with an empty
handler behind a minimal Starlette webhook is the baseline. Two streams:

* browsing — catalog page callbacks (`l:a:0:<page>`): the update_id claim with the user lookup,
  one catalog query, answerCallbackQuery to the stand-in, editMessageText in the webhook response;
* ordering — each simulated customer runs the checkout: item button, quantity message, delivery
  choice, confirm (the last one creates the order through orders/service.py).

A method a response names is applied by the stand-in, as Telegram would (ADR 0020). Besides
rates and latencies it prints CPU milliseconds per update of the server process, of the
PostgreSQL backends serving the benchmark database and of this process (load driver and
stand-in): on a shared machine these move far less than the rates.

Run:  .venv/bin/python benchmarks/telegram.py --part webhook [--updates 4000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "orderdesk_tg_bench"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-123456"
WEBHOOK_SECRET = "w" * 40
ORDERDESK_PORT, BASELINE_PORT = 18111, 18112
USERS = 3000  # distinct customers: each stays far below the 30 updates/minute per-user limit


@dataclass
class Result:
    updates: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float = 0.0  # seconds of CPU the server process used during the run
    client_cpu: float = 0.0  # this process: the load driver and the Bot API stand-in
    db_cpu: float = 0.0  # PostgreSQL backends serving the benchmark database
    requested: int = 0  # Bot API calls the server made to the stand-in during the run
    answered: int = 0  # methods carried in webhook responses (applied by the stand-in)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    @property
    def server_ms(self) -> float:
        """Server CPU milliseconds per update: what a busy, shared machine does not blur."""
        return self.server_cpu * 1000 / self.updates if self.updates else 0.0

    @property
    def db_ms(self) -> float:
        return self.db_cpu * 1000 / self.updates if self.updates else 0.0

    @property
    def client_ms(self) -> float:
        return self.client_cpu * 1000 / self.updates if self.updates else 0.0


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the benchmark database."""
    pids = psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{DB}'").split()
    found = {}
    for pid in map(int, pids):
        try:
            found[pid] = cpu_seconds(pid)
        except OSError:  # gone meanwhile
            continue
    return found


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def sh(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def psql(sql: str, db: str = "postgres") -> str:
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + db
    return subprocess.run(
        ["psql", url, "-qtA", "-c", sql], check=True, capture_output=True, text=True
    ).stdout


def prepare_database(env: dict[str, str]) -> None:
    psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB}"')
    started = time.perf_counter()
    sh(str(BIN / "orderdesk"), "migrate", "upgrade", env=env)
    print(sh(str(BIN / "orderdesk"), "demo", "--blueprint", "shop", env=env).strip())
    # Statistics for the planner: this server runs with autovacuum off, so the freshly loaded
    # demo would have none and the catalog page query would sort every active item (≈ 1 ms
    # of PostgreSQL CPU per update); an installation's autovacuum analyzes after a load.
    psql("ANALYZE", DB)
    print(f"database ready in {time.perf_counter() - started:.1f} s")


def start(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [str(BIN / "uvicorn"), target, "--factory", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/telegram/webhook", timeout=1)
        except urllib.error.HTTPError:
            return proc  # it answers (405 to GET)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{target} did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def baseline_app() -> Any:
    """aiogram's bare Dispatcher, one empty handler, behind a minimal Starlette webhook."""
    from aiogram import Bot, Dispatcher
    from aiogram.types import Update
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bot = Bot(os.environ["ORDERDESK_TELEGRAM_BOT_TOKEN"])
    dp = Dispatcher()

    @dp.message()
    @dp.callback_query()
    async def empty(_event: Any) -> None:
        return None

    async def webhook(request: Request) -> Response:
        if request.headers.get("x-telegram-bot-api-secret-token") != WEBHOOK_SECRET:
            return Response(status_code=401)
        update = Update.model_validate(json.loads(await request.body()), context={"bot": bot})
        await dp.feed_update(bot, update)
        return Response(b"{}", media_type="application/json")

    return Starlette(routes=[Route("/telegram/webhook", webhook, methods=["POST"])])


async def drive(
    port: int,
    streams: list[list[dict[str, Any]]],
    concurrency: int,
    pid: int | None = None,
    api: Any = None,
    database: bool = False,
) -> Result:
    """POST each stream's updates in order; `concurrency` streams at a time. With `api` (the
    stand-in), a method answered in a webhook response is applied there, as Telegram would;
    an update's latency ends when its response (and so its answer) has arrived."""
    import aiohttp

    url = f"http://127.0.0.1:{port}/telegram/webhook"
    headers = {
        "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
        "Content-Type": "application/json",
    }
    latencies: list[float] = []
    errors = 0
    queue = list(reversed(streams))
    calls_before = len(api.calls) if api is not None else 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal errors
            while queue:
                for update in queue.pop():
                    began = time.perf_counter()
                    async with http.post(url, data=json.dumps(update), headers=headers) as answer:
                        body = await answer.read()
                        errors += answer.status != 200
                    latencies.append(time.perf_counter() - began)
                    if api is not None and answer.status == 200:
                        await api.apply_webhook_answer(body, answer.content_type)

        db_before = database_cpu() if database else {}
        server_before = cpu_seconds(pid) if pid else 0.0
        client_before = own_cpu_seconds()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        server_cpu = cpu_seconds(pid) - server_before if pid else 0.0
        client_cpu = own_cpu_seconds() - client_before
        db_after = database_cpu() if database else {}
        db_cpu = sum(used - db_before.get(pid_, 0.0) for pid_, used in db_after.items())
    latencies.sort()
    calls = api.calls[calls_before:] if api is not None else []
    answered = sum(call.via_webhook for call in calls)
    return Result(
        updates=len(latencies),
        seconds=seconds,
        p50_ms=latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        errors=errors,
        server_cpu=server_cpu,
        client_cpu=client_cpu,
        db_cpu=db_cpu,
        requested=len(calls) - answered,
        answered=answered,
    )


def browsing_streams(total: int, first_user: int) -> list[list[dict[str, Any]]]:
    from tests.telegram import updates

    streams = []
    for n in range(total):
        person = updates.user(first_user + n % USERS, f"U{n % USERS}")
        streams.append([updates.callback(person, f"l:a:0:{n % 20}", message_id=7)])
    return streams


def ordering_streams(
    customers: int, first_user: int, item_ids: list[int]
) -> list[list[dict[str, Any]]]:
    from tests.telegram import updates

    streams = []
    for n in range(customers):
        person = updates.user(first_user + n, f"C{n}")
        item = item_ids[n % len(item_ids)]
        streams.append(
            [
                updates.callback(person, f"b:{item}", message_id=7),
                updates.message(person, "2"),
                updates.callback(person, "ba:1", message_id=8),  # delivery_type: pickup
                updates.callback(person, "bc", message_id=9),
            ]
        )
    return streams


def warm_streams(users: range) -> list[list[dict[str, Any]]]:
    """One /start per user, so the measured runs do not include first-contact sign-ups."""
    from tests.telegram import updates

    return [[updates.message(updates.user(uid, f"U{uid}"), "/start")] for uid in users]


def in_stock_items() -> list[int]:
    rows = psql(
        "SELECT id FROM items WHERE status = 'active' AND (stock IS NULL OR stock > 500) "
        "ORDER BY id LIMIT 50",
        DB,
    ).split()
    return [int(r) for r in rows] or [int(psql("SELECT min(id) FROM items", DB))]


async def webhook_part(args: argparse.Namespace) -> None:
    from tests.telegram import updates
    from tests.telegram.botkit import StandIn
    from tests.telegram.standin import TOKEN

    # update_ids must be new to the dedupe table also when the database is kept (--keep-db)
    updates._ids = itertools.count(int(time.time() * 1000))  # type: ignore[attr-defined]
    async with StandIn() as api:
        env = {
            **os.environ,
            "ORDERDESK_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}",
            "ORDERDESK_SECRET_KEYS": SECRET_KEY,
            "ORDERDESK_LOG_LEVEL": "WARNING",
            "ORDERDESK_DATABASE_POOL_SIZE": "40",
            "ORDERDESK_DATABASE_MAX_OVERFLOW": "0",
            "ORDERDESK_TELEGRAM_BOT_TOKEN": TOKEN,
            "ORDERDESK_TELEGRAM_API_BASE": api.base_url,
            "ORDERDESK_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "ORDERDESK_TELEGRAM_ORDER_TYPE": "order",
        }
        env.pop("ORDERDESK_REDIS_URL", None)
        if not args.keep_db:
            prepare_database(env)
        items = in_stock_items()
        results: dict[str, tuple[Result, Result]] = {}
        servers = {
            "orderdesk": start("orderdesk.app:create_app", ORDERDESK_PORT, env),
            "baseline": start("benchmarks.telegram_webhook:baseline_app", BASELINE_PORT, env),
        }
        try:
            orders_before = int(psql(BOT_ORDERS, DB))
            c = args.concurrency
            customers = args.updates // 4
            await drive(ORDERDESK_PORT, warm_streams(range(1_000_000, 1_000_000 + USERS)), c)
            await drive(ORDERDESK_PORT, warm_streams(range(2_000_000, 2_000_000 + customers)), c)
            for name, make in (
                ("browsing", lambda: browsing_streams(args.updates, 1_000_000)),
                ("ordering", lambda: ordering_streams(customers, 2_000_000, items)),
            ):
                ours = await drive(ORDERDESK_PORT, make(), c, servers["orderdesk"].pid, api, True)
                bare = await drive(BASELINE_PORT, make(), c, servers["baseline"].pid, api)
                results[name] = (ours, bare)
                print(f"{name}: done", flush=True)
            orders = int(psql(BOT_ORDERS, DB)) - orders_before
        finally:
            for proc in servers.values():
                stop(proc)
    print_table(results, c, orders)


BOT_ORDERS = "SELECT count(*) FROM orders WHERE channel = 'telegram'"


def print_table(results: dict[str, tuple[Result, Result]], concurrency: int, orders: int) -> None:
    targets = {"browsing": 500, "ordering": 200}
    print(f"\nwebhook: 1 uvicorn worker each, PostgreSQL, shop demo, concurrency {concurrency}")
    print(f"{'stream':10} {'server':10} {'updates':>8} {'upd/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6} {'srv CPU ms/upd':>14} {'db CPU ms/upd':>13} {'bench CPU ms/upd':>16}  "
          "ratio / target")  # fmt: skip
    for name, (ours, bare) in results.items():
        for label, r in (("orderdesk", ours), ("bare", bare)):
            extra = ""
            if label == "orderdesk":
                ratio = ours.rate / bare.rate if bare.rate else 0.0
                verdict = "met" if ours.rate >= targets[name] else "NOT met"
                cpu_ratio = ours.server_ms / bare.server_ms if bare.server_ms else 0.0
                extra = (f"  {ratio:.2f}× bare rate, {cpu_ratio:.1f}× bare CPU; "
                         f"≥ {targets[name]}/s {verdict}")  # fmt: skip
            print(f"{name:10} {label:10} {r.updates:8d} {r.rate:8.0f} {r.p50_ms:8.1f} "
                  f"{r.p99_ms:8.1f} {r.errors:6d} {r.server_ms:14.2f} {r.db_ms:13.2f} "
                  f"{r.client_ms:16.2f}"
                  f"{extra}")  # fmt: skip
    for name, (ours, _) in results.items():
        print(f"{name}: Bot API calls per update {ours.requested / ours.updates:.2f} requested "
              f"by orderdesk + {ours.answered / ours.updates:.2f} answered in the webhook "
              "response")  # fmt: skip
    print(f"orders created through the bot in this run: {orders}")


PARTS: dict[str, Callable[[argparse.Namespace], Awaitable[None]]] = {"webhook": webhook_part}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--part", choices=sorted(PARTS), action="append")
    parser.add_argument("--updates", type=int, default=4000, help="updates per browsing run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--keep-db", action="store_true", help="reuse the prepared database")
    args = parser.parse_args()
    for part in args.part or sorted(PARTS):
        asyncio.run(PARTS[part](args))


if __name__ == "__main__":
    main()
