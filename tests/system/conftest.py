"""Real orderdesk processes for system tests: started with an environment, always killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

STOP_TIMEOUT = 10.0


@dataclass
class Process:
    """One child process and the file its stdout and stderr go to."""

    popen: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it does not exit within STOP_TIMEOUT; the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(STOP_TIMEOUT)
        return self.popen.returncode


Spawn = Callable[[list[str], dict[str, str]], Process]


@contextmanager
def processes(log_dir: Path) -> Iterator[Spawn]:
    """Start `python -m <args>` with extra environment; every process is stopped on exit."""
    started: list[Process] = []

    def start(args: list[str], env: dict[str, str]) -> Process:
        log_path = log_dir / f"process-{len(started)}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", *args],
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        process = Process(popen, log_path)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """Processes of one test."""
    with processes(tmp_path) as start:
        yield start


@pytest.fixture(scope="module")
def spawn_for_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Spawn]:
    """Processes shared by the tests of one module."""
    with processes(tmp_path_factory.mktemp("processes")) as start:
        yield start


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `check` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")
