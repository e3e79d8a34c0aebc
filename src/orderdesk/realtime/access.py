"""Who hears which event: the REST API's row scoping, applied to events one by one."""

from __future__ import annotations

from orderdesk.core.permissions import Permission, Principal, Role
from orderdesk.realtime.events import Event

# Events that only tell a listener that something it could see is gone.
REMOVALS = frozenset({"item.archived", "item.deleted"})
CATALOG = frozenset({"item_type", "category"})


def may_see(principal: Principal, event: Event) -> bool:
    """The same answer the REST API gives for the row the event is about."""
    kind = event.aggregate_type
    if kind == "order":
        return _order_visible(principal, event)
    if kind == "item":
        return _item_visible(principal, event)
    if kind in CATALOG:
        return principal.can(Permission.catalog_read)
    if kind == "job":
        return principal.role is Role.admin or (
            principal.user_id is not None and event.actor_id == principal.user_id
        )
    return principal.role is Role.admin


def _order_visible(principal: Principal, event: Event) -> bool:
    """Mirrors orders.repository.order_scope."""
    if not principal.can(Permission.orders_read):
        return False
    if principal.role is Role.customer:
        return event.customer_id is not None and event.customer_id == principal.user_id
    if principal.role is Role.staff:
        return event.unit_id == principal.unit_id
    return True


def _item_visible(principal: Principal, event: Event) -> bool:
    """Mirrors catalog.repository.item_scope: staff their unit's and shared items, customers
    active items (and the news that one they saw is gone)."""
    if principal.role is Role.staff:
        return event.unit_id is None or event.unit_id == principal.unit_id
    if principal.role is Role.customer:
        return event.payload.get("status") == "active" or event.type in REMOVALS
    return principal.can(Permission.catalog_read)


def topic_allowed(principal: Principal, topic: str) -> bool:
    """Whether a topic may be subscribed to at all (events are still filtered one by one)."""
    family, _, ident = topic.partition(":")
    if family in ("orders", "order"):
        return principal.can(Permission.orders_read) and (not ident or ident.isdigit())
    if family in ("items", "item", "catalog"):
        return principal.can(Permission.catalog_read) and (not ident or ident.isdigit())
    if family in ("jobs", "job"):
        return not ident or ident.isdigit()
    return False
