"""API shapes of item types, categories and items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from orderdesk.core.attributes import AttributeSchema
from orderdesk.core.schemas import Code, Currency, LocalizedText, Name, StrictModel

Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MeasureUnit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Price = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=4)]
Stock = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999"), decimal_places=4)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
ItemStatus = Literal["active", "archived"]


class ItemTypeCreate(StrictModel):
    code: Code
    name: LocalizedText
    attribute_schema: AttributeSchema = []
    active: bool = True


class ItemTypeUpdate(StrictModel):
    name: LocalizedText | None = None
    attribute_schema: AttributeSchema | None = None
    active: bool | None = None


class ItemTypeOut(BaseModel):
    id: int
    code: str
    name: dict[str, str]
    attribute_schema: list[dict[str, Any]]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class CategoryCreate(StrictModel):
    name: Name
    parent_id: int | None = None
    position: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class CategoryUpdate(StrictModel):
    name: Name | None = None
    parent_id: int | None = None
    position: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


class CategoryOut(BaseModel):
    id: int
    name: str
    parent_id: int | None
    position: int
    created_at: datetime
    updated_at: datetime
    version: int


class ItemCreate(StrictModel):
    item_type_id: int
    sku: Sku
    name: Name
    description: Annotated[str, StringConstraints(max_length=10_000)] = ""
    category_id: int | None = None
    unit_id: int | None = None
    measure_unit: MeasureUnit = "шт"
    price: Price = Decimal(0)
    currency: Currency = "RUB"
    stock: Stock | None = None
    attributes: dict[str, Any] = Field(default_factory=dict, max_length=100)
    tags: list[Tag] = Field(default_factory=list, max_length=30)


class ItemUpdate(StrictModel):
    sku: Sku | None = None
    name: Name | None = None
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    category_id: int | None = None
    unit_id: int | None = None
    measure_unit: MeasureUnit | None = None
    price: Price | None = None
    currency: Currency | None = None
    stock: Stock | None = None
    attributes: dict[str, Any] | None = Field(None, max_length=100)
    tags: list[Tag] | None = Field(None, max_length=30)


class ArchiveIn(StrictModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ItemOut(BaseModel):
    id: int
    item_type_id: int
    sku: str
    name: str
    description: str
    category_id: int | None
    unit_id: int | None
    measure_unit: str
    price: Decimal
    currency: str
    stock: Decimal | None
    attributes: dict[str, Any]
    tags: list[str]
    status: ItemStatus
    archived_at: datetime | None
    archive_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class FieldChangeOut(BaseModel):
    id: int
    field: str
    kind: str
    old_value: Any
    new_value: Any
    actor_id: int | None
    source: str
    at: datetime
