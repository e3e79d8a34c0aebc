"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Integer,
    Numeric,
    String,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps; SQLite's naive values come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        parsed: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Decimal amounts with a fixed scale.

    PostgreSQL stores NUMERIC exactly. SQLite has no decimal type: values are kept as
    integers of 1/10_000 units so that they sort, sum and round-trip exactly.
    """

    impl = Numeric(18, 4)
    cache_ok = True
    _SCALE = Decimal(10_000)

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 4))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name == "sqlite":
            # Ties away from zero, as PostgreSQL rounds NUMERIC, so both store the same amount.
            return int((value * self._SCALE).to_integral_value(rounding=ROUND_HALF_UP))
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / self._SCALE).quantize(Decimal("0.0001"))
        return Decimal(value)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class padded(FunctionElement[str]):
    """`padded(number, width, fill)`: the integer as text, left-padded with `fill` ("0" or " ")
    to `width` characters and never cut, as Python's `str(n).rjust(width, fill)`."""

    type = String()
    inherit_cache = True
    name = "padded"


@compiles(padded, "postgresql")
def _padded_postgresql(element: padded, compiler: SQLCompiler, **kw: Any) -> str:
    number, width, fill = (compiler.process(arg, **kw) for arg in element.clauses)
    text = f"CAST({number} AS TEXT)"
    return f"lpad({text}, greatest({width}, length({text})), {fill})"


@compiles(padded, "sqlite")
def _padded_sqlite(element: padded, compiler: SQLCompiler, **kw: Any) -> str:
    number, width, fill = (compiler.process(arg, **kw) for arg in element.clauses)
    zero, space = f"printf('%0*d', {width}, {number})", f"printf('%*d', {width}, {number})"
    return f"CASE {fill} WHEN '0' THEN {zero} ELSE {space} END"
