"""Order numbers: a per-type format such as "R-{year}-{seq:05d}" over a counter per period."""

from __future__ import annotations

from datetime import datetime
from string import Formatter

from orderdesk.core.errors import FieldError, ValidationFailed

_SAMPLE = {"seq": 1, "year": 2026, "yy": "26", "month": "01"}


def check_number_format(fmt: str) -> None:
    """Reject formats without {seq} or with unknown placeholders."""
    try:
        # Only bare names: "{seq[0]}" or "{month.upper}" would fail or render garbage later.
        names = {name for _, name, _, _ in Formatter().parse(fmt) if name is not None}
        rendered = fmt.format(**_SAMPLE)
    except (KeyError, ValueError, IndexError, AttributeError, TypeError) as exc:
        raise ValidationFailed([FieldError("number_format", "number_format")]) from exc
    if "seq" not in names or not names <= _SAMPLE.keys() or len(rendered) > 64:
        raise ValidationFailed([FieldError("number_format", "number_format")])


def period_of(fmt: str, now: datetime) -> str:
    """The counter period: numbering restarts each month or year if the format shows it."""
    if "{month" in fmt:
        return now.strftime("%Y-%m")
    if "{year" in fmt or "{yy" in fmt:
        return now.strftime("%Y")
    return ""


def render_number(fmt: str, seq: int, now: datetime) -> str:
    return fmt.format(seq=seq, year=now.year, yy=now.strftime("%y"), month=now.strftime("%m"))
