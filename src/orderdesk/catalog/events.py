"""Domain events of the catalog (items, item types, categories), recorded in the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog.models import Item
from orderdesk.core.permissions import Principal
from orderdesk.realtime.outbox import record_event

# audit action verb → event verb: "item.archive" is recorded as the event "item.archived".
PAST = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "archive": "archived",
    "restore": "restored",
}


def catalog_event(
    session: AsyncSession,
    action: str,
    entity_id: int,
    actor: Principal,
    *,
    unit_id: int | None = None,
    **payload: Any,
) -> None:
    """Record the event of a catalog audit action such as "category.update"."""
    kind, _, verb = action.partition(".")
    record_event(
        session,
        type=f"{kind}.{PAST[verb]}",
        aggregate_type=kind,
        aggregate_id=entity_id,
        payload={"id": entity_id, **payload},
        unit_id=unit_id,
        actor_id=actor.user_id,
    )


def item_event(session: AsyncSession, action: str, item: Item, actor: Principal) -> None:
    """Record an item event; no price or stock in it, clients read those through the API."""
    catalog_event(
        session,
        action,
        item.id,
        actor,
        unit_id=item.unit_id,
        sku=item.sku,
        status=item.status,
        version=item.version,
    )
