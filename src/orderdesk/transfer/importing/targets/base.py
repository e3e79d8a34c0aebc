"""What every import target provides: its fields, keys, reference lookups and bulk write."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.i18n import both
from orderdesk.core.permissions import Permission, Principal
from orderdesk.transfer import messages_import  # noqa: F401  (registers the texts)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field a column can be mapped to; `kind` picks the converter."""

    name: str
    kind: str  # text, decimal, integer, date, datetime, boolean, enum, list
    label: dict[str, str]
    synonyms: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    # enum: accepted spellings (normalised) → stored value
    choices: dict[str, str] | None = None
    # Exact names matched before any label or synonym: the export's column key and labels.
    keys: tuple[str, ...] = ()
    # Surrounding whitespace is dropped, as the API drops it; off for free texts that keep it.
    strip: bool = True


@dataclass(slots=True)
class Rejection:
    """Why a row was refused: where (row, column), the value, and the reason in ru and en."""

    row: int
    column: str
    value: str
    reason: dict[str, str]

    @classmethod
    def of(cls, row: int, column: str, value: Any, key: str, **params: Any) -> Rejection:
        shown = "" if value is None else str(value)
        return cls(row, column, shown[:200], both(key, **params))

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(slots=True)
class ParsedRow:
    """A row converted to field values, with the file row number(s) it came from."""

    number: int
    values: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)  # field → header, for messages


@dataclass(slots=True)
class ChunkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RunOptions:
    mode: str = "insert"  # insert | upsert | skip
    key: str | None = None
    type_code: str | None = None
    source: str = "import"


class Target(ABC):
    """One kind of record an import creates; instances live for one import run."""

    name: ClassVar[str]
    keys: ClassVar[tuple[str, ...]]
    permission: ClassVar[Permission]
    update_permission: ClassVar[Permission]

    def __init__(self, session: AsyncSession, principal: Principal, options: RunOptions) -> None:
        self.session = session
        self.principal = principal
        self.options = options
        self.fields: list[FieldSpec] = []
        self.mapped: frozenset[str] = frozenset()  # the fields the file has columns for

    @property
    def key(self) -> str:
        return self.options.key or self.keys[0]

    @abstractmethod
    async def load(self) -> None:
        """Read the type and reference data this run needs; fill `self.fields`."""

    @abstractmethod
    async def process(self, rows: list[ParsedRow], *, write: bool) -> ChunkResult:
        """Check one chunk against the database and the mode; write it unless `write` is off."""
