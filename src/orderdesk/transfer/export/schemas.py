"""Export request shapes: the list filters of each target, the output options, the job."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from orderdesk.catalog.schemas import ItemStatus
from orderdesk.jobs.schemas import JobOut
from orderdesk.orders.schemas import Channel
from orderdesk.transfer.export.writers import ExportFormat

Target = Literal["items", "orders"]
DELIMITERS = {",": ",", ";": ";", "|": "|", "\t": "\t", "tab": "\t"}
Text = Annotated[str, StringConstraints(max_length=200)]


class ItemFilters(BaseModel):
    """The filters of `GET /api/v1/items`."""

    item_type_id: int | None = None
    category_id: int | None = None
    unit_id: int | None = None
    status: ItemStatus | None = None
    tag: Text | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: Text | None = Field(None, description="Search text")


class OrderFilters(BaseModel):
    """The filters of `GET /api/v1/orders`."""

    order_type_id: int | None = None
    status: Text | None = None
    customer_id: int | None = None
    unit_id: int | None = None
    channel: Channel | None = None
    external_ref: Text | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    q: Text | None = Field(None, description="Search text")


class ExportOptions(BaseModel):
    """How the file looks; every option has a default that re-imports as it is."""

    format: ExportFormat = Field(ExportFormat.csv, description="csv, json, ndjson, xml, xlsx, pdf")
    sort: str = Field(
        "id",
        max_length=40,
        pattern=r"^[-+]?[a-z_]+$",
        description="As in the list endpoint: a field, `-` for descending",
    )
    columns: str | None = Field(
        None,
        max_length=4000,
        description="Comma-separated column keys, in order (default: all; PDF: a readable set)",
    )
    header: Literal["keys", "labels"] | None = Field(
        None,
        description="Header row: column keys (default for CSV/JSON/XML) or ru/en labels "
        "(default for XLSX/PDF)",
    )
    delimiter: str = Field(",", description="CSV: `,` `;` `|` or `tab`")
    bom: bool = Field(False, description="CSV: start with a UTF-8 BOM (Excel on Windows)")
    decimal: Literal["point", "comma"] = Field(
        "point", description="CSV/PDF decimal separator (`comma`: 1234,50)"
    )
    lines: bool = Field(
        True, description="Orders: one row per order line (true) or one per order (false)"
    )
    lang: Literal["en", "ru"] | None = Field(
        None, description="Labels and file name language (default: Accept-Language)"
    )
    filename: Annotated[str, StringConstraints(max_length=150)] | None = Field(
        None, description="Download file name (sanitised; the extension is added)"
    )

    @field_validator("delimiter")
    @classmethod
    def _known_delimiter(cls, value: str) -> str:
        if value not in DELIMITERS:
            raise ValueError("delimiter must be one of , ; | tab")
        return DELIMITERS[value]

    def column_keys(self) -> list[str] | None:
        if not self.columns:
            return None
        return [key.strip() for key in self.columns.split(",") if key.strip()] or None


class ItemExportQuery(ExportOptions, ItemFilters):
    """Query of `GET /api/v1/exports/items`: the item list's filters plus the options."""


class OrderExportQuery(ExportOptions, OrderFilters):
    """Query of `GET /api/v1/exports/orders`: the order list's filters plus the options."""


class ExportRequest(ExportOptions):
    """Body of `POST /api/v1/exports`: always a background job."""

    model_config = ConfigDict(extra="forbid")

    target: Target
    filters: dict[str, Any] = Field(
        default_factory=dict, description="The filters of the target's list endpoint"
    )


class ExportSpec(BaseModel):
    """One export, fully resolved: what a job stores as its parameters."""

    target: Target
    options: ExportOptions
    filters: dict[str, Any]
    lang: Literal["en", "ru"]

    def filter_values(self) -> dict[str, Any]:
        """The validated filters as keyword arguments of the list's WHERE clause."""
        model = ItemFilters if self.target == "items" else OrderFilters
        return model.model_validate(self.filters).model_dump(exclude_none=True)


class ExportJobOut(BaseModel):
    """The answer of an export that runs as a background job (202)."""

    job: JobOut
    rows: int | None = Field(None, description="Rows counted when the job was started")
    status_url: str
    download_url: str = Field(description="Available once the job has succeeded")


class ColumnOut(BaseModel):
    key: str
    label: str
    type: str
