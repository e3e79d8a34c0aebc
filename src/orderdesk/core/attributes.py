"""Attribute schemas (typed fields with ru/en labels) and validation of values against them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from orderdesk.core.errors import FieldError, ValidationFailed
from orderdesk.core.i18n import register
from orderdesk.core.schemas import LocalizedText, StrictModel

register(
    {
        "field.attr_enum_required": {
            "en": "An enum field needs a non-empty list of values",
            "ru": "Для поля-перечисления нужен непустой список значений",
        },
        "field.attr_bounds": {
            "en": "min must not exceed max",
            "ru": "min не может быть больше max",
        },
        "field.duplicate": {"en": "Duplicate name", "ru": "Повторяющееся имя"},
        "field.attr_type": {"en": "Must be of type {type}", "ru": "Ожидается тип {type}"},
    }
)

AttrType = Literal["string", "text", "integer", "decimal", "boolean", "date", "datetime", "enum"]
MAX_FIELDS = 100
MAX_TEXT = 10_000


class AttributeField(StrictModel):
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    label: LocalizedText
    type: AttrType = "string"
    required: bool = False
    enum: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        None, max_length=200
    )
    min: Decimal | None = Field(None, description="Lower bound (numbers) or minimum length (text)")
    max: Decimal | None = Field(None, description="Upper bound (numbers) or maximum length (text)")

    @model_validator(mode="after")
    def _consistent(self) -> AttributeField:
        if self.type == "enum" and not self.enum:
            raise ValueError("enum field needs values")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


AttributeSchema = Annotated[list[AttributeField], Field(max_length=MAX_FIELDS)]


def check_schema(
    fields: list[AttributeField], prefix: str = "attribute_schema"
) -> list[dict[str, Any]]:
    """Reject duplicate names; return the schema as stored JSON."""
    seen: set[str] = set()
    errors = []
    for index, spec in enumerate(fields):
        if spec.name in seen:
            errors.append(FieldError(f"{prefix}.{index}.name", "duplicate"))
        seen.add(spec.name)
    if errors:
        raise ValidationFailed(errors)
    return [spec.model_dump(mode="json", exclude_none=True) for spec in fields]


def validate_attributes(
    schema: list[dict[str, Any]],
    values: dict[str, Any] | None,
    *,
    prefix: str = "attributes",
    partial: bool = False,
) -> dict[str, Any]:
    """Check values against a stored schema; return them normalised for a JSON column."""
    values = values or {}
    specs = {spec["name"]: spec for spec in schema}
    errors: list[FieldError] = []
    result: dict[str, Any] = {}
    errors.extend(
        FieldError(f"{prefix}.{name}", "extra_forbidden") for name in values if name not in specs
    )
    for name, spec in specs.items():
        path = f"{prefix}.{name}"
        value = values.get(name)
        if value is None or value == "":
            if spec.get("required") and not (partial and name not in values):
                errors.append(FieldError(path, "missing"))
            continue
        try:
            result[name] = _coerce(spec, value)
        except _Invalid as exc:
            errors.append(FieldError(path, exc.code, **exc.params))
    if errors:
        raise ValidationFailed(errors)
    return result


class _Invalid(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params


def _coerce(spec: dict[str, Any], value: Any) -> Any:
    kind = spec.get("type", "string")
    if kind in ("string", "text"):
        return _text(spec, value)
    if kind == "enum":
        if not isinstance(value, str) or value not in spec.get("enum", []):
            raise _Invalid("enum", choices=", ".join(spec.get("enum", [])))
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _Invalid("attr_type", type="boolean")
        return value
    if kind in ("integer", "decimal"):
        return _number(spec, value, kind)
    if kind == "date":
        return _date(value)
    return _datetime(value)


def _text(spec: dict[str, Any], raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Invalid("attr_type", type="string")
    value = raw.strip()
    limit = int(spec["max"]) if spec.get("max") is not None else MAX_TEXT
    if len(value) > min(limit, MAX_TEXT):
        raise _Invalid("string_too_long")
    if spec.get("min") is not None and len(value) < int(Decimal(spec["min"])):
        raise _Invalid("string_too_short")
    return value


def _number(spec: dict[str, Any], value: Any, kind: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _Invalid("attr_type", type=kind)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise _Invalid("attr_type", type=kind) from exc
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise _Invalid("attr_type", type=kind)
    if kind == "integer" and number != number.to_integral_value():
        raise _Invalid("attr_type", type=kind)
    if spec.get("min") is not None and number < Decimal(str(spec["min"])):
        raise _Invalid("greater_than_equal", limit=spec["min"])
    if spec.get("max") is not None and number > Decimal(str(spec["max"])):
        raise _Invalid("less_than_equal", limit=spec["max"])
    return int(number) if kind == "integer" else str(number)


def _date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise _Invalid("date_parsing") from exc


def _datetime(value: Any) -> str:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise _Invalid("datetime_parsing") from exc
    if parsed.tzinfo is None:
        raise _Invalid("datetime_parsing")
    return parsed.isoformat()
