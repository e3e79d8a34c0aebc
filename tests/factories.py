"""Small factories that build only the data a test needs, through the real services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orderdesk.catalog import service as catalog
from orderdesk.catalog.schemas import ItemCreate, ItemTypeCreate
from orderdesk.container import Container
from orderdesk.core.permissions import Principal
from orderdesk.orders import types_service
from orderdesk.orders.schemas import OrderTypeCreate
from orderdesk.units import service as units
from orderdesk.units.schemas import UnitCreate

SYSTEM = Principal.system()


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
    fields.setdefault("sku", f"SKU-{id(fields)}-{len(fields)}")
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
