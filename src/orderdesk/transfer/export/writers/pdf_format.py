"""PDF: a readable landscape table (fpdf2) in DejaVu Sans, shipped with the package.

The header row repeats on every page, the footer numbers the pages. Nothing is cut: cells
wrap at spaces, a word wider than its column is set in a smaller type, the page widens when
the columns need more than A4 and grows taller for a row longer than a page, so the table
reads back (pdfplumber) with every cell's text. What a PDF cannot carry is whitespace: line
breaks, tabs and runs of spaces read back as one space. Memory grows with the page count,
so the service caps PDF exports at `export_pdf_max_rows` rows.
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
LINE_HEIGHT = 3.4
FONT_SIZE = 7.5
# Smallest type for a long word: still extracted as text; lines keep MIN_STEP apart so the
# reader (pdfplumber, 3 pt tolerance) never merges two lines.
MIN_FONT_SIZE = 1.0
MIN_STEP = 1.5
A4_HEIGHT, A4_WIDTH = 210.0, 297.0
MARGIN = 10.0
BOTTOM = 14.0  # room for the footer
# Millimetres per unit of column weight at least (a weight-1 column holds ~14 digits).
MIN_UNIT = 24.0
RIGHT_ALIGNED = frozenset({"int", "decimal"})


def _moment(value: Any) -> str | None:
    """A datetime in full (UTC, ISO 8601 with a space): the PDF must not round it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment: datetime = value.astimezone(UTC) if value.tzinfo else value
        return moment.isoformat(sep=" ")
    return str(value)


def _step(size: float) -> float:
    """Line distance for a font size."""
    return max(LINE_HEIGHT * size / FONT_SIZE, MIN_STEP)


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

    def __init__(self, writer: PdfWriter, width: float) -> None:
        super().__init__(orientation="P", unit="mm", format=(width, A4_HEIGHT))
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
        measure = FPDF(unit="mm")
        measure.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        measure.set_font(FAMILY, "B", FONT_SIZE)
        self._labels = [" ".join(c.label(options.lang).split()) for c in columns]
        self._widths = self._column_widths(measure)
        width = max(A4_WIDTH, sum(self._widths) + 2 * MARGIN)
        self._pdf = pdf = _Document(self, width)
        pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self._glyphs = set(getattr(pdf.fonts[FAMILY.lower()], "cmap", ()))
        self._labels = [self._clean(label) for label in self._labels]
        self._align = ["R" if c.kind in RIGHT_ALIGNED else "L" for c in columns]
        self._count = 0

    def _column_widths(self, measure: FPDF) -> list[float]:
        """Widths by the columns' weights, at least MIN_UNIT mm per unit of weight (the page
        widens beyond A4 when it must), and every label's longest word fits."""
        weights = [c.width for c in self._columns]
        usable = A4_WIDTH - 2 * MARGIN
        unit = max(usable / sum(weights), MIN_UNIT)
        padding = 2 * measure.c_margin + 0.5
        widths = []
        for weight, label in zip(weights, self._labels, strict=True):
            longest = max((measure.get_string_width(w) for w in label.split()), default=0.0)
            widths.append(max(weight * unit, longest + padding))
        return widths

    def _clean(self, text: str) -> str:
        """Words separated by single spaces, characters the font lacks shown as `?`."""
        if "\n" in text or "\r" in text or "\t" in text or "  " in text:
            text = " ".join(text.split())
        if not text.isascii():
            glyphs = self._glyphs
            text = "".join(ch if ord(ch) in glyphs else "?" for ch in text)
        return text

    def _size_for(self, text: str, width: float) -> float:
        """The font size at which the cell's longest word fits its column (wrapping never
        breaks a word: the reader would read the break as a space)."""
        pdf = self._pdf
        room = width - 2 * pdf.c_margin - 0.2
        measured = max((pdf.get_string_width(word) for word in text.split()), default=0.0)
        if measured <= room:
            return FONT_SIZE
        return max(MIN_FONT_SIZE, int(FONT_SIZE * room / measured * 10) / 10)

    def _layout(self, texts: list[str]) -> tuple[list[tuple[float, list[str]]], float]:
        """Each cell's font size and lines, and the row's height."""
        pdf = self._pdf
        cells: list[tuple[float, list[str]]] = []
        height = ROW_HEIGHT
        for text, width in zip(texts, self._widths, strict=True):
            if not text:
                cells.append((FONT_SIZE, []))
                continue
            if pdf.get_string_width(text) <= width - 2 * pdf.c_margin - 0.2:
                cells.append((FONT_SIZE, [text]))  # the usual case: one line, no layout
                continue
            size = self._size_for(text, width)
            # Widths scale with the size: measure at FONT_SIZE against a scaled room.
            room = (width - 2 * pdf.c_margin - 0.2) * FONT_SIZE / size
            lines = self._wrap(text, room)
            cells.append((size, lines))
            height = max(height, len(lines) * _step(size) + 1.6)
        return cells, height

    def _wrap(self, text: str, room: float) -> list[str]:
        """Lines of whole words (the text has single spaces), each as wide as fits."""
        measure = self._pdf.get_string_width
        space = measure(" ")
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in text.split():
            width = measure(word)
            if current and used + space + width > room:
                lines.append(" ".join(current))
                current, used = [word], width
            else:
                used = used + space + width if current else width
                current.append(word)
        lines.append(" ".join(current))
        return [part for line in lines for part in self._split(line, room)]

    def _split(self, line: str, room: float) -> list[str]:
        """A line that is one word too wide even in the smallest type, cut to fit (the one
        case a PDF changes a text: the reader reads each cut as a space)."""
        measure = self._pdf.get_string_width
        if measure(line) <= room:
            return [line]
        parts: list[str] = []
        start, used = 0, 0.0
        for index, char in enumerate(line):
            width = measure(char)
            if index > start and used + width > room:
                parts.append(line[start:index])
                start, used = index, 0.0
            used += width
        parts.append(line[start:])
        return parts

    def _draw(
        self, texts: list[str], height: float, cells: list[tuple[float, list[str]]], fill: bool
    ) -> None:
        pdf = self._pdf
        x, y = pdf.l_margin, pdf.get_y()
        for (size, lines), width, side in zip(cells, self._widths, self._align, strict=True):
            pdf.rect(x, y, width, height, style="DF" if fill else "D")
            if lines:
                pdf.set_font_size(size)
                step = _step(size)
                for number, line in enumerate(lines):
                    pdf.set_xy(x, y + 0.8 + number * step)
                    pdf.cell(width, step, line, align=side)
            x += width
        pdf.set_font_size(FONT_SIZE)
        pdf.set_xy(pdf.l_margin, y + height)

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
        cells, height = self._layout(self._labels)
        self._draw(self._labels, height, cells, fill=True)
        pdf.set_font(FAMILY, "", FONT_SIZE)

    def start(self) -> bytes:
        # fpdf2 restores the font in use before a page break once the header is drawn.
        self._pdf.set_font(FAMILY, "", FONT_SIZE)
        self._pdf.add_page()
        return b""

    def write(self, rows: Sequence[Any]) -> bytes:
        pdf, row = self._pdf, self._row
        pdf.set_fill_color(245, 245, 245)
        for raw in rows:
            texts = ["" if value is None else self._clean(value) for value in row(raw)]
            cells, height = self._layout(texts)
            if pdf.get_y() + height > pdf.h - BOTTOM:
                self._new_page(height)
                pdf.set_fill_color(245, 245, 245)
            self._draw(texts, height, cells, fill=self._count % 2 == 1)
            self._count += 1
        return b""

    def _new_page(self, row_height: float) -> None:
        """A page of the usual size, or one tall enough for a row longer than a page."""
        pdf = self._pdf
        tall = MARGIN + 40 + row_height + BOTTOM
        pdf.add_page(format=(pdf.w, max(A4_HEIGHT, tall)))

    def finish(self) -> bytes:
        self._pdf.output(str(self._path))
        return b""
