"""Imports every reader module so their `@reader` registrations run."""

from orderdesk.transfer.formats import delimited, fixedwidth, jsonl  # noqa: F401  (text)
