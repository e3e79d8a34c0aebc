"""Order use cases, one module per kind: create, edit, transitions, reads (and shared checks).

Callers use this package as one service: `from orderdesk.orders import service`.
"""

from orderdesk.orders.service.checks import order_search_text
from orderdesk.orders.service.create import create_order
from orderdesk.orders.service.edit import (
    add_line,
    delete_line,
    delete_order,
    update_line,
    update_order,
)
from orderdesk.orders.service.read import get_order, list_orders
from orderdesk.orders.service.transitions import available_transitions, order_history, transition

__all__ = [
    "add_line",
    "available_transitions",
    "create_order",
    "delete_line",
    "delete_order",
    "get_order",
    "list_orders",
    "order_history",
    "order_search_text",
    "transition",
    "update_line",
    "update_order",
]
