"""Imports every reader module so their `@reader` registrations run."""

from orderdesk.transfer.formats import (  # noqa: F401  (imported for their registrations)
    archive,
    delimited,
    doc,
    docx,
    fixedwidth,
    jsonl,
    pdf,
    spreadsheet,
    xml,
)
