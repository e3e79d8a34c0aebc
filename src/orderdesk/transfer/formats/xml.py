"""XML: repeating record elements become rows; the state price-base shape has its own flattening.

Parsing is lxml `iterparse` with entities unresolved, no network, no DTD loading and libxml2's
size caps on; any DOCTYPE is refused outright (entity bombs and external entities live there).
Elements are cleared as soon as they are used, so memory stays flat on large files. The file is
read up to three times: a survey (which element repeats, price-base shape or not), the keys of
the records (the header row) and the rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from orderdesk.transfer.formats.base import (
    FormatError,
    Limits,
    ReadContext,
    Sheet,
    TooLarge,
    reader,
)
from orderdesk.transfer.formats.jsonl import Record, rows_from_records

SECTION_TAGS = frozenset({"section", "chapter", "раздел", "глава", "сборник", "отдел"})
WORK_TAGS = frozenset({"work", "norm", "rate", "работа", "расценка", "норма"})
RESOURCE_TAGS = frozenset({"resource", "ресурс", "material", "материал"})


_LOCAL_NAMES: dict[str, str] = {}


@dataclass(slots=True)
class Survey:
    """What one pass over the file found: how often each element with fields repeats."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    price_base: bool = False


def local(element: Any) -> str:
    """The tag without its namespace; comments and processing instructions give ""."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 10_000:
            _LOCAL_NAMES[tag] = name
    return name


def parse(
    path: Path, limits: Limits, events: tuple[str, ...], tag: str | None = None
) -> Iterator[tuple[str, Any, int]]:
    """lxml's (event, element, depth), hardened and bounded.

    With `tag`, only that element's events reach Python (much faster); depth is then 0 and
    libxml2's own cap (256 levels without `huge_tree`) bounds nesting instead of ours.
    """
    parser = etree.iterparse(
        str(path),
        events=events,
        tag=None if tag is None else f"{{*}}{tag}",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth, max_depth, first = 0, limits.max_depth, True
    try:
        for event, element in parser:
            if first:
                _refuse_doctype(element)
                first = False
            if event == "start" and tag is None:
                depth += 1
                if depth > max_depth:
                    where = f"<{local(element)}>"
                    raise TooLarge("transfer.too_deep", limit=max_depth, where=where)
            yield event, element, depth
            if event == "end" and tag is None:
                depth -= 1
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else "?"
        raise FormatError("transfer.xml_invalid", line=line, reason=exc.msg) from None


def _refuse_doctype(root: Any) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise FormatError("transfer.xml_doctype")


def release(element: Any) -> None:
    """Free a handled element and the siblings before it, keeping memory flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def survey(path: Path, limits: Limits) -> Survey:
    """Count elements that have fields (attributes or children) by (parent, tag)."""
    found = Survey()
    stack: list[str] = []
    open_scopes = 0
    for event, element, _ in parse(path, limits, ("start", "end")):
        name = local(element)
        if event == "start":
            lowered = name.lower()
            if lowered in SECTION_TAGS or lowered in WORK_TAGS:
                open_scopes += 1
            elif lowered in RESOURCE_TAGS and open_scopes:
                found.price_base = True
            stack.append(name)
            continue
        stack.pop()
        lowered = name.lower()
        if lowered in SECTION_TAGS or lowered in WORK_TAGS:
            open_scopes -= 1
        if len(element) or element.attrib:
            found.counts[(stack[-1] if stack else "", name)] += 1
        # Children are counted already; only this element's existence matters to its parent.
        del element[:]
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
    return found


def record_tag(found: Survey) -> str:
    """The most frequent element with fields that is not the document's root."""
    candidates = [(count, key) for key, count in found.counts.items() if key[0]]
    if not candidates:
        raise FormatError("transfer.xml_no_records")
    return max(candidates, key=lambda item: item[0])[1][1]


@reader("xml")
def read_xml(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """One sheet: the price-base rows, or the chosen record element's fields."""
    from orderdesk.transfer.formats.pricebase import price_base_rows

    limits, options = context.limits, context.options
    shape, tag = options.get("shape"), options.get("record")
    if shape is None and tag is None:
        found = survey(path, limits)
        shape = "price_base" if found.price_base else None
        tag = None if shape else record_tag(found)
    if shape == "price_base":
        yield Sheet(context.filename, price_base_rows(path, limits))
        return
    chosen = str(tag)
    yield Sheet(context.filename, rows_from_records(lambda: _records(path, limits, chosen), limits))


def _records(path: Path, limits: Limits, tag: str) -> Iterator[Record]:
    number = 0
    inside = 0  # a record nested in a record is part of the outer one
    for event, element, _ in parse(path, limits, ("start", "end"), tag):
        if event == "start":
            inside += 1
            continue
        inside -= 1
        if inside:
            continue
        number += 1
        yield element_fields(element, limits, number)
        release(element)
    if not number:
        raise FormatError("transfer.xml_record_missing", record=tag)


def element_fields(element: Any, limits: Limits, number: int) -> Record:
    """Attributes and descendants' text as `child`, `child.grandchild`, `child.attribute`."""
    fields: dict[str, str] = {}
    _collect(fields, "", element)
    limit = limits.max_cell_chars
    for name, value in fields.items():
        if len(value) > limit:
            raise TooLarge("transfer.cell_too_long", row=number + 1, column=name, limit=limit)
    return dict(fields)


def _collect(fields: dict[str, str], prefix: str, element: Any) -> None:
    # Recursion is bounded by Limits.max_depth, checked while parsing.
    for key, value in element.attrib.items():
        _add(fields, prefix + key.rpartition("}")[2], value)
    for child in element:
        name = local(child)
        if not name:
            continue
        if len(child) or child.attrib:
            _collect(fields, f"{prefix}{name}.", child)
            text = (child.text or "").strip()
            if text:
                _add(fields, prefix + name, text)
        else:
            # A leaf's text is the value: its own spaces, tabs and line breaks are kept (the
            # importer trims the fields it trims); whitespace only is an empty value.
            text = child.text or ""
            _add(fields, prefix + name, text if text.strip() else "")


def _add(fields: dict[str, str], key: str, value: str) -> None:
    """Repeated fields (two <phone> children) are kept together, separated by "; "."""
    previous = fields.get(key)
    fields[key] = value if previous is None else f"{previous}; {value}"
