"""Read the cells of an XLSX file's first sheet with the standard library (for assertions)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_rows(path: Path) -> list[list[str]]:
    """Every row of sheet 1 as text: shared, inline and number cells alike."""
    with zipfile.ZipFile(path) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{NS['m']}}}row"):
        cells: dict[int, str] = {}
        for cell in row.findall("m:c", NS):
            column = _column(cell.get("r", "A1"))
            kind = cell.get("t")
            if kind == "inlineStr":
                cells[column] = "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
            else:
                value = cell.findtext("m:v", default="", namespaces=NS)
                cells[column] = shared[int(value)] if kind == "s" else value
        rows.append([cells.get(i, "") for i in range(max(cells, default=-1) + 1)])
    return rows


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters is not None
    number = 0
    for char in letters.group():
        number = number * 26 + ord(char) - 64
    return number - 1
