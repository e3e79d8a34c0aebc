"""The role → permission matrix, over HTTP and as data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.core.permissions import MATRIX, Permission, Principal, Role
from tests.conftest import PASSWORD, LoginFactory, UserFactory
from tests.factories import REQUEST_WORKFLOW, label

# action: (method, path, body, permission, roles allowed)
ACTIONS: dict[str, tuple[str, str, dict[str, Any] | None, Permission, set[str]]] = {
    "list users": ("GET", "/api/v1/users", None, Permission.users_read, {"admin", "manager"}),
    "create user": (
        "POST",
        "/api/v1/users",
        {"username": "newcomer", "password": PASSWORD},
        Permission.users_manage,
        {"admin"},
    ),
    "create unit": (
        "POST",
        "/api/v1/units",
        {"code": "south", "name": "Южный"},
        Permission.units_manage,
        {"admin"},
    ),
    "list audit": ("GET", "/api/v1/audit", None, Permission.audit_read, {"admin"}),
    "create item type": (
        "POST",
        "/api/v1/item-types",
        {"code": "flowers", "name": label("Цветы")},
        Permission.catalog_manage,
        {"admin", "manager"},
    ),
    "create order type": (
        "POST",
        "/api/v1/order-types",
        {"code": "request", "name": label("Заявка"), "workflow": REQUEST_WORKFLOW},
        Permission.order_types_manage,
        {"admin"},
    ),
}
CASES = [(role, action) for action in ACTIONS for role in ("admin", "manager", "staff", "customer")]


@pytest.mark.parametrize(("role", "action"), CASES, ids=[f"{r}-{a}" for r, a in CASES])
async def test_role_may_or_may_not_do_action(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory, role: str, action: str
) -> None:
    method, path, body, _, allowed = ACTIONS[action]
    headers = await login(await make_user(role))
    response = await client.request(method, path, json=body, headers=headers)
    if role in allowed:
        assert 200 <= response.status_code < 300, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/forbidden"
        assert role in response.json()["detail"]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_matrix_grants_exactly_the_roles_the_api_allows(action: str) -> None:
    *_, permission, allowed = ACTIONS[action]
    assert {role.value for role in Role if permission in MATRIX[role]} == allowed


def test_matrix_spot_checks() -> None:
    assert MATRIX[Role.admin] == frozenset(Permission)
    assert Permission.users_read not in MATRIX[Role.customer]
    assert Permission.users_read in MATRIX[Role.manager]
    assert Permission.users_manage not in MATRIX[Role.manager]
    assert Permission.orders_delete not in MATRIX[Role.staff]
    assert MATRIX[Role.customer] == {
        Permission.catalog_read,
        Permission.orders_read,
        Permission.orders_create,
    }
    assert all(role in MATRIX for role in Role)


def test_system_principal_acts_as_admin_without_a_user() -> None:
    system = Principal.system()
    assert system.user_id is None
    assert all(system.can(p) for p in Permission)
    assert system.sees_all_units


@pytest.mark.parametrize(
    ("role", "sees_all"),
    [("admin", True), ("manager", True), ("staff", False), ("customer", False)],
)
def test_only_admins_and_managers_see_all_units(role: str, sees_all: bool) -> None:
    assert Principal(user_id=1, role=Role(role)).sees_all_units is sees_all


async def test_a_user_may_read_their_own_record_without_users_read(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    me = await make_user("customer")
    other = await make_user("customer")
    headers = await login(me)
    assert (await client.get(f"/api/v1/users/{me.id}", headers=headers)).status_code == 200
    assert (await client.get(f"/api/v1/users/{other.id}", headers=headers)).status_code == 403
