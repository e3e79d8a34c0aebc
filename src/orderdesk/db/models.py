"""Imports every table so that Base.metadata is complete (Alembic, tests)."""

from orderdesk.audit.models import AuditEntry, FieldChange
from orderdesk.auth.models import AuthSession, LoginLink, RefreshToken, User
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.core.models import IdempotencyRecord
from orderdesk.db.base import Base
from orderdesk.files.models import Attachment
from orderdesk.jobs.models import Job
from orderdesk.orders.models import Order, OrderCounter, OrderEvent, OrderLine, OrderType
from orderdesk.realtime.models import OutboxEvent
from orderdesk.reconciliation.models import (
    ReconciliationMatch,
    ReconciliationRule,
    ReconciliationRun,
)
from orderdesk.telegram.models import TelegramChat, TelegramDelivery, TelegramUpdate
from orderdesk.transfer.importing.models import Import, ImportProfile
from orderdesk.units.models import Unit

__all__ = [
    "Attachment",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Category",
    "FieldChange",
    "IdempotencyRecord",
    "Import",
    "ImportProfile",
    "Item",
    "Job",
    "LoginLink",
    "ItemType",
    "Order",
    "OrderCounter",
    "OrderEvent",
    "OrderLine",
    "OrderType",
    "OutboxEvent",
    "ReconciliationMatch",
    "ReconciliationRule",
    "ReconciliationRun",
    "RefreshToken",
    "TelegramChat",
    "TelegramDelivery",
    "TelegramUpdate",
    "Unit",
    "User",
]
