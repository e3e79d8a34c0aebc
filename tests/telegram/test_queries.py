"""The bot's read queries: kept page statements still follow each principal's scope."""

from __future__ import annotations

from orderdesk.container import Container
from orderdesk.core.permissions import Principal, Role
from orderdesk.telegram.bot import queries
from tests.factories import make_item, make_item_type, make_unit


async def _names(container: Container, principal: Principal, **filters: object) -> list[str]:
    async with container.read_sessions() as session:
        rows, _ = await queries.item_page(session, principal, 0, **filters)
    return [row["name"] for row in rows]


async def test_catalog_pages_kept_between_presses_still_follow_the_pressers_scope(
    container: Container,
) -> None:
    north = (await make_unit(container, "north", "Северный"))["id"]
    south = (await make_unit(container, "south", "Южный"))["id"]
    product = (await make_item_type(container, "product"))["id"]
    await make_item(container, product, name="А общий")
    await make_item(container, product, name="Б северный", unit_id=north)
    await make_item(container, product, name="В южный", unit_id=south)
    north_staff = Principal(user_id=1, role=Role.staff, unit_id=north)
    south_staff = Principal(user_id=2, role=Role.staff, unit_id=south)
    customer = Principal(user_id=3, role=Role.customer)
    for _ in range(2):  # the second round runs the kept statements
        assert await _names(container, north_staff) == ["А общий", "Б северный"]
        assert await _names(container, south_staff) == ["А общий", "В южный"]
        assert await _names(container, customer) == ["А общий", "Б северный", "В южный"]
        assert await _names(container, customer, unit_id=south) == ["В южный"]
