"""API benchmark: orderdesk (1 worker, PostgreSQL, shop demo) vs bare Starlette + asyncpg.

Both servers run under uvicorn (uvloop, httptools) against the same database and answer the same
requests with the same queries (bearer token check + session lookup, then the order queries) and
JSON shape. `wrk` (installed from Debian if missing) drives each scenario at 64 connections, then
orderdesk alone at 256 connections to show it keeps answering without errors.

Run:  .venv/bin/python benchmarks/api.py [--duration 10] [--keep-db]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "orderdesk_bench"
PG_BENCH = f"postgresql://postgres@127.0.0.1:5432/{DB}"
SECRET = "benchmark-secret-key-that-is-long-enough-123456"
PASSWORD = "Load-Test-Passphrase-77"
ORDERDESK_PORT, BASELINE_PORT = 18101, 18102


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers plus connect/read/write errors
    requests: int
    timeouts: int = 0  # requests wrk gave up on (no answer within its --timeout)
    cpu_us: float = 0.0  # server CPU time (user + system) per request: robust on a busy machine


def sh(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk from Debian …")
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "wrk"],
        check=True,
        capture_output=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or "wrk"


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)


def prepare_database(env: dict[str, str]) -> None:
    psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB}"')
    started = time.perf_counter()
    sh(str(BIN / "orderdesk"), "migrate", "upgrade", env=env)
    print(sh(str(BIN / "orderdesk"), "demo", "--blueprint", "shop", env=env).strip())
    # Planner statistics, as autovacuum would have gathered them on a server that ran a while
    # (this machine's PostgreSQL runs with autovacuum off); the same for both servers.
    subprocess.run(["psql", PG_BENCH, "-q", "-c", "ANALYZE"], check=True, capture_output=True)
    sh(
        str(BIN / "orderdesk"),
        "createadmin",
        "--username",
        "bench",
        "--password",
        PASSWORD,
        env=env,
    )
    print(f"database ready in {time.perf_counter() - started:.1f} s")


def start(app: str, port: int, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    cmd = [
        str(BIN / "uvicorn"),
        app,
        *extra,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/orders/1", timeout=1)
        except urllib.error.HTTPError:
            return proc  # it answers (401 without a token)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def login() -> str:
    body = json.dumps({"username": "bench", "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{ORDERDESK_PORT}/api/v1/auth/login",
        body,
        {"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return str(json.load(response)["access_token"])


def first_item_id() -> int:
    out = sh(
        "psql",
        PG_BENCH,
        "-tAc",
        "SELECT id FROM items WHERE status='active' AND (stock IS NULL OR stock > 1000000) "
        "ORDER BY id LIMIT 1",
    )
    if out.strip():
        return int(out)
    # give one item effectively unlimited stock so creates never run out
    out = sh(
        "psql",
        PG_BENCH,
        "-tAc",
        "UPDATE items SET stock = NULL WHERE id = (SELECT min(id) FROM items "
        "WHERE status='active') RETURNING id",
    )
    return int(out.strip().splitlines()[0])


def order_body(item_id: int) -> str:
    """The JSON of the order every create request posts."""
    return json.dumps(
        {
            "order_type": "order",
            "attributes": {"delivery_type": "pickup"},
            "lines": [{"item_id": item_id, "quantity": "1"}],
        }
    )


def lua_script(kind: str, token: str, max_order: int, item_id: int) -> str:
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    if kind == "get":
        return auth + (
            f"request = function()\n  return wrk.format('GET', '/api/v1/orders/' .. "
            f"math.random(1, {max_order}))\nend\n"
        )
    if kind == "list":
        return auth + "wrk.path = '/api/v1/orders?limit=50'\n"
    body = order_body(item_id)
    return auth + (
        "wrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n"
        f"wrk.body = '{body}'\n"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    wrk: str, port: int, script: str, connections: int, duration: int, pid: int | None = None
) -> Result:
    path = "/api/v1/orders"
    cpu_before = cpu_seconds(pid) if pid else 0.0
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        f.write(
            "\ndone = function(summary, latency, requests)\n"
            "  io.write(string.format('BADSTATUS %d\\n', summary.errors.status))\nend\n"
        )
    out = sh(
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        f.name,
        f"http://127.0.0.1:{port}{path}",
    )
    os.unlink(f.name)
    result = parse_wrk(out)
    if pid and result.requests:
        result.cpu_us = (cpu_seconds(pid) - cpu_before) / result.requests * 1e6
    return result


def run_ab(kind: str, port: int, token: str, item_id: int, duration: int) -> tuple[float, float]:
    """p50 and p99 (ms) as recorded by ApacheBench: every request's own latency, no correction.

    wrk 4 "corrects" its histogram for coordinated omission (`stats_correct`: every latency
    above twice the mean interval per connection adds synthetic samples), which in this
    closed-loop test inflates the tail of the server with the wider spread; ab keeps what it
    measured. Same 64 keep-alive connections; get reads one order, create posts one body.
    """
    ab = shutil.which("ab")
    if ab is None:
        return float("nan"), float("nan")
    path = {"get": "/api/v1/orders/1", "list": "/api/v1/orders?limit=50"}.get(
        kind, "/api/v1/orders"
    )
    args = [
        ab,
        "-q",
        "-k",
        "-c64",
        f"-t{duration}",
        "-n10000000",
        "-H",
        f"Authorization: Bearer {token}",
    ]
    with tempfile.TemporaryDirectory() as work:
        if kind == "create":
            body = Path(work) / "order.json"
            body.write_text(order_body(item_id))
            args += ["-p", str(body), "-T", "application/json"]
        url = f"http://127.0.0.1:{port}{path}"
        out = subprocess.run([*args, url], capture_output=True, text=True).stdout
    found = dict(re.findall(r"^\s+(\d+)%\s+(\d+)", out, re.MULTILINE))
    return float(found.get("50", "nan")), float(found.get("99", "nan"))


def _ms(text: str) -> float:
    found = re.match(r"([\d.]+)(\w+)", text)
    if found is None:
        raise RuntimeError(f"unexpected wrk latency {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> Result:
    if "Requests/sec" not in out or "50%" not in out:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = int(re.search(r"BADSTATUS (\d+)", out).group(1))  # type: ignore[union-attr]
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    timeouts = 0
    if sock:
        connect, read, write, timeouts = (int(x) for x in sock.groups())
        errors += connect + read + write
    return Result(rps, p50, p99, errors, requests, timeouts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--keep-db", action="store_true", help="reuse the prepared database")
    args = parser.parse_args()
    wrk = ensure_wrk()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}"
    env = {
        **os.environ,
        "ORDERDESK_DATABASE_URL": url,
        "ORDERDESK_SECRET_KEYS": SECRET,
        "ORDERDESK_LOG_LEVEL": "WARNING",
        "ORDERDESK_ACCESS_TOKEN_TTL_SECONDS": "7200",
        "ORDERDESK_LOGIN_RATE_PER_IP": "1000/minute",
        # the same pool as the baseline's asyncpg pool (40 connections, no churn)
        "ORDERDESK_DATABASE_POOL_SIZE": "40",
        "ORDERDESK_DATABASE_MAX_OVERFLOW": "0",
        "BASELINE_DSN": f"postgresql://postgres@127.0.0.1:5432/{DB}",
        "BASELINE_SECRET": SECRET,
    }
    if not args.keep_db:
        prepare_database(env)
    item_id = first_item_id()
    servers = {
        "orderdesk": start("orderdesk.app:create_app", ORDERDESK_PORT, env, "--factory"),
        "baseline": start("benchmarks.baseline_app:app", BASELINE_PORT, env),
    }
    try:
        token = login()
        rows = []
        recorded: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
        for kind, label in (
            ("get", "GET /orders/{id}"),
            ("list", "GET /orders?limit=50"),
            ("create", "POST /orders"),
        ):
            script = lua_script(kind, token, 10_000, item_id)
            ours = run_wrk(wrk, ORDERDESK_PORT, script, 64, args.duration, servers["orderdesk"].pid)
            base = run_wrk(wrk, BASELINE_PORT, script, 64, args.duration, servers["baseline"].pid)
            rows.append((label, ours, base))
            recorded[label] = (
                run_ab(kind, ORDERDESK_PORT, token, item_id, args.duration),
                run_ab(kind, BASELINE_PORT, token, item_id, args.duration),
            )
        stress = {
            kind: run_wrk(
                wrk, ORDERDESK_PORT, lua_script(kind, token, 10_000, item_id), 256, args.duration
            )
            for kind in ("get", "create")
        }
    finally:
        for proc in servers.values():
            stop(proc)
    print_table(rows, stress)
    print_recorded(recorded)


def print_recorded(recorded: dict[str, tuple[tuple[float, float], tuple[float, float]]]) -> None:
    print("\nrecorded latency (ab -k -c64, same servers, no coordinated-omission correction)")
    header = f"{'scenario':<22}{'p50 od/base ms':>18}{'p99 od/base ms':>18}{'p99 ratio':>10}"
    print(header)
    print("-" * len(header))
    for label, ((p50, p99), (base50, base99)) in recorded.items():
        print(
            f"{label:<22}{f'{p50:.0f}/{base50:.0f}':>18}{f'{p99:.0f}/{base99:.0f}':>18}"
            f"{p99 / base99 if base99 else float('nan'):>10.2f}"
        )


def print_table(rows: list[tuple[str, Result, Result]], stress: dict[str, Result]) -> None:
    print("\n1 uvicorn worker each, PostgreSQL, 64 connections (wrk -t1), shop demo data")
    print("(wrk's p50/p99 include its coordinated-omission correction; see the ab table below)")
    header = (
        f"{'scenario':<22}{'orderdesk RPS':>14}{'baseline RPS':>14}{'ratio':>7}"
        f"{'p50 od/base ms':>18}{'p99 od/base ms':>18}{'p99 ratio':>10}{'errors':>8}"
        f"{'CPU µs/req od/base':>20}{'CPU ratio':>10}"
    )
    print(header)
    print("-" * len(header))
    for label, ours, base in rows:
        print(
            f"{label:<22}{ours.rps:>14.0f}{base.rps:>14.0f}{ours.rps / base.rps:>7.2f}"
            f"{f'{ours.p50_ms:.1f}/{base.p50_ms:.1f}':>18}"
            f"{f'{ours.p99_ms:.1f}/{base.p99_ms:.1f}':>18}"
            f"{ours.p99_ms / base.p99_ms:>10.2f}{f'{ours.errors}/{base.errors}':>8}"
            f"{f'{ours.cpu_us:.0f}/{base.cpu_us:.0f}':>20}"
            f"{base.cpu_us / ours.cpu_us if ours.cpu_us else 0:>10.2f}"
        )
    print("\norderdesk alone at 256 connections")
    for kind, res in stress.items():
        print(
            f"  {kind:<8} {res.rps:>8.0f} RPS  p99 {res.p99_ms:.1f} ms  "
            f"requests {res.requests}  errors {res.errors}  timeouts(10 s) {res.timeouts}"
        )


if __name__ == "__main__":
    main()
