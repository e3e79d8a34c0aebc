"""Attachments are seen by whoever may see their owner and changed by the owner's editors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import (
    make_item,
    make_item_type,
    make_order,
    make_order_type,
    make_unit,
)
from tests.files import samples
from tests.files.helpers import upload


async def attach(client: httpx.AsyncClient, owner: str, headers: dict[str, str]) -> int:
    response = await upload(client, owner, headers, "a.pdf", samples.PDF)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def reads(client: httpx.AsyncClient, attachment_id: int, headers: dict[str, str]) -> int:
    """The status of the metadata and content reads (which must agree)."""
    meta = await client.get(f"/api/v1/attachments/{attachment_id}", headers=headers)
    content = await client.get(f"/api/v1/attachments/{attachment_id}/content", headers=headers)
    assert meta.status_code == content.status_code
    return meta.status_code


async def test_a_customer_cannot_see_another_customers_order_attachments(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container)
    alice, bob = await make_user("customer"), await make_user("customer")
    order = await make_order(container, customer_id=alice.id)
    attachment_id = await attach(client, f"orders/{order['id']}", admin_headers)

    assert await reads(client, attachment_id, await login(alice)) == 200
    bob_headers = await login(bob)
    assert await reads(client, attachment_id, bob_headers) == 404
    listed = await client.get(f"/api/v1/orders/{order['id']}/attachments", headers=bob_headers)
    assert listed.status_code == 404
    sneaked = await upload(client, f"orders/{order['id']}", bob_headers, "x.pdf", samples.PDF)
    assert sneaked.status_code == 404
    removed = await client.delete(f"/api/v1/attachments/{attachment_id}", headers=bob_headers)
    assert removed.status_code == 404


async def test_staff_of_another_unit_cannot_see_or_change_order_attachments(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container)
    north, south = await make_unit(container, "north"), await make_unit(container, "south", "Юг")
    order = await make_order(container, unit_id=north["id"])
    attachment_id = await attach(client, f"orders/{order['id']}", admin_headers)

    own_staff = await login(await make_user("staff", unit_id=north["id"]))
    assert await reads(client, attachment_id, own_staff) == 200
    assert (
        await upload(client, f"orders/{order['id']}", own_staff, "b.png", samples.png())
    ).status_code == 201

    other_staff = await login(await make_user("staff", unit_id=south["id"]))
    assert await reads(client, attachment_id, other_staff) == 404
    patched = await client.patch(
        f"/api/v1/attachments/{attachment_id}", json={"category": "x"}, headers=other_staff
    )
    assert patched.status_code == 404


async def test_a_customer_attaches_to_their_own_editable_order_only(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container)
    alice = await make_user("customer")
    order = await make_order(container, customer_id=alice.id)
    headers = await login(alice)
    own_id = await attach(client, f"orders/{order['id']}", headers)
    staff_id = await attach(client, f"orders/{order['id']}", admin_headers)

    not_hers = await client.delete(f"/api/v1/attachments/{staff_id}", headers=headers)
    assert not_hers.status_code == 403
    moved = await client.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={"to": "cancelled"},
        headers=admin_headers,
    )
    assert moved.status_code == 200, moved.text
    late = await upload(client, f"orders/{order['id']}", headers, "late.pdf", samples.PDF)
    assert late.status_code == 403
    assert (
        await client.delete(f"/api/v1/attachments/{own_id}", headers=headers)
    ).status_code == 403
    assert await reads(client, own_id, headers) == 200


@pytest.mark.parametrize(("role", "status"), [("customer", 403), ("staff", 403), ("manager", 201)])
async def test_only_catalog_managers_attach_files_to_items(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    role: str,
    status: int,
) -> None:
    item_type = await make_item_type(container)
    item: dict[str, Any] = await make_item(container, item_type["id"])
    headers = await login(await make_user(role))
    response = await upload(client, f"items/{item['id']}", headers, "a.pdf", samples.PDF)
    assert response.status_code == status, response.text
    listed = await client.get(f"/api/v1/items/{item['id']}/attachments", headers=headers)
    assert listed.status_code == 200


async def test_attachments_of_an_item_hidden_from_staff_are_hidden_too(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    north, south = await make_unit(container, "north"), await make_unit(container, "south", "Юг")
    item_type = await make_item_type(container)
    item = await make_item(container, item_type["id"], unit_id=south["id"])
    attachment_id = await attach(client, f"items/{item['id']}", admin_headers)
    staff = await login(await make_user("staff", unit_id=north["id"]))
    assert await reads(client, attachment_id, staff) == 404


async def test_anonymous_requests_are_refused(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    item = await make_item(container, item_type["id"])
    attachment_id = await attach(client, f"items/{item['id']}", admin_headers)
    assert (await client.get(f"/api/v1/attachments/{attachment_id}/content")).status_code == 401
    assert (
        await upload(client, f"items/{item['id']}", {}, "a.pdf", samples.PDF)
    ).status_code == 401
