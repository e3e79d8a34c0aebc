"""WebSocket benchmark: idle connections held and fan-out latency, orderdesk vs bare `websockets`.

orderdesk runs as one uvicorn worker (uvloop, embedded SQLite, in-process bus). N clients connect
to `/ws` with an access token (each connection is authenticated against the login session); S of
them subscribe to `orders`, the rest stay idle. Each round creates an order through the REST API
and measures, in this process, the time from sending the request until the event arrives at
every subscriber. The baseline is a bare `websockets` server holding the same connections and
broadcasting a message of the same size to the same S subscribers on a control message. Server
RSS is read from /proc before and after the connections. Only 127.0.0.1; bounded in time.

Run:  .venv/bin/python benchmarks/ws.py [--connections 10000] [--subscribers 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "benchmark-secret-key-that-is-long-enough-123456"
PASSWORD = "Load-Test-Passphrase-77"
ORDERDESK_PORT, BASELINE_PORT = 18111, 18112
WORKFLOW = {
    "statuses": [{"code": c, "label": {"ru": c, "en": c}} for c in ("new", "done")],
    "initial": "new",
    "terminal": ["done"],
    "transitions": [{"from": "new", "to": "done", "roles": ["admin"]}],
}
BASELINE_SERVER = """
import asyncio, sys
from websockets.asyncio.server import broadcast, serve
subscribers = set()
async def handler(ws):
    if "sub=1" in (ws.request.path or ""):
        subscribers.add(ws)
    try:
        async for message in ws:
            if message.startswith("broadcast:"):
                broadcast(subscribers, message[len("broadcast:"):])
    finally:
        subscribers.discard(ws)
async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), ping_interval=None, backlog=4096):
        await asyncio.Future()
try:
    import uvloop
    uvloop.run(main())
except ImportError:
    asyncio.run(main())
"""


@dataclass
class Figures:
    rss_idle_mb: float
    rss_per_conn_kb: float
    connect_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    delivered: int
    expected: int


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_for_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    import socket

    for _ in range(150):
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def start_orderdesk(data_dir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ORDERDESK_DATA_DIR": data_dir,
        "ORDERDESK_SECRET_KEYS": SECRET,
        "ORDERDESK_LOG_LEVEL": "WARNING",
        # idle benchmark clients do not answer JSON pings; keep them for the whole run
        "ORDERDESK_WS_HEARTBEAT_SECONDS": "600",
        "ORDERDESK_WS_SEND_QUEUE": "1000",
    }
    env.pop("ORDERDESK_REDIS_URL", None)
    env.pop("ORDERDESK_DATABASE_URL", None)
    orderdesk = str(BIN / "orderdesk")
    subprocess.run([orderdesk, "migrate", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [orderdesk, "createadmin", "--username", "bench", "--password", PASSWORD],
        env=env,
        check=True,
        capture_output=True,
    )
    cmd = [str(BIN / "uvicorn"), "--factory", "orderdesk.app:create_app", "--port",
           str(ORDERDESK_PORT), "--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools",
           "--no-access-log", "--log-level", "warning", "--backlog", "4096"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=data_dir, start_new_session=True)
    wait_for_port(ORDERDESK_PORT, proc)
    return proc


async def open_many(
    urls: list[str], concurrency: int = 200
) -> tuple[list[ClientConnection], float]:
    """Open every URL (at most `concurrency` handshakes at once); the connections and seconds."""
    gate, started = asyncio.Semaphore(concurrency), time.perf_counter()

    async def one(url: str) -> ClientConnection:
        async with gate:
            return await connect(url, ping_interval=None, open_timeout=60, max_queue=None)

    sockets = await asyncio.gather(*(one(url) for url in urls))
    return list(sockets), time.perf_counter() - started


async def measure_rounds(
    subscribers: list[ClientConnection],
    trigger: Callable[[], Awaitable[None]],
    rounds: int,
    marker: str,
) -> list[float]:
    """Latencies (ms) from each trigger until the message reaches each subscriber."""
    latencies: list[float] = []
    clock = {"started": 0.0}

    async def wait(ws: ClientConnection) -> None:
        async for message in ws:
            if marker in str(message):
                latencies.append((time.perf_counter() - clock["started"]) * 1000)
                return

    for _ in range(rounds):
        waiting = [asyncio.create_task(wait(ws)) for ws in subscribers]
        await asyncio.sleep(0)
        clock["started"] = time.perf_counter()
        await trigger()
        done, pending = await asyncio.wait(waiting, timeout=10)
        for task in pending:
            task.cancel()
        await asyncio.sleep(0.2)
    return latencies


def figures(
    pid: int, idle_kb: int, n: int, connect_s: float, lat: list[float], want: int
) -> Figures:
    ordered = sorted(lat) or [float("nan")]
    return Figures(
        rss_idle_mb=idle_kb / 1024,
        rss_per_conn_kb=(rss_kb(pid) - idle_kb) / n,
        connect_s=connect_s,
        p50_ms=statistics.median(ordered),
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        max_ms=ordered[-1],
        delivered=len(lat),
        expected=want,
    )


async def bench_orderdesk(n: int, s: int, rounds: int) -> Figures:
    with tempfile.TemporaryDirectory() as data_dir:
        proc = start_orderdesk(data_dir)
        try:
            base = f"http://127.0.0.1:{ORDERDESK_PORT}"
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                login = await http.post(
                    "/api/v1/auth/login", json={"username": "bench", "password": PASSWORD}
                )
                token = login.json()["access_token"]
                auth = {"Authorization": f"Bearer {token}"}
                order_type = {"code": "bench", "name": {"ru": "b", "en": "b"}, "workflow": WORKFLOW}
                made = await http.post("/api/v1/order-types", json=order_type, headers=auth)
                assert made.status_code == 201, made.text
                await asyncio.sleep(1)
                idle_kb = rss_kb(proc.pid)
                ws = f"ws://127.0.0.1:{ORDERDESK_PORT}/ws?token={token}"
                urls = [ws + "&topics=orders"] * s + [ws] * (n - s)
                sockets, connect_s = await open_many(urls)
                await asyncio.sleep(1)

                async def trigger() -> None:
                    body = {"order_type": "bench", "lines": [{"name": "x", "quantity": "1",
                            "unit_price": "1"}]}  # fmt: skip
                    response = await http.post("/api/v1/orders", json=body, headers=auth)
                    assert response.status_code == 201, response.text

                lat = await measure_rounds(sockets[:s], trigger, rounds, '"order.created"')
                result = figures(proc.pid, idle_kb, n, connect_s, lat, s * rounds)
                await asyncio.gather(*(sock.close() for sock in sockets), return_exceptions=True)
                return result
        finally:
            proc.terminate()
            proc.wait(timeout=15)


async def bench_baseline(n: int, s: int, rounds: int) -> Figures:
    proc = subprocess.Popen(
        [sys.executable, "-c", BASELINE_SERVER, str(BASELINE_PORT)], start_new_session=True
    )
    try:
        wait_for_port(BASELINE_PORT, proc)
        await asyncio.sleep(0.5)
        idle_kb = rss_kb(proc.pid)
        url = f"ws://127.0.0.1:{BASELINE_PORT}/ws"
        sockets, connect_s = await open_many([url + "?sub=1"] * s + [url] * (n - s))
        control = await connect(url, ping_interval=None)
        await asyncio.sleep(1)
        message = '{"type":"event","event":"order.created","payload":{"id":1,"number":"x"}}'

        async def trigger() -> None:
            await control.send("broadcast:" + message)

        lat = await measure_rounds(sockets[:s], trigger, rounds, '"order.created"')
        result = figures(proc.pid, idle_kb, n, connect_s, lat, s * rounds)
        await asyncio.gather(
            *(sock.close() for sock in [*sockets, control]), return_exceptions=True
        )
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    n, s = min(args.connections, 15_000), min(args.subscribers, args.connections)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 1000)), hard))
    ours = asyncio.run(bench_orderdesk(n, s, args.rounds))
    base = asyncio.run(bench_baseline(n, s, args.rounds))
    print(f"\n{n} connections ({s} subscribed), {args.rounds} fan-outs, 1 server process each")
    header = f"{'server':<22}{'idle RSS':>10}{'KB/conn':>9}{'connect':>9}{'p50 ms':>9}"
    header += f"{'p99 ms':>9}{'max ms':>9}{'delivered':>13}"
    print(header)
    print("-" * len(header))
    for name, f in (("orderdesk /ws", ours), ("bare websockets", base)):
        print(
            f"{name:<22}{f.rss_idle_mb:>8.0f}MB{f.rss_per_conn_kb:>9.1f}{f.connect_s:>8.1f}s"
            f"{f.p50_ms:>9.1f}{f.p99_ms:>9.1f}{f.max_ms:>9.1f}{f.delivered:>7}/{f.expected}"
        )
    print(
        f"\nratio orderdesk / baseline: p99 {ours.p99_ms / base.p99_ms:.1f}×, "
        f"memory per connection {ours.rss_per_conn_kb / base.rss_per_conn_kb:.1f}×"
    )
    print(f"target p99 < 500 ms: {'met' if ours.p99_ms < 500 else 'NOT met'}")


if __name__ == "__main__":
    main()
