"""API shapes of imports and import profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from orderdesk.core.schemas import StrictModel
from orderdesk.transfer.values import time_zone

TargetName = Literal["items", "orders", "users"]
Mode = Literal["insert", "upsert", "skip"]
Header = Annotated[str, StringConstraints(min_length=1, max_length=300)]
ValueMaps = dict[
    Annotated[str, StringConstraints(max_length=100)],
    dict[Annotated[str, StringConstraints(max_length=300)], str],
]


def _known_zone(name: str) -> str:
    time_zone(name)  # ValueError for a name that is not an IANA zone
    return name


TimeZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_known_zone)
]
SheetName = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class ImportOptions(StrictModel):
    """How to read and apply a file; anything left out is proposed (profile or auto-mapping)."""

    target: TargetName
    type: str | None = Field(None, max_length=64, description="Item or order type code")
    mode: Mode = "insert"
    key: str | None = Field(None, max_length=64, description="Upsert/skip key: sku, number, …")
    partial: bool = Field(False, description="Commit the valid rows even if some are rejected")
    dry_run: bool = Field(False, description="Validate and count, commit nothing")
    mapping: dict[str, Header] | None = Field(None, description="Field → column header")
    value_maps: ValueMaps | None = Field(None, description='{"status": {"в работе": "work"}}')
    profile: str | None = Field(None, max_length=100, description="Use this saved profile")
    header_row: int | None = Field(None, ge=1, le=1000, description="1-based header row")
    sheet: int | None = Field(
        None, ge=0, le=255, description="Only this sheet (0-based); every sheet when left out"
    )
    sheet_mappings: dict[SheetName, dict[str, Header]] | None = Field(
        None, description="Sheet → its own mapping (commit stores what the preview checked)"
    )
    timezone: TimeZoneName | None = Field(
        None, description="IANA zone of datetimes without an offset (profile's, else UTC)"
    )
    save_profile: str | None = Field(None, min_length=1, max_length=100)


class DuplicateWarning(BaseModel):
    import_id: int
    created_at: datetime
    status: str
    message: str


class ImportOut(BaseModel):
    id: int
    original_name: str
    size: int
    sha256: str
    format: str | None
    target: str | None
    type_code: str | None
    mode: str
    key: str | None
    partial: bool
    dry_run: bool
    mapping: dict[str, Any]
    value_maps: dict[str, Any]
    profile_id: int | None
    status: str
    counts: dict[str, int]
    report: dict[str, Any]
    error: str | None
    job_id: int | None
    created_at: datetime
    finished_at: datetime | None
    duplicate_of: DuplicateWarning | None = None


class RowError(BaseModel):
    sheet: str
    row: int
    column: str
    value: str
    reason: str


class FieldOut(BaseModel):
    name: str
    label: str
    kind: str
    required: bool


class SheetOut(BaseModel):
    name: str
    included: bool
    reason: str | None
    header_row: int
    headers: list[str]
    rows: list[list[str]]
    mapping: dict[str, str]
    missing_fields: list[str]
    profile: dict[str, Any] | None


class SkippedOut(BaseModel):
    sheet: str
    reason: str


class PreviewOut(BaseModel):
    import_id: int
    format: str
    declared_format: str | None
    mismatch: bool
    encoding: str | None
    delimiter: str | None
    sheet: str
    header_row: int
    headers: list[str]
    rows: list[list[str]]
    fields: list[FieldOut]
    keys: list[str]
    mapping: dict[str, str]
    missing_fields: list[str]
    profile: dict[str, Any] | None
    timezone: str
    sheets: list[SheetOut]
    skipped: list[SkippedOut]
    notes: list[str]
    errors: list[RowError]
    counts: dict[str, int]
    duplicate_of: DuplicateWarning | None = None


class ProfileCreate(StrictModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    target: TargetName
    type: str | None = Field(None, max_length=64)
    headers: list[Header] = Field(..., min_length=1, max_length=512)
    mapping: dict[str, Header]
    value_maps: ValueMaps = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    timezone: TimeZoneName | None = Field(None, description="IANA zone of naive datetimes")


class ProfileOut(BaseModel):
    id: int
    name: str
    target: str
    type_code: str | None
    header_signature: str
    headers: list[str]
    mapping: dict[str, Any]
    value_maps: dict[str, Any]
    options: dict[str, Any]
    timezone: str | None = None
    created_at: datetime
    version: int
