"""Columns to fields: normalised names, ru/en synonyms, header signatures, value converters."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from orderdesk.core.errors import FieldError, ValidationFailed
from orderdesk.transfer.export.sanitize import unescape_cell
from orderdesk.transfer.formats.base import Cell
from orderdesk.transfer.importing import seams
from orderdesk.transfer.importing.targets.base import FieldSpec, ParsedRow, Rejection

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_TRUE = frozenset({"1", "да", "yes", "y", "true", "истина", "+", "д", "on", "вкл"})
_FALSE = frozenset({"0", "нет", "no", "n", "false", "ложь", "-", "н", "off", "выкл"})
MAX_TEXT = 10_000
MAX_TAGS, MAX_TAG = 30, 50
# Formats whose export escapes formula-like text cells (`export/sanitize.py`).
ESCAPED_FORMATS = frozenset({"csv", "tsv"})
# Export columns an import derives or ignores (they still mark a file as an export).
DERIVED_KEYS: tuple[str, ...] = ("type", "customer_name", "updated_at", "subtotal", "vat_amount")
DERIVED_KEYS += ("total", "currency")
MEMOISED_KINDS = frozenset({"decimal", "integer", "date", "datetime", "boolean"})


class ConvertError(ValueError):
    """A cell that cannot become the field's type; `key` names the reason message."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def normalise(name: object) -> str:
    """Compare header names loosely: case, ё/е, punctuation and "№" do not matter."""
    text = str(name or "").casefold().replace("ё", "е").replace("№", " номер ")
    return " ".join(_NON_WORD.sub(" ", text).split())


def header_names(row: Sequence[Cell]) -> list[str]:
    """Header texts of a header row; empty cells are called "#N" (1-based column)."""
    names = []
    for index, cell in enumerate(row):
        text = "" if cell is None else str(cell).strip()
        names.append(text or f"#{index + 1}")
    return names


def signature(headers: Sequence[str]) -> str:
    """A file's header signature: the set of its normalised non-empty header names."""
    names = sorted({normalise(h) for h in headers if h and not h.startswith("#")} - {""})
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()


def auto_map(headers: Sequence[str], fields: Sequence[FieldSpec]) -> dict[str, str]:
    """Propose field → header: exact names first (field names, the export's column keys and
    labels, for every field), then labels and synonyms; each header is used once."""
    by_name: dict[str, str] = {}
    for header in headers:
        by_name.setdefault(normalise(header), header)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for exact in (True, False):
        for spec in fields:
            if spec.name in mapping:
                continue
            names = (spec.name, *spec.keys) if exact else (*spec.label.values(), *spec.synonyms)
            for candidate in names:
                found = by_name.get(normalise(candidate))
                if found is not None and found not in used:
                    mapping[spec.name] = found
                    used.add(found)
                    break
    return mapping


def export_names(fields: Sequence[FieldSpec]) -> frozenset[str]:
    """Normalised header names an orderdesk export of these fields can have."""
    from orderdesk.transfer.messages_export import COLUMN_LABELS

    names = {normalise(key) for key in DERIVED_KEYS}
    for key in DERIVED_KEYS:
        names.update(normalise(text) for text in COLUMN_LABELS.get(key, {}).values())
    for spec in fields:
        names.update(normalise(name) for name in spec.keys)
    return frozenset(names)


def is_own_export(
    source_format: str | None, headers: Sequence[str], fields: Sequence[FieldSpec]
) -> bool:
    """Whether a file is an orderdesk export whose text cells carry formula escapes.

    Only CSV/TSV exports escape, and only a header made entirely of export column keys or
    labels marks a file as one: in any other file a leading `'` is the user's own text.
    """
    if source_format not in ESCAPED_FORMATS:
        return False
    known = export_names(fields)
    present = [normalise(h) for h in headers if h and not h.startswith("#")]
    return bool(present) and all(name in known for name in present)


def resolve(
    mapping: dict[str, str], headers: Sequence[str], fields: Sequence[FieldSpec]
) -> dict[str, int]:
    """Field → column index; unknown fields or headers are a 422 naming them."""
    known = {spec.name for spec in fields}
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        index.setdefault(normalise(header), position)
    errors, resolved = [], {}
    for field_name, header in mapping.items():
        if field_name not in known:
            errors.append(FieldError(f"mapping.{field_name}", "import_unknown_field"))
        elif normalise(header) not in index:
            errors.append(
                FieldError(f"mapping.{field_name}", "import_unknown_column", column=header)
            )
        else:
            resolved[field_name] = index[normalise(header)]
    if errors:
        raise ValidationFailed(errors)
    return resolved


Converter = Callable[[Cell], Any]


def _text(limit: int | None, strip: bool = True) -> Converter:
    cap = min(limit or MAX_TEXT, MAX_TEXT)

    def convert(value: Cell) -> Any:
        if type(value) is str:  # the common case first: CSV cells are all text
            text = value.strip() if strip else value
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))  # Excel stores codes such as SKU 1001 as 1001.0
        elif isinstance(value, datetime | date | time):
            text = value.isoformat()
        else:
            text = str(value).strip() if strip else str(value)
        if len(text) > cap:
            raise ConvertError("import.too_long", limit=cap)
        return text

    return convert


def _list(value: Cell) -> list[str]:
    """Tags: a list (JSON) or comma-separated text; each part trimmed, empty parts dropped."""
    parts = value if isinstance(value, list) else str(value).split(",")
    found = [text for part in parts if (text := str(part).strip())]
    if len(found) > MAX_TAGS:
        raise ConvertError("import.too_long", limit=MAX_TAGS)
    if any(len(text) > MAX_TAG for text in found):
        raise ConvertError("import.too_long", limit=MAX_TAG)
    return found


def _decimal(value: Cell) -> Decimal:
    number = seams.plain_decimal(value) if type(value) is str else None
    if number is None:
        try:
            number = seams.parse_decimal(value)
        except ValueError:
            raise ConvertError("import.not_a_number") from None
    if abs(number) >= Decimal("1e14"):
        raise ConvertError("import.number_too_large")
    return number


def _integer(value: Cell) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        raise ConvertError("import.not_an_integer")
    return int(number)


def _date(value: Cell) -> date:
    try:
        return seams.parse_date(value)
    except (ValueError, TypeError):
        raise ConvertError("import.not_a_date") from None


def _datetime(value: Cell) -> datetime:
    try:
        return seams.parse_datetime(value)
    except (ValueError, TypeError):
        raise ConvertError("import.not_a_datetime") from None


def _boolean(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    raw = str(value).strip()
    text = raw if raw in ("+", "-") else normalise(raw)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConvertError("import.not_a_boolean")


def _enum(choices: dict[str, str]) -> Converter:
    shown = ", ".join(sorted(set(choices.values())))

    def convert(value: Cell) -> str:
        found = choices.get(normalise(value))
        if found is None:
            raise ConvertError("import.not_a_choice", choices=shown)
        return found

    return convert


def _memoised(convert: Converter, size: int = 4096) -> Converter:
    """Remember the results for recent cell texts: dates, quantities, prices and statuses repeat.

    Only results are kept (all immutable), never errors, so every bad cell is still reported.
    """
    cache: dict[str, Any] = {}

    def cached(value: Cell) -> Any:
        if type(value) is not str:
            return convert(value)
        found = cache.get(value, cache)
        if found is not cache:
            return found
        result = convert(value)
        if len(cache) >= size:
            cache.clear()
        cache[value] = result
        return result

    return cached


def converter_for(spec: FieldSpec) -> Converter:
    """The converter of a field, built once per import."""
    kinds: dict[str, Converter] = {
        "decimal": _decimal,
        "integer": _integer,
        "date": _date,
        "datetime": _datetime,
        "boolean": _boolean,
    }
    if spec.kind == "enum":
        return _memoised(_enum(spec.choices or {}))
    if spec.kind == "list":
        return _list
    found = kinds.get(spec.kind)
    if found is None:
        return _text(spec.max_length, spec.strip)
    # Only kinds whose results are immutable may be shared between rows.
    return _memoised(found) if spec.kind in MEMOISED_KINDS else found


class RowReader:
    """Turns raw rows into field values with precompiled per-column converters."""

    def __init__(
        self,
        fields: Sequence[FieldSpec],
        columns: dict[str, int],
        headers: Sequence[str],
        value_maps: dict[str, dict[str, Any]] | None = None,
        *,
        unescape: bool = False,
    ) -> None:
        specs = {spec.name: spec for spec in fields}
        # Undo the export's formula escapes (only in a file recognised as our own CSV export).
        self.unescape = unescape
        maps = {
            name: {normalise(src): dst for src, dst in (value_maps or {}).get(name, {}).items()}
            for name in columns
        }
        self.plan = [
            (
                name,
                index,
                headers[index],
                _cell_converter(converter_for(specs[name]), maps[name] or None, unescape),
            )
            for name, index in columns.items()
        ]
        self.required = [
            (spec.name, headers[columns[spec.name]] if spec.name in columns else spec.name)
            for spec in fields
            if spec.required
        ]
        self.columns = {name: headers[index] for name, index in columns.items()}
        self.width = max(columns.values(), default=-1) + 1

    def read(self, number: int, row: Sequence[Cell]) -> ParsedRow | list[Rejection]:
        """The row's values, or every reason it cannot be used."""
        values: dict[str, Any] = {}
        problems: list[Rejection] = []
        if len(row) < self.width:  # short rows only: the common row needs no padding
            row = [*row, *([None] * (self.width - len(row)))]
        for name, index, header, convert in self.plan:
            raw = row[index]
            # Blank cells are skipped: `not raw or raw.isspace()` is `not raw.strip()`, no copy.
            if raw is None or (isinstance(raw, str) and (not raw or raw.isspace())):
                continue
            try:
                values[name] = convert(raw)
            except ConvertError as exc:
                problems.append(Rejection.of(number, header, raw, exc.key, **exc.params))
        for name, header in self.required:
            if name not in values and not any(p.column == header for p in problems):
                problems.append(Rejection.of(number, header, None, "import.required"))
        return problems or ParsedRow(number, values, self.columns)


def _cell_converter(
    convert: Converter, value_map: dict[str, Any] | None, unescape: bool
) -> Converter:
    """One function per column: formula unescape, value map, then the field's converter."""
    if value_map is None and not unescape:
        return convert

    def converted(raw: Cell) -> Any:
        if unescape and isinstance(raw, str) and raw[:1] == "'":
            raw = unescape_cell(raw)
        if value_map is not None:
            raw = value_map.get(normalise(raw), raw)
        return convert(raw)

    return converted
