"""Spreadsheet formula injection: CSV text cells that a spreadsheet would run are neutralised.

OWASP (CSV Injection) lists the characters that start a formula in Excel, LibreOffice and
Google Sheets: `=`, `+`, `-`, `@`, tab, carriage return and line feed. Some of them also
evaluate a cell whose formula follows leading spaces, so those count too. Such a cell gets a
leading `'`, which every spreadsheet shows as text. A text that already starts with `'`
followed by such a cell gets one more `'`, so `unescape_cell` restores every value exactly.
The importer applies it only to files it recognises as our own CSV exports
(`importing.mapping.is_own_export`); anywhere else a leading `'` is the user's text.
"""

from __future__ import annotations

FORMULA_STARTS = frozenset("=+-@\t\r\n")
# Leading characters some spreadsheets skip before looking for a formula.
SKIPPED = " \u00a0"


def _starts_formula(text: str) -> bool:
    first = text[:1]
    if first in FORMULA_STARTS and first:
        return True
    if first and first in SKIPPED:
        rest = text.lstrip(SKIPPED)[:1]
        return bool(rest) and rest in FORMULA_STARTS
    return False


def needs_escape(text: str) -> bool:
    """Whether a text cell would be read as a formula (or looks like an escaped one)."""
    if _starts_formula(text):
        return True
    return text[:1] == "'" and needs_escape(text[1:])


# First characters of every text escape_cell may change.
TRIGGERS = FORMULA_STARTS | frozenset(SKIPPED) | {"'"}


def escape_cell(text: str) -> str:
    """The text as a spreadsheet shows it, never as a formula it would run."""
    if text[:1] in TRIGGERS and needs_escape(text):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo `escape_cell` (for re-importing an export)."""
    if text[:1] == "'" and needs_escape(text[1:]):
        return text[1:]
    return text
