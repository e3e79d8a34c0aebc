"""Small factories that build only the data a test needs, through the real services."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import update

from orderdesk.auth.models import User
from orderdesk.catalog import service as catalog
from orderdesk.catalog.models import Item
from orderdesk.catalog.schemas import CategoryCreate, ItemCreate, ItemTypeCreate
from orderdesk.container import Container
from orderdesk.core.permissions import Principal, Role
from orderdesk.orders import service as orders
from orderdesk.orders import types_service
from orderdesk.orders.models import Order
from orderdesk.orders.schemas import OrderCreate, OrderTypeCreate
from orderdesk.units import service as units
from orderdesk.units.schemas import UnitCreate

SYSTEM = Principal.system()
_SKUS = itertools.count(1)


def label(text: str) -> dict[str, str]:
    return {"ru": text, "en": text}


REQUEST_WORKFLOW: dict[str, Any] = {
    "statuses": [
        {"code": code, "label": label(code)}
        for code in ("pending", "accepted", "rejected", "transferred", "completed", "cancelled")
    ],
    "initial": "pending",
    "terminal": ["rejected", "completed", "cancelled"],
    "transitions": [
        {"from": "pending", "to": "accepted", "roles": ["admin", "manager", "staff"]},
        {
            "from": "pending",
            "to": "rejected",
            "roles": ["admin", "manager", "staff"],
            "require_comment": True,
        },
        {"from": "pending", "to": "cancelled", "roles": ["customer", "admin"]},
        {
            "from": "accepted",
            "to": "transferred",
            "roles": ["admin", "manager", "staff"],
            "stock": "deduct",
        },
        {"from": "accepted", "to": "rejected", "roles": ["admin", "manager", "staff"]},
        {"from": "accepted", "to": "cancelled", "roles": ["customer", "admin"]},
        {"from": "transferred", "to": "completed", "roles": ["admin", "manager", "staff"]},
    ],
}


async def make_unit(
    container: Container, code: str = "north", name: str = "Северный"
) -> dict[str, Any]:
    async with container.write_sessions() as session:
        row = await units.create_unit(
            session=session, principal=SYSTEM, data=UnitCreate(code=code, name=name)
        )
        await session.commit()
    return row


async def make_item_type(
    container: Container, code: str = "product", schema: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    data = ItemTypeCreate.model_validate(
        {"code": code, "name": label(code), "attribute_schema": schema or []}
    )
    async with container.write_sessions() as session:
        row = await catalog.create_item_type(session=session, principal=SYSTEM, data=data)
        await session.commit()
    return row


async def make_item(container: Container, item_type_id: int, **fields: Any) -> dict[str, Any]:
    fields.setdefault("sku", f"SKU-{next(_SKUS)}")
    fields.setdefault("name", "Роза красная")
    fields.setdefault("price", Decimal("150.00"))
    data = ItemCreate.model_validate({"item_type_id": item_type_id, **fields})
    async with container.write_sessions() as session:
        row = await catalog.create_item(session=session, principal=SYSTEM, data=data)
        await session.commit()
    return row


async def make_order_type(
    container: Container, code: str = "request", **fields: Any
) -> dict[str, Any]:
    fields.setdefault("workflow", REQUEST_WORKFLOW)
    fields.setdefault("name", label(code))
    data = OrderTypeCreate.model_validate({"code": code, **fields})
    async with container.write_sessions() as session:
        row = await types_service.create_order_type(session=session, principal=SYSTEM, data=data)
        await session.commit()
    return row


def principal_of(user: User) -> Principal:
    """The principal a logged-in user acts as, for calling services without HTTP."""
    return Principal(user_id=user.id, role=Role(user.role), unit_id=user.unit_id)


def free_line(
    name: str = "Доставка", quantity: str = "1", unit_price: str = "100"
) -> dict[str, str]:
    """A free-form order line (no catalog item)."""
    return {"name": name, "quantity": quantity, "unit_price": unit_price}


async def make_category(
    container: Container, name: str = "Цветы", parent_id: int | None = None
) -> dict[str, Any]:
    data = CategoryCreate(name=name, parent_id=parent_id)
    async with container.write_sessions() as session:
        row = await catalog.create_category(session=session, principal=SYSTEM, data=data)
        await session.commit()
    return row


async def make_order(
    container: Container,
    order_type: str = "request",
    *,
    principal: Principal = SYSTEM,
    **fields: Any,
) -> dict[str, Any]:
    """Create an order through the service; one free-form line unless lines are given."""
    fields.setdefault("lines", [free_line()])
    data = OrderCreate.model_validate({"order_type": order_type, **fields})
    async with container.write_sessions() as session:
        row = await orders.create_order(session=session, principal=principal, data=data)
        await session.commit()
    return row


async def set_created_at(
    container: Container, model: type[Item] | type[Order], row_id: int, when: datetime
) -> None:
    """Backdate a row, for tests of created_from / created_to filters."""
    async with container.write_sessions() as session:
        await session.execute(update(model).where(model.id == row_id).values(created_at=when))
        await session.commit()


def error_fields(response: httpx.Response) -> dict[str, str]:
    """The problem+json field errors of a response as {field: code}."""
    return {error["field"]: error["code"] for error in response.json().get("errors", [])}
