"""Ready-made setups (types, workflows, demo data) for the seed systems.

`load_demo` fills an empty database with one blueprint's definitions, made through the
services, and with demo rows inserted in bulk in one transaction.
"""

from __future__ import annotations

from orderdesk.blueprints.base import DEMO_PASSWORD, Blueprint
from orderdesk.blueprints.facilities import FACILITIES
from orderdesk.blueprints.loader import load
from orderdesk.blueprints.shop import SHOP
from orderdesk.blueprints.vending import VENDING
from orderdesk.container import Container

BLUEPRINTS: dict[str, Blueprint] = {
    blueprint.name: blueprint for blueprint in (SHOP, FACILITIES, VENDING)
}

__all__ = ["BLUEPRINTS", "DEMO_PASSWORD", "Blueprint", "get_blueprint", "load_demo"]


def get_blueprint(name: str) -> Blueprint:
    """The blueprint called `name`; ValueError naming the known ones otherwise."""
    try:
        return BLUEPRINTS[name]
    except KeyError:
        known = ", ".join(sorted(BLUEPRINTS))
        raise ValueError(f"unknown blueprint {name!r}; known: {known}") from None


async def load_demo(
    container: Container, name: str, *, items: int = 1000, orders: int = 10_000, seed: int = 1
) -> str | None:
    """Load a blueprint with demo data; a one-line summary, or None if data exists already."""
    return await load(container, get_blueprint(name), items=items, orders=orders, seed=seed)
