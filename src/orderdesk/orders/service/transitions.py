"""Move orders along their workflow; the history of an order."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.catalog.repository import field_history
from orderdesk.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from orderdesk.core.http import check_version
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.orders import events, stock
from orderdesk.orders import repository as repo
from orderdesk.orders.messages import ORDER_NOT_FOUND
from orderdesk.orders.models import Order
from orderdesk.orders.service.read import get_order
from orderdesk.orders.workflow import allowed_transitions, find_transition


async def available_transitions(
    *, session: AsyncSession, principal: Principal, order_id: int
) -> list[dict[str, Any]]:
    """The transitions this principal may take from the order's current status."""
    ensure(principal, Permission.orders_read)
    row = await repo.get_order_row(session, order_id, principal, with_lines=False)
    if row is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    order_type = await repo.get_type(session, row["order_type_id"])
    assert order_type is not None
    return [
        {
            "to": tr["to"],
            "label": tr.get("label"),
            "require_comment": tr.get("require_comment", False),
        }
        for tr in allowed_transitions(order_type.workflow, row["status"], principal)
    ]


async def transition(
    *,
    session: AsyncSession,
    principal: Principal,
    order_id: int,
    to: str,
    comment: str = "",
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Move an order along its workflow; of two concurrent moves from one status, one wins."""
    ensure(principal, Permission.orders_read)
    order = await repo.get_order(session, order_id, principal)
    if order is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    check_version(order.version, expected_version)
    order_type = await repo.get_type(session, order.order_type_id)
    assert order_type is not None
    from_status = order.status
    rule = find_transition(order_type.workflow, from_status, to)
    if rule is None:
        raise Conflict("order.transition_not_allowed", from_status=from_status, to=to)
    if principal.role.value not in rule["roles"]:
        raise Forbidden(
            "order.transition_role", role=principal.role.value, from_status=from_status, to=to
        )
    if rule.get("require_comment") and not comment:
        raise ValidationFailed([FieldError("comment", "comment_required")])
    if not await repo.compare_and_set_status(
        session, order.id, from_status=from_status, to_status=to, version=order.version
    ):
        status = await repo.current_status(session, order.id)
        raise Conflict("order.status_changed", status=status)
    await _stock_effect(session, order, rule.get("stock"))
    events.order_event(
        session,
        order,
        events.STATUS_CHANGED,
        principal,
        status=to,
        version=order.version + 1,  # what the compare-and-set wrote
        comment=comment[:500],  # the customer's notification quotes it (e.g. a rejection)
        **{"from": from_status, "to": to},
    )
    await repo.add_event(
        session,
        order_id=order.id,
        kind="status_changed",
        from_status=from_status,
        to_status=to,
        actor_id=principal.user_id,
        comment=comment,
    )
    await audit.record(
        session,
        action="order.transition",
        actor=principal,
        entity_type="order",
        entity_id=order.id,
        before={"status": from_status},
        after={"status": to},
        detail=comment,
    )
    session.expunge(order)
    return await get_order(session=session, principal=principal, order_id=order.id)


async def _stock_effect(session: AsyncSession, order: Order, effect: str | None) -> None:
    """Deduct once, return only what was deducted; the order remembers which applies."""
    take = effect == "deduct" and not order.stock_deducted
    give = effect == "return" and order.stock_deducted
    if take or give:
        needed = stock.quantities(await repo.get_lines(session, order.id))
        await stock.move(session, needed, sign=-1 if take else +1)
        await repo.set_stock_deducted(session, order.id, take)


async def order_history(
    *, session: AsyncSession, principal: Principal, order_id: int
) -> dict[str, Any]:
    await get_order(session=session, principal=principal, order_id=order_id)
    return {
        "events": await repo.events(session, order_id),
        "changes": await field_history(session, "order", order_id),
    }
