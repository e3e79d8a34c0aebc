"""The state price-base XML shape (ГЭСН/ФЕР/ФСБЦ-like): sections → works → resources.

One row per resource, carrying its work's code, name and unit and its section's code and name
(the innermost section, plus the path of all section names). Fields are read from attributes
(`Code="01-01-001-01"`) or from child elements (`<Code>…</Code>`), under Russian or English
names; a work group (`NameGroup BeginName="Разработка грунта"`) prefixes its works' `EndName`,
as the ГЭСН files split their long names. ФСБЦ-style catalogues (resources straight under
sections) give rows with empty work columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orderdesk.transfer.formats.base import Cell, Limits, Row, TooLarge
from orderdesk.transfer.formats.xml import (
    RESOURCE_TAGS,
    SECTION_TAGS,
    WORK_TAGS,
    local,
    parse,
    release,
)

HEADER: Row = [
    "section_code",
    "section_name",
    "section_path",
    "work_code",
    "work_name",
    "work_unit",
    "resource_code",
    "resource_name",
    "resource_unit",
    "resource_quantity",
    "resource_price",
]
GROUP_TAGS = frozenset({"namegroup", "group", "группа"})
ALIASES = {
    "code": ("code", "код", "шифр", "shifr", "number"),
    "name": ("name", "endname", "наименование", "название", "title", "beginname"),
    "unit": ("measureunit", "unit", "units", "едизм", "ед_изм", "единица", "unitname"),
    "quantity": ("quantity", "qty", "consumption", "расход", "количество", "norm"),
    "price": ("price", "cost", "цена", "стоимость", "basecost", "sum"),
}
_ALIAS_OF = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_PRICE_CHILDREN = frozenset({"price", "prices", "цена", "цены", "cost"})


@dataclass(slots=True)
class Scope:
    """An open section, work group or work, with the fields read so far."""

    kind: str
    fields: dict[str, str] = field(default_factory=dict)
    end_name: bool = False


def price_base_rows(path: Path, limits: Limits) -> Iterator[Row]:
    """The header row, then one row per resource with its work and section carried along."""
    yield list(HEADER)
    scopes: list[Scope | None] = []
    number = 1
    for event, element, _ in parse(path, limits, ("start", "end")):
        kind = _kind(local(element))
        if event == "start":
            scopes.append(_open(kind, element) if kind != "resource" else None)
            continue
        scopes.pop()
        if kind == "resource":
            number += 1
            if number > limits.max_rows:
                raise TooLarge("transfer.too_many_rows", limit=limits.max_rows)
            yield _row(scopes, _fields_of(element), limits, number)
            release(element)
        elif kind is None and len(element) == 0 and scopes and scopes[-1] is not None:
            _child_field(scopes[-1], element)
        elif kind is not None:
            release(element)


def _kind(name: str) -> str | None:
    lowered = name.lower()
    if lowered in SECTION_TAGS:
        return "section"
    if lowered in WORK_TAGS:
        return "work"
    if lowered in GROUP_TAGS:
        return "group"
    if lowered in RESOURCE_TAGS:
        return "resource"
    return None


def _open(kind: str | None, element: Any) -> Scope | None:
    if kind is None:
        return None
    scope = Scope(kind)
    for key, value in element.attrib.items():
        lowered = key.rpartition("}")[2].lower()
        target = _ALIAS_OF.get(lowered)
        if target and target not in scope.fields:
            scope.fields[target] = value.strip()
            scope.end_name = scope.end_name or (target == "name" and lowered == "endname")
    return scope


def _child_field(scope: Scope, element: Any) -> None:
    """`<Section><Code>01</Code><Name>…</Name>` — fields given as child elements."""
    lowered = local(element).lower()
    target = _ALIAS_OF.get(lowered)
    text = (element.text or "").strip()
    if target and text and target not in scope.fields:
        scope.fields[target] = text
        scope.end_name = scope.end_name or (target == "name" and lowered == "endname")


def _fields_of(element: Any) -> dict[str, str]:
    """A resource's fields from its attributes, its children and a nested price element."""
    scope = _open("resource", element) or Scope("resource")
    for child in element.iter():
        if child is element or not isinstance(child.tag, str):
            continue
        name = local(child).lower()
        if name in _PRICE_CHILDREN:
            if "price" not in scope.fields:
                _price_from(scope, child)
        elif len(child) == 0 and name in _ALIAS_OF and child.getparent() is element:
            _child_field(scope, child)
    return scope.fields


def _price_from(scope: Scope, element: Any) -> None:
    for key in ("Cost", "Price", "Value", "Цена", "Стоимость", "cost", "price", "value"):
        if key in element.attrib:
            scope.fields["price"] = element.attrib[key].strip()
            return
    text = (element.text or "").strip()
    if text:
        scope.fields["price"] = text


def _row(scopes: list[Scope | None], resource: dict[str, str], limits: Limits, number: int) -> Row:
    open_scopes = [scope for scope in scopes if scope is not None]
    sections = [scope for scope in open_scopes if scope.kind == "section"]
    work = next((scope for scope in reversed(open_scopes) if scope.kind == "work"), None)
    group = next((scope for scope in reversed(open_scopes) if scope.kind == "group"), None)
    section = sections[-1].fields if sections else {}
    work_fields = work.fields if work else {}
    work_name = work_fields.get("name")
    if work and work.end_name and group and group.fields.get("name"):
        work_name = f"{group.fields['name']} {work_name or ''}".strip()
    path = " / ".join(scope.fields["name"] for scope in sections if scope.fields.get("name"))
    row: list[Cell] = [
        section.get("code"),
        section.get("name"),
        path or None,
        work_fields.get("code"),
        work_name,
        work_fields.get("unit"),
        resource.get("code"),
        resource.get("name"),
        resource.get("unit"),
        resource.get("quantity"),
        resource.get("price"),
    ]
    for column, cell in zip(HEADER, row, strict=True):
        if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
            limit = limits.max_cell_chars
            raise TooLarge("transfer.cell_too_long", row=number, column=column, limit=limit)
    return row
