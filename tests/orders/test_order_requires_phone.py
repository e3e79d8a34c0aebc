"""Order types that require a phone (FOK bot) refuse customers without one, through the API."""

from __future__ import annotations

import httpx

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import error_fields, make_item, make_item_type, make_order_type


async def test_a_customer_without_a_phone_cannot_order_a_type_that_requires_one(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    kind = await make_item_type(container, "facility")
    hall = await make_item(container, kind["id"], name="Зал")
    await make_order_type(container, "request", requires_phone=True)
    await make_order_type(container, "quote")
    line = {"item_id": hall["id"], "quantity": "1"}
    without = await login(await make_user("customer"))
    refused = await client.post(
        "/api/v1/orders", json={"order_type": "request", "lines": [line]}, headers=without
    )
    other_type = await client.post(
        "/api/v1/orders", json={"order_type": "quote", "lines": [line]}, headers=without
    )
    with_phone = await login(await make_user("customer", phone="+79001234567"))
    accepted = await client.post(
        "/api/v1/orders", json={"order_type": "request", "lines": [line]}, headers=with_phone
    )
    assert refused.status_code == 422, refused.text
    assert error_fields(refused) == {"customer_id": "phone_required"}
    assert other_type.status_code == 201
    assert accepted.status_code == 201


async def test_the_flag_is_part_of_the_order_type(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from tests.factories import REQUEST_WORKFLOW

    created = await client.post(
        "/api/v1/order-types",
        json={
            "code": "fok",
            "name": {"ru": "Заявка", "en": "Request"},
            "workflow": REQUEST_WORKFLOW,
            "requires_phone": True,
        },
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["requires_phone"] is True
