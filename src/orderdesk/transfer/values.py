"""Raw cells to typed values: numbers with spaces and decimal commas, Russian and ISO dates, yes/no.

Pure functions. Empty cells (None, "", spaces) give None; anything else either parses or raises
`InvalidValue`, whose `key` and `params` make the localised message the mapping layer shows.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orderdesk.transfer import messages  # noqa: F401  (registers the texts)

_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001  (serials are wall-clock values)
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31
_SIMPLE_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
# The common Russian spelling ("1 234,50", "12,5"): a fast path, same result as the full parse.
_COMMA_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:,\d+)?")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"\d{1,3}(?:X\d{3})+")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\u2007'’_")
_MINUSES = str.maketrans({"−": "-", "–": "-", "—": "-"})
_CURRENCY = re.compile(r"(?i)\s*(₽|руб\.?|р\.|сум|uzs|rub|usd|eur|\$|€)\s*")


class InvalidValue(ValueError):
    """A cell that does not parse as the wanted type; `key` + `params` give the message."""

    def __init__(self, kind: str, value: Any) -> None:
        self.kind = kind
        self.value = value
        self.key = f"transfer.value.{kind}"
        self.params = {"value": str(value)[:80]}
        super().__init__(f"{kind}: {value!r}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def plain_decimal(text: str) -> Decimal | None:
    """The common spellings only ("12.5", "1 234,50", "12,5"), else None: `parse_decimal`'s
    own fast paths, for callers that convert millions of cells (same results)."""
    if _SIMPLE_NUMBER.fullmatch(text):
        return Decimal(text)
    if _COMMA_NUMBER.fullmatch(text):
        return Decimal(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    return None


def parse_decimal(value: Any) -> Decimal | None:
    """ "1 234,50", "1\u00a0234.50", "1.234,50", "1,234.50", "(12,5)", "12,5 ₽" → Decimal."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise InvalidValue("decimal", value)
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue("decimal", value)
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise InvalidValue("decimal", value)
    text = value.strip()
    found = plain_decimal(text)
    if found is not None:
        return found
    number = _normalise_number(text)
    if number is None:
        raise InvalidValue("decimal", value)
    return Decimal(number)


def _normalise_number(text: str) -> str | None:
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting style negative
        negative, text = True, text[1:-1]
    text = _CURRENCY.sub("", text).translate(_SPACES).translate(_MINUSES)
    if text.endswith("-") and text[:-1].replace(",", "").replace(".", "").isdigit():
        negative, text = True, text[:-1]  # 1C writes "12,50-"
    if text.startswith("-") and negative:
        return None
    sign = ""
    if text[:1] in "+-" and text:
        sign, text = text[:1], text[1:]
    digits = _separators(text)
    if digits is None or not _NUMBER.fullmatch(digits):
        return None
    return ("-" if negative or sign == "-" else "") + digits


def _separators(text: str) -> str | None:
    """Which of "," and "." is the decimal point: the last of two kinds, or a single one."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        point = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if point == "," else ","
        whole, _, fraction = text.rpartition(point)
        if text.count(point) > 1 or not _GROUPED.fullmatch(whole.replace(group, "X")):
            return None
        return whole.replace(group, "") + "." + fraction
    mark, count = (",", commas) if commas else (".", dots)
    if count > 1:  # only a thousands separator repeats
        return text.replace(mark, "") if _GROUPED.fullmatch(text.replace(mark, "X")) else None
    return text.replace(",", ".")


def parse_int(value: Any) -> int | None:
    """A whole number, written as a decimal would be ("1 234", "12,0")."""
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise InvalidValue("integer", value)
    return int(number)


def parse_percent(value: Any) -> Decimal | None:
    """ "12,5%" → 0.125; a number without the sign is taken as the fraction itself."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = parse_decimal(value.strip()[:-1])
        return None if number is None else number / 100
    return parse_decimal(value)


_TRUE = frozenset(
    {"да", "д", "yes", "y", "true", "t", "1", "✓", "✔", "☑", "+", "x", "истина", "вкл", "on"}
)
_FALSE = frozenset(
    {"нет", "н", "no", "n", "false", "f", "0", "-", "✗", "✘", "☐", "ложь", "выкл", "off"}
)


def parse_bool(value: Any) -> bool | None:
    """да/нет, yes/no, 1/0, true/false, ✓ — in any case."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise InvalidValue("boolean", value)


def from_excel_serial(serial: float, kind: str = "datetime") -> datetime:
    """An Excel (1900 system) day number as a naive datetime."""
    if not 1 <= serial < _EXCEL_MAX_SERIAL + 1:
        raise InvalidValue(kind, serial)
    return _EXCEL_EPOCH + timedelta(days=serial)


_MONTH_WORDS = (
    "январь января янв jan january",
    "февраль февраля фев февр feb february",
    "март марта мар mar march",
    "апрель апреля апр apr april",
    "май мая may",
    "июнь июня июн jun june",
    "июль июля июл jul july",
    "август августа авг aug august",
    "сентябрь сентября сен сент sep sept september",
    "октябрь октября окт oct october",
    "ноябрь ноября ноя нояб nov november",
    "декабрь декабря дек dec december",
)
_MONTHS = {word: number for number, words in enumerate(_MONTH_WORDS, 1) for word in words.split()}
_TIME_TAIL = re.compile(
    r"(?:[ t]+|,\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*(z|[+-]\d{2}:?\d{2})?$"
)
_DATE_FORMS = (
    (re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})"), "ymd"),
    (re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4}|\d{2})"), "dmy"),
    (re.compile(r"(\d{1,2})\s+([^\W\d_]+)\.?,?\s+(\d{4})"), "d_month_y"),
    (re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})"), "month_d_y"),
)
# "31.12.2024" and "31.12.2024 14:30[:05]": a fast path, same result as the full parse.
_DMY_TIME = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_YEAR_WORD = re.compile(r"\s*(?:г\.?|года?)$")


def parse_date(value: Any) -> date | None:
    """01.02.2024, 01.02.24, 1 февраля 2024 г., 2024-02-01, Feb 1, 2024; Excel day numbers."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse(value, "date").date()


def parse_datetime(value: Any, tz: tzinfo | None = None) -> datetime | None:
    """A date with an optional time ("01.02.2024 14:30:05", ISO with an offset); `tz` for naive."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime.combine(value, time())
    else:
        result = _parse(value, "datetime")
    if tz is not None and result.tzinfo is None:
        result = result.replace(tzinfo=tz)
    return result


def _parse(value: Any, kind: str) -> datetime:
    if isinstance(value, bool):
        raise InvalidValue(kind, value)
    if isinstance(value, int | float | Decimal):
        # A numeric cell meant as a date is an Excel serial day number.
        return from_excel_serial(float(value), kind)
    if not isinstance(value, str):
        raise InvalidValue(kind, value)
    text = value.strip()
    short = _DMY_TIME.fullmatch(text)
    if short is not None:
        day, month, year, hour, minute, second = short.groups()
        try:
            # naive, as the full parse gives it: the caller decides the zone
            return datetime(  # noqa: DTZ001
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            raise InvalidValue(kind, value) from None
    if len(text) >= 10 and text[4] == "-":
        try:
            return datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            pass
    try:
        return _parse_text(text.lower())
    except (ValueError, KeyError, OverflowError):
        raise InvalidValue(kind, value) from None


def _parse_text(text: str) -> datetime:
    moment = time()
    tail = _TIME_TAIL.search(text)
    if tail:
        text = text[: tail.start()]
        moment = _time_of(tail)
    day = _date_of(_YEAR_WORD.sub("", text.strip()))
    return datetime.combine(day, moment, tzinfo=moment.tzinfo)


def _time_of(match: re.Match[str]) -> time:
    hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0").ljust(6, "0"))
    zone_info: tzinfo | None = None
    if zone:
        if zone == "z":
            zone_info = UTC
        else:
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            zone_info = timezone(-offset if zone[0] == "-" else offset)
    return time(int(hour), int(minute), int(second or 0), micro, tzinfo=zone_info)


def _date_of(text: str) -> date:
    for pattern, form in _DATE_FORMS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        a, b, c = match.groups()
        if form == "ymd":
            return date(int(a), int(b), int(c))
        if form == "dmy":
            return date(_year(c), int(b), int(a))
        if form == "d_month_y":
            return date(int(c), _MONTHS[b], int(a))
        return date(int(c), _MONTHS[a], int(b))
    raise ValueError(text)


def _year(text: str) -> int:
    """Two-digit years: 00–68 are 2000–2068, 69–99 are 1969–1999 (the POSIX pivot)."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 69 else 1900
    return year


def time_zone(name: str) -> tzinfo:
    """An IANA time zone by name ("Europe/Moscow", "UTC"); ValueError for anything else."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone: {name[:64]}") from None
