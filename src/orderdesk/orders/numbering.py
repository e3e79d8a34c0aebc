"""Order numbers: a per-type format such as "R-{year}-{seq:05d}" over a counter per period."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


_PLAIN_SPEC = re.compile(r"(0?)(\d*)d?")


@dataclass(frozen=True, slots=True)
class NumberPattern:
    """A rendered format around its sequence number: `prefix`, the number padded, `suffix`.

    It lets the database render a number in the statement that takes its sequence value
    (`repository.number_write`), so no round trip separates taking the value from writing it.
    """

    prefix: str
    width: int
    fill: str  # "0" or " " (Python's padding of an int right-aligned to `width`)
    suffix: str

    def render(self, seq: int) -> str:
        return f"{self.prefix}{str(seq).rjust(self.width, self.fill)}{self.suffix}"

    def casefold(self) -> NumberPattern:
        """The pattern of the number's casefolded form (as search text stores it)."""
        return NumberPattern(self.prefix.casefold(), self.width, self.fill, self.suffix.casefold())


class _Seq:
    """Stands for the sequence number while a format renders: records its spec, leaves a mark."""

    MARK = "\x00"

    def __init__(self) -> None:
        self.specs: list[str] = []

    def __format__(self, spec: str) -> str:
        self.specs.append(spec)
        return self.MARK


def number_pattern(fmt: str, now: datetime) -> NumberPattern | None:
    """The format as a `NumberPattern` at `now`; None if the database cannot render it the
    same way: `{seq}` twice, a conversion, an alignment or a non-decimal spec, or text that
    would need escaping inside JSON (quotes, backslashes, control characters)."""
    seq = _Seq()
    try:
        rendered = fmt.format(
            seq=seq, year=now.year, yy=now.strftime("%y"), month=now.strftime("%m")
        )
    except (KeyError, ValueError, IndexError, AttributeError, TypeError):
        return None
    halves = rendered.split(_Seq.MARK)
    plain = _PLAIN_SPEC.fullmatch(seq.specs[0]) if len(seq.specs) == 1 else None
    if plain is None or len(halves) != 2:
        return None
    prefix, suffix = halves
    if any(ch in '"\\' or ord(ch) < 32 for ch in prefix + suffix):
        return None
    zero, width = plain.groups()
    return NumberPattern(prefix, int(width or 0), "0" if zero else " ", suffix)
