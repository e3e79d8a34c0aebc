"""The columns of an export: stable keys, ru/en labels, value kinds, and compiled row functions.

A key is the field name an import maps back to (`sku`, `price`, `number`, `status`, …);
attributes are `attr.<name>`, order line fields `line.<field>`. The column order is part of
the contract: new columns are only ever appended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Literal

from orderdesk.core.errors import FieldError, ValidationFailed
from orderdesk.core.i18n import t
from orderdesk.transfer.messages_export import COLUMN_LABELS

Kind = Literal["text", "int", "decimal", "datetime", "date", "bool", "list"]
RowFunction = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Inline:
    """A formatter written into the row function: `template` uses `{x}` for the raw value and
    `v` for it once bound (`(v := {x})`); `names` are the globals the template refers to."""

    template: str
    names: tuple[tuple[str, Any], ...] = ()


Formatter = Callable[[Any], Any] | Inline


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    kind: Kind
    # A Python expression over the database row `r` that yields the raw value.
    source: str
    labels: dict[str, str]
    width: float = 1.0  # relative width in PDF and XLSX
    in_pdf: bool = False  # part of the PDF's default (readable) column set
    # Database columns hold their kind's Python type or None; attribute JSON may hold anything.
    typed: bool = True
    position: int | None = None  # the row position a field column is read from
    # The value arrives as its final text (PostgreSQL wrote it, see repository.render).
    rendered: bool = False

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.key


# (key, kind, relative width, in the PDF by default), in the order of the export.
ITEM_FIELDS: tuple[tuple[str, Kind, float, bool], ...] = (
    ("sku", "text", 1.2, True),
    ("name", "text", 3.0, True),
    ("type", "text", 1.0, True),
    ("category", "text", 1.4, True),
    ("unit", "text", 1.0, False),
    ("measure_unit", "text", 0.6, True),
    ("price", "decimal", 1.0, True),
    ("currency", "text", 0.6, True),
    ("stock", "decimal", 0.8, True),
    ("status", "text", 0.8, True),
    ("tags", "list", 1.2, False),
    ("description", "text", 3.0, False),
    ("archived_at", "datetime", 1.4, False),
    ("archive_reason", "text", 1.5, False),
    ("created_at", "datetime", 1.4, False),
    ("updated_at", "datetime", 1.4, False),
)
ORDER_FIELDS: tuple[tuple[str, Kind, float, bool], ...] = (
    ("number", "text", 1.3, True),
    ("type", "text", 0.9, False),
    ("status", "text", 1.0, True),
    ("channel", "text", 0.8, False),
    ("customer", "text", 1.2, True),
    ("customer_name", "text", 1.5, False),
    ("unit", "text", 1.0, False),
    ("external_source", "text", 1.0, False),
    ("external_ref", "text", 1.2, False),
    ("currency", "text", 0.6, False),
    ("subtotal", "decimal", 1.0, False),
    ("vat_amount", "decimal", 0.9, False),
    ("total", "decimal", 1.0, True),
    ("note", "text", 2.5, False),
    ("starts_at", "datetime", 1.4, False),
    ("ends_at", "datetime", 1.4, False),
    ("created_at", "datetime", 1.4, True),
    ("updated_at", "datetime", 1.4, False),
)
LINE_FIELDS: tuple[tuple[str, Kind, float, bool], ...] = (
    ("line.position", "int", 0.5, False),
    ("line.sku", "text", 1.1, True),
    ("line.name", "text", 2.5, True),
    ("line.measure_unit", "text", 0.6, False),
    ("line.quantity", "decimal", 0.8, True),
    ("line.unit_price", "decimal", 1.0, True),
    ("line.coefficient", "decimal", 0.8, False),
    ("line.amount", "decimal", 1.0, True),
)
ATTRIBUTE_KINDS: dict[str, Kind] = {
    "string": "text",
    "text": "text",
    "enum": "text",
    "integer": "int",
    "decimal": "decimal",
    "boolean": "bool",
    "date": "date",
    "datetime": "datetime",
}


def field_columns(fields: Sequence[tuple[str, Kind, float, bool]], offset: int = 0) -> list[Column]:
    """Columns read straight from row positions offset, offset + 1, …"""
    return [
        Column(key, kind, f"r[{offset + i}]", COLUMN_LABELS[key], width, pdf, position=offset + i)
        for i, (key, kind, width, pdf) in enumerate(fields)
    ]


def attribute_columns(schemas: Sequence[list[dict[str, Any]]], position: int) -> list[Column]:
    """One `attr.<name>` column per attribute name across the given types' schemas.

    The first type declaring a name gives its label; types disagreeing on its kind make it text.
    """
    found: dict[str, Column] = {}
    for schema in schemas:
        for spec in schema:
            name = str(spec["name"])
            kind = ATTRIBUTE_KINDS.get(str(spec.get("type", "string")), "text")
            known = found.get(name)
            if known is not None:
                if known.kind != kind:
                    found[name] = Column(
                        known.key, "text", known.source, known.labels, 1.2, typed=False
                    )
                continue
            labels = {k: str(v) for k, v in (spec.get("label") or {}).items()}
            # `_E` is an empty dict: a row whose attributes are NULL has no values.
            source = f"(r[{position}] or _E).get({name!r})"
            found[name] = Column(f"attr.{name}", kind, source, labels, 1.2, typed=False)
    return list(found.values())


def choose(columns: list[Column], keys: Sequence[str] | None, *, pdf: bool) -> list[Column]:
    """The requested columns in the requested order; by default all (PDF: its readable set)."""
    if not keys:
        return [c for c in columns if c.in_pdf] if pdf else columns
    by_key = {c.key: c for c in columns}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        choices = ", ".join(by_key)
        errors = [
            FieldError(
                "columns", "export_column", t("field.export_column", name=k, choices=choices)
            )
            for k in unknown
        ]
        raise ValidationFailed(errors)
    return [by_key[k] for k in dict.fromkeys(keys)]


def compile_row(
    columns: Sequence[Column],
    formatters: Sequence[Formatter | None],
    *,
    keys: Sequence[str] | None = None,
) -> RowFunction:
    """One function turning a database row into the output tuple (or dict with `keys`).

    Exports run this per row, hundreds of thousands of times a second: generating one flat
    expression per export removes a Python call and a loop per cell. Sources are built by
    this module only (indexes and repr()-quoted attribute names).
    """
    positions = [c.position for c in columns]
    if keys is None and len(columns) > 1 and not any(formatters) and None not in positions:
        # No cell needs Python: a C function picks the values (no Python frame per row).
        return itemgetter(*positions)
    env: dict[str, Any] = {"_E": {}}
    parts = []
    for i, (column, formatter) in enumerate(zip(columns, formatters, strict=True)):
        expr = column.source
        if isinstance(formatter, Inline):
            env.update(formatter.names)
            expr = formatter.template.format(x=expr)
        elif formatter is not None:
            env[f"_f{i}"] = formatter
            expr = f"_f{i}({expr})"
        parts.append(f"{keys[i]!r}: {expr}" if keys is not None else expr)
    body = "{" + ", ".join(parts) + "}" if keys is not None else "(" + ", ".join(parts) + ",)"
    function: RowFunction = eval(f"lambda r: {body}", env)  # noqa: S307 (see docstring)
    return function
