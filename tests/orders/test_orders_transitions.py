"""Status transitions: who may take which, history events, conflicts and concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.core.errors import Forbidden
from orderdesk.orders import service
from tests.conftest import LoginFactory, UserFactory
from tests.factories import error_fields, label, make_order, make_order_type, principal_of


async def move(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    order_id: int,
    to: str,
    comment: str = "",
) -> httpx.Response:
    url = f"/api/v1/orders/{order_id}/transitions"
    return await client.post(url, json={"to": to, "comment": comment}, headers=headers)


@pytest.fixture
async def customer(make_user: UserFactory) -> User:
    return await make_user("customer")


@pytest.fixture
async def order(container: Container, customer: User) -> dict[str, Any]:
    await make_order_type(container)
    return await make_order(container, customer_id=customer.id)


@pytest.mark.parametrize(
    ("role", "targets"),
    [
        ("admin", ["accepted", "rejected", "cancelled"]),
        ("manager", ["accepted", "rejected"]),
        ("staff", ["accepted", "rejected"]),
    ],
)
async def test_available_transitions_are_those_the_role_may_take(
    client: httpx.AsyncClient,
    order: dict[str, Any],
    make_user: UserFactory,
    login: LoginFactory,
    role: str,
    targets: list[str],
) -> None:
    headers = await login(await make_user(role))
    response = await client.get(f"/api/v1/orders/{order['id']}/transitions", headers=headers)
    assert response.status_code == 200
    assert [t["to"] for t in response.json()] == targets


async def test_customer_may_only_cancel_their_pending_order(
    client: httpx.AsyncClient, order: dict[str, Any], customer: User, login: LoginFactory
) -> None:
    headers = await login(customer)
    response = await client.get(f"/api/v1/orders/{order['id']}/transitions", headers=headers)
    assert response.json() == [{"to": "cancelled", "label": None, "require_comment": False}]


async def test_available_transitions_mark_those_needing_a_comment(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    response = await client.get(f"/api/v1/orders/{order['id']}/transitions", headers=admin_headers)
    needs_comment = {t["to"]: t["require_comment"] for t in response.json()}
    assert needs_comment == {"accepted": False, "rejected": True, "cancelled": False}


async def test_allowed_transition_moves_the_order_and_records_an_event(
    client: httpx.AsyncClient, order: dict[str, Any], make_user: UserFactory, login: LoginFactory
) -> None:
    manager = await make_user("manager")
    headers = await login(manager)
    response = await move(client, headers, order["id"], "accepted", comment="Берём в работу")
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["version"]) == ("accepted", 2)
    assert response.headers["etag"] == 'W/"2"'
    history = await client.get(f"/api/v1/orders/{order['id']}/history", headers=headers)
    events = [
        (e["kind"], e["from_status"], e["to_status"], e["actor_id"], e["comment"])
        for e in history.json()["events"]
    ]
    assert events == [
        ("created", None, "pending", None, ""),
        ("status_changed", "pending", "accepted", manager.id, "Берём в работу"),
    ]


async def test_transition_not_in_the_workflow_is_a_conflict(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    response = await move(client, admin_headers, order["id"], "completed")
    assert response.status_code == 409
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=admin_headers)).json()[
        "status"
    ] == "pending"


async def test_transition_to_an_unknown_status_is_a_conflict(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    assert (await move(client, admin_headers, order["id"], "teleported")).status_code == 409


async def test_role_not_allowed_by_the_transition_is_forbidden(
    client: httpx.AsyncClient, order: dict[str, Any], customer: User, login: LoginFactory
) -> None:
    headers = await login(customer)
    response = await move(client, headers, order["id"], "accepted")
    assert response.status_code == 403


async def test_transition_requiring_a_comment_refuses_an_empty_one(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    for comment in ("", "   "):
        response = await move(client, admin_headers, order["id"], "rejected", comment=comment)
        assert response.status_code == 422
        assert error_fields(response) == {"comment": "comment_required"}
    ok = await move(client, admin_headers, order["id"], "rejected", comment="Нет в наличии")
    assert ok.json()["status"] == "rejected"


async def test_no_transition_leaves_a_terminal_status(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    await move(client, admin_headers, order["id"], "cancelled")
    response = await move(client, admin_headers, order["id"], "accepted")
    assert response.status_code == 409
    listed = await client.get(f"/api/v1/orders/{order['id']}/transitions", headers=admin_headers)
    assert listed.json() == []


async def test_transition_with_stale_if_match_is_refused(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    await client.patch(
        f"/api/v1/orders/{order['id']}", json={"note": "изменено"}, headers=admin_headers
    )
    response = await client.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={"to": "accepted"},
        headers={**admin_headers, "If-Match": 'W/"1"'},
    )
    assert response.status_code == 412
    current = await client.post(
        f"/api/v1/orders/{order['id']}/transitions",
        json={"to": "accepted"},
        headers={**admin_headers, "If-Match": 'W/"2"'},
    )
    assert current.status_code == 200


RACE_WORKFLOW: dict[str, Any] = {
    "statuses": [{"code": c, "label": label(c)} for c in ("new", "accepted", "rejected", "done")],
    "initial": "new",
    "terminal": ["rejected", "done"],
    "transitions": [
        {"from": "new", "to": "accepted", "roles": ["admin"]},
        {"from": "new", "to": "rejected", "roles": ["admin"]},
        {"from": "accepted", "to": "done", "roles": ["admin"]},
    ],
}


async def test_concurrent_transitions_from_one_status_let_exactly_one_win(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "race", workflow=RACE_WORKFLOW)
    for _ in range(5):
        order = await make_order(container, "race")
        accept, reject = await asyncio.gather(
            move(client, admin_headers, order["id"], "accepted"),
            move(client, admin_headers, order["id"], "rejected"),
        )
        assert sorted([accept.status_code, reject.status_code]) == [200, 409]
        winner = "accepted" if accept.status_code == 200 else "rejected"
        final = await client.get(f"/api/v1/orders/{order['id']}", headers=admin_headers)
        assert (final.json()["status"], final.json()["version"]) == (winner, 2)
        history = await client.get(f"/api/v1/orders/{order['id']}/history", headers=admin_headers)
        moves = [e["to_status"] for e in history.json()["events"] if e["kind"] == "status_changed"]
        assert moves == [winner]


async def test_transition_service_called_directly_follows_the_same_rules(
    container: Container, order: dict[str, Any], customer: User
) -> None:
    async with container.write_sessions() as session:
        with pytest.raises(Forbidden):
            await service.transition(
                session=session,
                principal=principal_of(customer),
                order_id=order["id"],
                to="accepted",
            )
        moved = await service.transition(
            session=session, principal=principal_of(customer), order_id=order["id"], to="cancelled"
        )
        await session.commit()
    assert moved["status"] == "cancelled"
