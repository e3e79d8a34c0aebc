"""Imports every table so that Base.metadata is complete (Alembic, tests)."""

from orderdesk.audit.models import AuditEntry, FieldChange
from orderdesk.auth.models import AuthSession, RefreshToken, User
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.core.models import IdempotencyRecord
from orderdesk.db.base import Base
from orderdesk.orders.models import Order, OrderCounter, OrderEvent, OrderLine, OrderType
from orderdesk.units.models import Unit

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "Category",
    "FieldChange",
    "IdempotencyRecord",
    "Item",
    "ItemType",
    "Order",
    "OrderCounter",
    "OrderEvent",
    "OrderLine",
    "OrderType",
    "RefreshToken",
    "Unit",
    "User",
]
