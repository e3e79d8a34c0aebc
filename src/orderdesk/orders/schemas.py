"""API shapes of order types, orders, lines and history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from orderdesk.core.attributes import AttributeSchema
from orderdesk.core.schemas import Code, Currency, LocalizedText, StrictModel
from orderdesk.orders.workflow import StatusCode, Workflow

Channel = Literal["web", "telegram", "mini_app", "api", "import"]
Quantity = Annotated[Decimal, Field(gt=0, le=Decimal(1_000_000), decimal_places=4)]
UnitPrice = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=4)]
Coefficient = Annotated[Decimal, Field(gt=0, le=Decimal(1000), decimal_places=4)]
VatRate = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]
Note = Annotated[str, StringConstraints(max_length=5000)]
MAX_LINES = 500


class OrderTypeCreate(StrictModel):
    code: Code
    name: LocalizedText
    number_format: Annotated[str, StringConstraints(min_length=5, max_length=64)] = (
        "{year}-{seq:06d}"
    )
    attribute_schema: AttributeSchema = []
    workflow: Workflow
    books_time_range: bool = False
    one_active_per_item: bool = False
    requires_phone: bool = False
    vat_rate: VatRate = Decimal(0)
    prices_include_vat: bool = True
    currency: Currency = "RUB"
    active: bool = True


class OrderTypeUpdate(StrictModel):
    name: LocalizedText | None = None
    number_format: Annotated[str, StringConstraints(min_length=5, max_length=64)] | None = None
    attribute_schema: AttributeSchema | None = None
    workflow: Workflow | None = None
    books_time_range: bool | None = None
    one_active_per_item: bool | None = None
    requires_phone: bool | None = None
    vat_rate: VatRate | None = None
    prices_include_vat: bool | None = None
    active: bool | None = None


class OrderTypeOut(BaseModel):
    id: int
    code: str
    name: dict[str, str]
    number_format: str
    attribute_schema: list[dict[str, Any]]
    workflow: dict[str, Any]
    books_time_range: bool
    one_active_per_item: bool
    requires_phone: bool
    vat_rate: Decimal
    prices_include_vat: bool
    currency: str
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class LineIn(StrictModel):
    item_id: int | None = None
    sku: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
        | None
    ) = None
    measure_unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = (
        None
    )
    quantity: Quantity
    unit_price: UnitPrice | None = None
    coefficient: Coefficient = Decimal(1)


class LineUpdate(StrictModel):
    quantity: Quantity | None = None
    unit_price: UnitPrice | None = None
    coefficient: Coefficient | None = None
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
        | None
    ) = None


class OrderCreate(StrictModel):
    order_type: Code
    customer_id: int | None = None
    unit_id: int | None = None
    channel: Channel = "api"
    external_source: Annotated[str, StringConstraints(max_length=64)] | None = None
    external_ref: Annotated[str, StringConstraints(max_length=128)] | None = None
    attributes: dict[str, Any] = Field(default_factory=dict, max_length=100)
    note: Note = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    lines: list[LineIn] = Field(default_factory=list, max_length=MAX_LINES)


class OrderUpdate(StrictModel):
    customer_id: int | None = None
    unit_id: int | None = None
    attributes: dict[str, Any] | None = Field(None, max_length=100)
    note: Note | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    lines: list[LineIn] | None = Field(None, max_length=MAX_LINES)


class TransitionIn(StrictModel):
    to: StatusCode
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class LineOut(BaseModel):
    id: int
    position: int
    item_id: int | None
    sku: str
    name: str
    measure_unit: str
    quantity: Decimal
    unit_price: Decimal
    coefficient: Decimal
    amount: Decimal


class OrderOut(BaseModel):
    id: int
    order_type_id: int
    number: str
    status: str
    customer_id: int | None
    unit_id: int | None
    channel: str
    external_source: str | None
    external_ref: str | None
    currency: str
    subtotal: Decimal
    vat_amount: Decimal
    total: Decimal
    attributes: dict[str, Any]
    note: str
    starts_at: datetime | None
    ends_at: datetime | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    lines: list[LineOut] | None = Field(None, description="Only on single-order responses")


class TransitionOut(BaseModel):
    to: str
    label: dict[str, str] | None = None
    require_comment: bool = False


class OrderEventOut(BaseModel):
    id: int
    kind: str
    from_status: str | None
    to_status: str | None
    actor_id: int | None
    comment: str
    at: datetime


class OrderHistoryOut(BaseModel):
    events: list[OrderEventOut]
    changes: list[dict[str, Any]]
