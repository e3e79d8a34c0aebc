"""A worker process killed with SIGKILL mid-job: the job is recovered and its effect lands once.

Server shape (PostgreSQL + Redis): `orderdesk worker` processes. Embedded shape (SQLite): the
API process runs the jobs itself, is killed, and the restarted process finishes them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from orderdesk.container import Container
from orderdesk.jobs import service
from tests.jobs.conftest import wait_for_job
from tests.jobs.kinds import effects

pytestmark = pytest.mark.system
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def process_env(container: Container, database_url: str) -> dict[str, str]:
    settings = container.settings
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ORDERDESK_DATABASE_URL": database_url,
        "ORDERDESK_SECRET_KEYS": settings.secret_keys[0],
        "ORDERDESK_REDIS_NAMESPACE": settings.redis_namespace,
        "ORDERDESK_JOB_MODULES": "tests.jobs.kinds",
        "ORDERDESK_JOBS_HEARTBEAT_SECONDS": "0.3",
        "ORDERDESK_JOBS_STALE_AFTER_SECONDS": "1.5",
        "ORDERDESK_JOBS_SWEEP_INTERVAL_SECONDS": "0.3",
        "ORDERDESK_LOG_LEVEL": "WARNING",
    }
    env.pop("ORDERDESK_REDIS_URL", None)
    if settings.redis_url:
        env["ORDERDESK_REDIS_URL"] = settings.redis_url
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Start = Callable[[], subprocess.Popen[bytes]]


@pytest.fixture
async def processes(container: Container, database_url: str) -> AsyncIterator[Start]:
    """Start job-running processes of the current shape; every one is killed at the end."""
    env = process_env(container, database_url)
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        if container.settings.redis_url:
            cmd = [str(BIN / "orderdesk"), "worker"]
        else:
            cmd = [
                str(BIN / "uvicorn"), "orderdesk.app:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(free_port()), "--log-level", "warning",
            ]  # fmt: skip
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


async def enqueue_without_running(container: Container, **kwargs: object) -> int:
    """Commit a job from a process that does not run jobs (as an API process in the server)."""
    sender = Container.build(container.settings, run_jobs=False)
    try:
        async with sender.write_sessions() as session:
            job = await service.enqueue(session, **kwargs)  # type: ignore[arg-type]
            await session.commit()
            job_id = job.id
        await sender.jobs.stop()
    finally:
        await sender.close()
    return job_id


async def test_a_job_whose_worker_is_killed_mid_way_runs_again_and_lands_once(
    container: Container, processes: Start
) -> None:
    first = processes()
    job_id = await enqueue_without_running(
        container, kind="test.effect", params={"steps": 60, "step_seconds": 0.1}
    )
    running = await wait_for_job(container, job_id, "running", timeout=30)
    await asyncio.sleep(0.5)  # the effect row is written, not committed

    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    processes()
    job = await wait_for_job(container, job_id, timeout=60)

    assert job["status"] == "succeeded"
    assert job["attempts"] == 2
    async with container.read_sessions() as session:
        assert await effects(session, job_id) == 1
    assert running["attempts"] == 1
