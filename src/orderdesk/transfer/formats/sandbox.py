"""Run an untrusted-input parser in a child process bounded in CPU time, memory and wall time.

The child is a fresh `python -c` process (no fork of a threaded server) that sets its own
rlimits before touching the file, so a parser bug or a hostile PDF can burn at most its own
budget. Results come back as JSON: a small return value in `result.json`, and bulk rows as
JSON lines written by `RecordWriter` and read back lazily by `sheets_from_records`.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from orderdesk.transfer import messages_binary  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import (
    FormatError,
    Limits,
    Row,
    Sheet,
    TooLarge,
    UnsupportedFormat,
)

_BOOT = (
    "import sys; from orderdesk.transfer.formats.sandbox import child_main; child_main(sys.argv[1])"
)
_ERRORS: dict[str, type[FormatError]] = {
    "FormatError": FormatError,
    "TooLarge": TooLarge,
    "UnsupportedFormat": UnsupportedFormat,
}
_CPU_SIGNALS = {signal.SIGXCPU, signal.SIGKILL}
_MEMORY_HINTS = re.compile(
    r"failed to map segment|cannot allocate memory|memory allocation of \d+ bytes failed",
    re.IGNORECASE,
)


def run_limited(
    fn_path: str,
    args: Sequence[Any],
    limits: Limits,
    *,
    name: str = "",
    wall_seconds: float | None = None,
) -> Any:
    """Call `module:function(*args)` in a limited child process and return its JSON result."""
    wall = wall_seconds if wall_seconds is not None else 2 * limits.parser_cpu_seconds + 10
    with tempfile.TemporaryDirectory(prefix="orderdesk-sandbox-") as workdir:
        job = {
            "fn": fn_path,
            "args": list(args),
            "cpu": limits.parser_cpu_seconds,
            "memory": limits.parser_memory_bytes,
            "fsize": limits.max_unpacked_bytes,
        }
        Path(workdir, "job.json").write_text(json.dumps(job), encoding="utf-8")
        returncode = _run_child(workdir, wall, name)
        return _outcome(Path(workdir), returncode, limits, name)


def _run_child(workdir: str, wall: float, name: str) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    with open(Path(workdir, "stderr.txt"), "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, workdir],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
            start_new_session=True,  # its own process group, so converters it starts die with it
        )
        try:
            returncode = process.wait(timeout=wall)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise TooLarge("transfer.parser_timeout", name=name, seconds=int(wall)) from None
        _kill_group(process)  # grandchildren left behind by a converter
        return returncode


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _outcome(workdir: Path, returncode: int, limits: Limits, name: str) -> Any:
    result_path = workdir / "result.json"
    if result_path.exists() and result_path.stat().st_size <= 16 * 1024 * 1024:
        try:
            payload = json.loads(result_path.read_text(encoding="utf-8"))
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            return _payload_result(payload, limits, name)
    if -returncode in _CPU_SIGNALS:
        raise TooLarge("transfer.parser_cpu", name=name, seconds=limits.parser_cpu_seconds)
    if -returncode == signal.SIGABRT and _MEMORY_HINTS.search(_stderr_tail(workdir)):
        # A native parser (calamine) aborts the process when an allocation fails.
        raise TooLarge("transfer.parser_memory", name=name, limit=limits.parser_memory_bytes)
    if -returncode == signal.SIGXFSZ:
        raise TooLarge(
            "transfer.unpacked_too_large", name=name, member="-", limit=limits.max_unpacked_bytes
        )
    reason = f"exit {returncode}"
    raise FormatError("transfer.parser_failed", name=name, reason=reason)


def _stderr_tail(workdir: Path) -> str:
    """The start and end of the child's stderr (a backtrace may follow the message)."""
    try:
        with (workdir / "stderr.txt").open("rb") as handle:
            head = handle.read(8192)
            handle.seek(0, os.SEEK_END)
            handle.seek(max(len(head), handle.tell() - 4096))
            return (head + handle.read()).decode("utf-8", "replace")
    except OSError:
        return ""


def _payload_result(payload: dict[str, Any], limits: Limits, name: str) -> Any:
    if "ok" in payload:
        return payload["ok"]
    kind = payload.get("error")
    if kind == "memory":
        raise TooLarge("transfer.parser_memory", name=name, limit=limits.parser_memory_bytes)
    if kind == "format":
        error_class = _ERRORS.get(str(payload.get("class")), FormatError)
        params = payload.get("params") or {}
        raise error_class(str(payload.get("key")), **params)
    raise FormatError("transfer.parser_failed", name=name, reason=str(payload.get("reason")))


def child_main(workdir: str) -> None:
    """Entry point of the child: limit itself, run the function, write result.json."""
    job = json.loads(Path(workdir, "job.json").read_text(encoding="utf-8"))
    _limit_self(int(job["cpu"]), int(job["memory"]), int(job["fsize"]))
    payload: dict[str, Any]
    try:
        module_name, _, function_name = str(job["fn"]).partition(":")
        function = getattr(importlib.import_module(module_name), function_name)
        payload = {"ok": function(*job["args"])}
    except MemoryError:
        payload = {"error": "memory"}
    except FormatError as exc:
        kind = type(exc).__name__ if type(exc).__name__ in _ERRORS else "FormatError"
        payload = {"error": "format", "class": kind, "key": exc.detail_key, "params": exc.params}
    except Exception as exc:  # the parser's own failure on a bad file, reported, not raised
        payload = {"error": "crash", "reason": f"{type(exc).__name__}: {exc}"[:300]}
        if isinstance(exc, ImportError | OSError) and _MEMORY_HINTS.search(str(exc)):
            payload = {"error": "memory"}  # a library could not even be mapped under RLIMIT_AS
    Path(workdir, "result.json").write_text(json.dumps(payload, default=str), encoding="utf-8")


def _limit_self(cpu_seconds: int, memory_bytes: int, file_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 2))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class RecordWriter:
    """Writes sheets and rows as JSON lines, for a child to hand bulk results to its parent."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def sheet(self, name: str) -> None:
        self._handle.write(json.dumps(["sheet", name], ensure_ascii=False) + "\n")

    def row(self, row: Row) -> None:
        self._handle.write(json.dumps(["row", row], ensure_ascii=False, default=str) + "\n")


def sheets_from_records(path: Path) -> Iterator[Sheet]:
    """Yield the sheets a `RecordWriter` wrote, each row read only when asked for."""
    with path.open(encoding="utf-8") as handle:
        cursor = _Cursor(handle)
        name = cursor.next_sheet()
        while name is not None:
            yield Sheet(name=name, rows=cursor.rows())
            name = cursor.next_sheet()


class _Cursor:
    """Shared position in the records file; sheets must be read in order."""

    def __init__(self, handle: IO[str]) -> None:
        self._lines = iter(handle)
        self._pending: str | None = None
        self._in_rows = False

    def rows(self) -> Iterator[Row]:
        self._in_rows = True
        for line in self._lines:
            kind, value = json.loads(line)
            if kind == "sheet":
                self._pending = value
                break
            yield value
        self._in_rows = False

    def next_sheet(self) -> str | None:
        if self._in_rows or self._pending is None:
            for _ in self.rows():  # skip rows of a sheet the caller left unread
                pass
        name, self._pending = self._pending, None
        return name


def caps_of(limits: Limits) -> dict[str, int]:
    """The limits a child checks while it writes rows (JSON-safe)."""
    return {
        "max_rows": limits.max_rows,
        "max_columns": limits.max_columns,
        "max_cell_chars": limits.max_cell_chars,
        "max_sheets": limits.max_sheets,
    }


def check_row(row: Row, label: str, number: int, caps: dict[str, int], *, sheets: int = 0) -> None:
    """Raise TooLarge when a row, its cells or the sheet count break the caps."""
    if sheets > caps["max_sheets"]:
        raise TooLarge("transfer.too_many_sheets", name=label, limit=caps["max_sheets"])
    if number > caps["max_rows"]:
        raise TooLarge("transfer.sheet_too_many_rows", sheet=label, limit=caps["max_rows"])
    if len(row) > caps["max_columns"]:
        raise TooLarge(
            "transfer.sheet_too_many_columns",
            sheet=label,
            row=number,
            count=len(row),
            limit=caps["max_columns"],
        )
    for column, cell in enumerate(row, start=1):
        if isinstance(cell, str) and len(cell) > caps["max_cell_chars"]:
            raise TooLarge(
                "transfer.sheet_cell_too_long",
                sheet=label,
                row=number,
                column=column,
                limit=caps["max_cell_chars"],
            )
