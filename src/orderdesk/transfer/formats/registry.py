"""Imports every reader module so their `@reader` registrations run."""

from orderdesk.transfer.formats import delimited, fixedwidth, jsonl, xml  # noqa: F401  (text)
from orderdesk.transfer.formats import archive, doc, docx, pdf, spreadsheet  # noqa: F401
