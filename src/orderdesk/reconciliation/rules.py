"""Reconciliation rules as data: which records form sides A and B and how they must agree."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from orderdesk.core.schemas import Code, LocalizedText, StrictModel
from orderdesk.reconciliation.matcher import Tolerance

# A field is an order attribute by name, or an order column with the "order." prefix.
FieldRef = Annotated[str, StringConstraints(pattern=r"^(order\.)?[a-z][a-z0-9_]{0,63}$")]
ORDER_COLUMNS = frozenset(
    {"number", "external_ref", "external_source", "total", "subtotal", "created_at", "starts_at"}
)
TIME_COLUMNS = frozenset({"created_at", "starts_at"})
AMOUNT_COLUMNS = frozenset({"total", "subtotal"})
FilterValue = Annotated[str, StringConstraints(min_length=1, max_length=100)]
MAX_WINDOW_SECONDS = 7 * 24 * 3600
MONEY_SCALE = 10_000


class SideSpec(StrictModel):
    """The orders of one source: an order type, narrowed by attribute values."""

    order_type: Code
    where: dict[FieldRef, FilterValue | list[FilterValue]] = Field(
        default_factory=dict, max_length=10
    )
    label: LocalizedText | None = None


class RuleSpec(StrictModel):
    """How records of A and B are paired."""

    a: SideSpec
    b: SideSpec
    keys: list[FieldRef] = Field(min_length=1, max_length=5)
    extra_keys: list[FieldRef] = Field(default_factory=list, max_length=5)
    time_field: FieldRef
    window_seconds: Annotated[int, Field(ge=0, le=MAX_WINDOW_SECONDS)] = 60
    amount_field: FieldRef
    amount_tolerance: Annotated[Decimal, Field(ge=0, le=Decimal(1_000_000), decimal_places=4)] = (
        Decimal(0)
    )
    amount_tolerance_percent: Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)] = Decimal(0)

    @model_validator(mode="after")
    def _known_columns(self) -> RuleSpec:
        fields = [*self.keys, *self.extra_keys, self.time_field, self.amount_field]
        for side in (self.a, self.b):
            fields.extend(side.where)
        for name in fields:
            if name.startswith("order.") and name[6:] not in ORDER_COLUMNS:
                raise ValueError(f"unknown order column {name!r}")
        if self.time_field.startswith("order.") and self.time_field[6:] not in TIME_COLUMNS:
            raise ValueError("time_field must be a time column or attribute")
        if self.amount_field.startswith("order.") and self.amount_field[6:] not in AMOUNT_COLUMNS:
            raise ValueError("amount_field must be an amount column or attribute")
        return self

    @property
    def all_keys(self) -> list[str]:
        return [*self.keys, *self.extra_keys]

    def tolerance(self) -> Tolerance:
        """The matcher's integer form of this rule's window and tolerances."""
        return Tolerance(
            window=self.window_seconds * 1_000_000,
            absolute=int(self.amount_tolerance * MONEY_SCALE),
            percent=int(self.amount_tolerance_percent * MONEY_SCALE),
        )


class RuleCreate(StrictModel):
    code: Code
    name: LocalizedText
    spec: RuleSpec
    active: bool = True
