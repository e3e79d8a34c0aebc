"""PDF: a readable landscape table (fpdf2) in DejaVu Sans, shipped with the package.

The header row repeats on every page, the footer numbers the pages, long texts are cut with
an ellipsis to keep one line per row. Memory grows with the page count, so the service caps
PDF exports at `export_pdf_max_rows` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from orderdesk.core.i18n import t
from orderdesk.transfer.export.columns import Column, Formatter, compile_row
from orderdesk.transfer.export.writers.base import (
    WriterOptions,
    as_bool_text,
    as_decimal_comma,
    as_decimal_text,
    as_list_text,
)

FONTS = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "DejaVu"
ROW_HEIGHT = 5.0
FONT_SIZE = 7.5
RIGHT_ALIGNED = frozenset({"int", "decimal"})


def _moment(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment: datetime = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M")
    return str(value).replace("T", " ")[:16]


def formatter(kind: str, options: WriterOptions) -> Formatter:
    if kind == "decimal":
        return as_decimal_comma if options.decimal_comma else as_decimal_text
    if kind == "datetime":
        return _moment
    if kind == "bool":
        return as_bool_text
    return as_list_text


class _Document(FPDF):
    """An A4 landscape page with the table header on top and page numbers below."""

    def __init__(self, writer: PdfWriter) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.writer = writer

    def header(self) -> None:
        self.writer.draw_header()

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, "", 7)
        text = t("export.page", self.writer.options.lang, page=self.page_no(), pages="{nb}")
        self.cell(0, 5, text, align="C")


class PdfWriter:
    blocking = True

    def __init__(self, columns: Sequence[Column], options: WriterOptions, path: Path) -> None:
        self.options = options
        self._path = path
        self._columns = columns
        self._row = compile_row(columns, [formatter(c.kind, options) for c in columns])
        self._pdf = pdf = _Document(self)
        pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        pdf.set_auto_page_break(False)
        pdf.set_margins(10, 10, 10)
        self._glyphs = set(getattr(pdf.fonts[FAMILY.lower()], "cmap", ()))
        self._align = ["R" if c.kind in RIGHT_ALIGNED else "L" for c in columns]
        self._labels = [self._clean(c.label(options.lang)) for c in columns]
        self._widths = self._column_widths()
        self._count = 0

    def _column_widths(self) -> list[float]:
        """Widths by the columns' weights, widened so that every header label fits if it can."""
        pdf = self._pdf
        usable = pdf.w - pdf.l_margin - pdf.r_margin
        pdf.set_font(FAMILY, "B", FONT_SIZE)
        needed = [pdf.get_string_width(label) + 2 * pdf.c_margin + 0.5 for label in self._labels]
        weights = [c.width for c in self._columns]
        widths = [usable * w / sum(weights) for w in weights]
        if sum(needed) > usable:
            return widths
        for _ in range(len(widths)):
            short = [i for i, (w, n) in enumerate(zip(widths, needed, strict=True)) if w < n]
            if not short:
                break
            lacking = sum(needed[i] - widths[i] for i in short)
            for i in short:
                widths[i] = needed[i]
            # The wider columns give up the room in proportion to what they have to spare.
            spare = {i: widths[i] - needed[i] for i in range(len(widths)) if i not in short}
            total_spare = sum(spare.values())
            for i, room in spare.items():
                widths[i] -= lacking * room / total_spare
        return widths

    def _clean(self, text: str) -> str:
        """One line, with characters the font lacks shown as `?` (instead of blanks)."""
        if "\n" in text or "\r" in text or "\t" in text:
            text = " ".join(text.split())
        if not text.isascii():
            glyphs = self._glyphs
            text = "".join(ch if ord(ch) in glyphs else "?" for ch in text)
        return text

    def _fit(self, text: str, width: float) -> str:
        room = width - 2 * self._pdf.c_margin
        measured = self._pdf.get_string_width(text)
        if measured <= room:
            return text
        keep = max(0, int(len(text) * room / measured))
        while keep > 0 and self._pdf.get_string_width(text[:keep] + "…") > room:
            keep -= 1
        return text[:keep] + "…"

    def draw_header(self) -> None:
        pdf = self._pdf
        if pdf.page_no() == 1 and self.options.title:
            pdf.set_font(FAMILY, "B", 12)
            pdf.cell(0, 7, self._clean(self.options.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FAMILY, "", 8)
            pdf.cell(0, 5, self._clean(self.options.subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
        pdf.set_font(FAMILY, "B", FONT_SIZE)
        pdf.set_fill_color(225, 225, 225)
        for label, width in zip(self._labels, self._widths, strict=True):
            pdf.cell(width, ROW_HEIGHT + 1, self._fit(label, width), border=1, fill=True)
        pdf.ln(ROW_HEIGHT + 1)
        pdf.set_font(FAMILY, "", FONT_SIZE)

    def start(self) -> bytes:
        # fpdf2 restores the font in use before a page break once the header is drawn.
        self._pdf.set_font(FAMILY, "", FONT_SIZE)
        self._pdf.add_page()
        return b""

    def write(self, rows: Sequence[Any]) -> bytes:
        pdf, row, widths, align = self._pdf, self._row, self._widths, self._align
        pdf.set_fill_color(245, 245, 245)
        for raw in rows:
            if pdf.get_y() + ROW_HEIGHT > pdf.h - 14:
                pdf.add_page()
                pdf.set_fill_color(245, 245, 245)
            shade = self._count % 2 == 1
            for value, width, side in zip(row(raw), widths, align, strict=True):
                text = "" if value is None else self._fit(self._clean(value), width)
                pdf.cell(width, ROW_HEIGHT, text, border=1, align=side, fill=shade)
            pdf.ln(ROW_HEIGHT)
            self._count += 1
        return b""

    def finish(self) -> bytes:
        self._pdf.output(str(self._path))
        return b""
