import time
from pathlib import Path

import pytest

from orderdesk.core.i18n import t
from orderdesk.transfer.formats.base import FormatError, Limits, TooLarge
from orderdesk.transfer.formats.sandbox import RecordWriter, run_limited, sheets_from_records

TARGETS = "tests.transfer.formats.sandbox_targets"


def test_run_limited_returns_what_the_function_returns():
    assert run_limited(f"{TARGETS}:add", [2, 3], Limits(), name="x") == 5


def test_function_looping_forever_is_stopped_by_the_cpu_limit():
    started = time.monotonic()
    with pytest.raises(TooLarge) as caught:
        run_limited(f"{TARGETS}:loop_forever", [], Limits(parser_cpu_seconds=1), name="a.pdf")
    assert caught.value.detail_key == "transfer.parser_cpu"
    assert "a.pdf" in t(caught.value.detail_key, "en", **caught.value.params)
    assert time.monotonic() - started < 30


def test_function_allocating_too_much_is_stopped_by_the_memory_limit():
    limits = Limits(parser_memory_bytes=400 * 1024 * 1024)
    with pytest.raises(TooLarge) as caught:
        run_limited(f"{TARGETS}:allocate", [2048], limits, name="big.pdf")
    assert caught.value.detail_key == "transfer.parser_memory"
    assert caught.value.status == 413


def test_allocation_within_the_memory_limit_succeeds():
    limits = Limits(parser_memory_bytes=400 * 1024 * 1024)
    assert run_limited(f"{TARGETS}:allocate", [16], limits) == 16 * 1024 * 1024


def test_child_that_hangs_without_cpu_is_killed_at_the_wall_clock():
    started = time.monotonic()
    with pytest.raises(TooLarge) as caught:
        run_limited(f"{TARGETS}:sleep_forever", [], Limits(), name="slow.doc", wall_seconds=3)
    assert caught.value.detail_key == "transfer.parser_timeout"
    assert time.monotonic() - started < 10


def test_format_error_in_the_child_reaches_the_parent_with_its_text():
    with pytest.raises(FormatError) as caught:
        run_limited(f"{TARGETS}:refuse", ["bad.pdf"], Limits())
    assert caught.value.status == 422
    assert "bad.pdf" in t(caught.value.detail_key, "ru", **caught.value.params)


def test_unexpected_exception_in_the_child_becomes_a_format_error():
    with pytest.raises(FormatError) as caught:
        run_limited(f"{TARGETS}:crash", [], Limits(), name="odd.pdf")
    assert caught.value.detail_key == "transfer.parser_failed"
    assert "KeyError" in caught.value.params["reason"]


def test_records_come_back_as_sheets_even_when_one_is_left_unread(tmp_path: Path):
    path = tmp_path / "rows.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        writer = RecordWriter(handle)
        writer.sheet("a.pdf/стр. 1/табл. 1")
        writer.row(["Товар", "Цена"])
        writer.row(["Болт", None])
        writer.sheet("a.pdf/стр. 2/табл. 1")
        writer.row(["Гайка", "3,10"])
    sheets = sheets_from_records(path)
    first = next(sheets)
    assert first.name == "a.pdf/стр. 1/табл. 1"
    assert next(first.rows) == ["Товар", "Цена"]
    second = next(sheets)  # the rest of the first sheet is skipped, not mixed in
    assert list(second.rows) == [["Гайка", "3,10"]]
    assert list(sheets) == []
