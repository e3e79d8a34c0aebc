"""Functions the sandbox tests run in a limited child process."""

from __future__ import annotations

import time

from orderdesk.transfer.formats.base import FormatError


def add(a: int, b: int) -> int:
    return a + b


def loop_forever() -> None:
    while True:
        pass


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def sleep_forever() -> None:
    time.sleep(3600)


def refuse(name: str) -> None:
    raise FormatError("transfer.corrupt_file", name=name, format="PDF", reason="no xref")


def crash() -> None:
    raise KeyError("trailer")
