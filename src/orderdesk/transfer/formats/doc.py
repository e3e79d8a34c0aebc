"""Legacy Word (.doc, OLE2) through a real converter run inside the sandbox.

antiword is preferred (small, draws tables as `|cell|cell|` lines we can split back), then
catdoc (cells separated by tabs), then LibreOffice headless (converted to DOCX, tables read
with python-docx). Without any of them the import stops with a clear "needs antiword" error.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from orderdesk.transfer import messages_binary  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import (
    FormatError,
    ReadContext,
    Row,
    Sheet,
    UnsupportedFormat,
    reader,
)
from orderdesk.transfer.formats.sandbox import (
    RecordWriter,
    caps_of,
    check_row,
    run_limited,
    sheets_from_records,
)

CONVERTERS = ("antiword", "catdoc", "soffice", "libreoffice")


def find_converters() -> list[str]:
    """The DOC converters installed on this machine, best first."""
    return [name for name in CONVERTERS if shutil.which(name)]


@reader("doc")
def read_doc(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """Tables of a .doc as sheets ("file.doc/табл. 1"), else its lines ("file.doc/текст")."""
    converters = find_converters()
    if not converters:
        raise UnsupportedFormat("transfer.doc_needs_converter")
    workdir = Path(tempfile.mkdtemp(prefix="orderdesk-doc-"))
    try:
        records = workdir / "rows.jsonl"
        run_limited(
            "orderdesk.transfer.formats.doc:convert_doc",
            [converters, str(path), str(records), context.filename, caps_of(context.limits)],
            context.limits,
            name=context.filename,
        )
        yield from sheets_from_records(records)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def convert_doc(
    converters: list[str], source: str, output: str, filename: str, caps: dict[str, int]
) -> str:
    """Child side: convert with the first converter that copes; returns the one used."""
    failure: FormatError | None = None
    for converter in converters:
        try:
            _convert_with(converter, source, output, filename, caps)
        except FormatError as exc:
            if exc.detail_key != "transfer.corrupt_file":
                raise  # a limit was hit: another converter would not change that
            failure = exc  # antiword refuses some files catdoc or LibreOffice read
            continue
        return converter
    raise failure or FormatError(
        "transfer.corrupt_file", name=filename, format="DOC", reason="no converter"
    )


def _convert_with(
    converter: str, source: str, output: str, filename: str, caps: dict[str, int]
) -> None:
    workdir = Path(output).parent
    with open(output, "w", encoding="utf-8") as handle:
        writer = RecordWriter(handle)
        if converter in ("soffice", "libreoffice"):
            converted = _via_office(converter, source, workdir, filename)
            _write_docx_tables(converted, writer, filename, caps)
            return
        text = workdir / "converted.txt"
        _run(_text_command(converter, source), text, filename)
        splitter = _pipe_cells if converter == "antiword" and _has_pipe_table(text) else None
        _write_text(text, writer, filename, caps, splitter)


def _text_command(converter: str, source: str) -> list[str]:
    if converter == "antiword":
        return ["antiword", "-m", "UTF-8.txt", "-w", "0", source]
    return ["catdoc", "-d", "utf-8", "-w", source]


def _run(command: list[str], target: Path, filename: str) -> None:
    with target.open("wb") as sink:
        done = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip()[:200] or f"exit {done.returncode}"
        raise FormatError("transfer.corrupt_file", name=filename, format="DOC", reason=reason)


def _is_pipe_row(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|")


def _has_pipe_table(text: Path) -> bool:
    with text.open(encoding="utf-8", errors="replace") as lines:
        return any(_is_pipe_row(line) for line in lines)


def _pipe_cells(line: str) -> Row:
    return [" ".join(cell.split()) or None for cell in line.strip()[1:-1].split("|")]


def _write_text(
    text: Path, writer: RecordWriter, filename: str, caps: dict[str, int], splitter: object
) -> None:
    """antiword tables → one sheet per table; otherwise one row per non-empty line (tabs split)."""
    label, number, tables, in_table = f"{filename}/текст", 0, 0, False
    if splitter is None:
        writer.sheet(label)
    with text.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if splitter is not None:
                if not _is_pipe_row(line):
                    in_table = False
                    continue
                if not in_table:
                    tables, number, in_table = tables + 1, 0, True
                    label = f"{filename}/табл. {tables}"
                    check_row([], filename, 0, caps, sheets=tables)
                    writer.sheet(label)
                row = _pipe_cells(line)
            elif line.strip():
                row = [" ".join(cell.split()) or None for cell in line.rstrip("\n").split("\t")]
            else:
                continue
            number += 1
            check_row(row, label, number, caps)
            writer.row(row)


def _via_office(converter: str, source: str, workdir: Path, filename: str) -> Path:
    profile = workdir / "profile"
    command = [
        converter,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--convert-to",
        "docx",
        "--outdir",
        str(workdir / "out"),
        source,
    ]
    _run(command, workdir / "office.log", filename)
    converted = list((workdir / "out").glob("*.docx"))
    if not converted:
        raise FormatError(
            "transfer.corrupt_file", name=filename, format="DOC", reason="not converted"
        )
    return converted[0]


def _write_docx_tables(
    path: Path, writer: RecordWriter, filename: str, caps: dict[str, int]
) -> None:
    import docx  # the child only

    for number, table in enumerate(docx.Document(str(path)).tables, start=1):
        label = f"{filename}/табл. {number}"
        check_row([], filename, 0, caps, sheets=number)
        writer.sheet(label)
        for row_number, row in enumerate(table.rows, start=1):
            cells: Row = [" ".join(cell.text.split()) or None for cell in row.cells]
            check_row(cells, label, row_number, caps)
            writer.row(cells)
