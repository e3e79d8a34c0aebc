"""Order types over HTTP: workflow and number format validation, safe workflow changes."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import REQUEST_WORKFLOW, error_fields, label, make_order, make_order_type


def workflow(**changes: Any) -> dict[str, Any]:
    flow = copy.deepcopy(REQUEST_WORKFLOW)
    flow.update(changes)
    return flow


def type_body(**fields: Any) -> dict[str, Any]:
    return {"code": "request", "name": label("Заявка"), "workflow": workflow(), **fields}


def status(code: str) -> dict[str, Any]:
    return {"code": code, "label": label(code)}


def move(source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"from": source, "to": target, "roles": ["admin"], **extra}


async def test_create_order_type_stores_workflow_and_settings(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = type_body(number_format="R-{year}-{seq:05d}", vat_rate="20", books_time_range=True)
    response = await client.post("/api/v1/order-types", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["workflow"]["initial"] == "pending"
    assert created["workflow"]["transitions"][0] == {
        "from": "pending",
        "to": "accepted",
        "roles": ["admin", "manager", "staff"],
        "require_comment": False,
    }
    assert (created["vat_rate"], created["books_time_range"]) == ("20.00", True)
    assert created["number_format"] == "R-{year}-{seq:05d}"


@pytest.mark.parametrize(
    ("flow", "field", "code"),
    [
        pytest.param(
            workflow(transitions=[*REQUEST_WORKFLOW["transitions"], move("pending", "lost")]),
            "workflow.transitions.7.to",
            "workflow_unknown_status",
            id="unknown-status-in-transition",
        ),
        pytest.param(
            workflow(initial="draft"), "workflow.initial", "workflow_unknown_status", id="initial"
        ),
        pytest.param(
            workflow(terminal=["rejected", "gone"]),
            "workflow.terminal.1",
            "workflow_unknown_status",
            id="unknown-terminal",
        ),
        pytest.param(
            workflow(transitions=[*REQUEST_WORKFLOW["transitions"], move("completed", "pending")]),
            "workflow.transitions.7.from",
            "workflow_from_terminal",
            id="out-of-terminal",
        ),
        pytest.param(
            workflow(transitions=[*REQUEST_WORKFLOW["transitions"], move("pending", "accepted")]),
            "workflow.transitions.7",
            "duplicate",
            id="duplicate-transition",
        ),
        pytest.param(
            workflow(transitions=[*REQUEST_WORKFLOW["transitions"], move("pending", "pending")]),
            "workflow.transitions.7",
            "duplicate",
            id="self-transition",
        ),
        pytest.param(
            workflow(statuses=[*REQUEST_WORKFLOW["statuses"], status("waiting")]),
            "workflow.statuses",
            "workflow_dead_end",
            id="non-terminal-dead-end",
        ),
        pytest.param(
            workflow(statuses=[*REQUEST_WORKFLOW["statuses"], status("pending")]),
            "workflow.statuses",
            "duplicate",
            id="duplicate-status",
        ),
        pytest.param(
            workflow(terminal=["pending", "rejected", "completed", "cancelled"], transitions=[]),
            "workflow.initial",
            "workflow_initial_terminal",
            id="initial-terminal",
        ),
        pytest.param(
            workflow(editable=["pending", "draft"]),
            "workflow.editable.1",
            "workflow_unknown_status",
            id="unknown-editable",
        ),
    ],
)
async def test_inconsistent_workflow_is_rejected_naming_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    flow: dict[str, Any],
    field: str,
    code: str,
) -> None:
    response = await client.post(
        "/api/v1/order-types", json=type_body(workflow=flow), headers=admin_headers
    )
    assert response.status_code == 422, response.text
    assert error_fields(response)[field] == code


async def test_transition_with_unknown_role_is_rejected(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    flow = workflow()
    flow["transitions"][0]["roles"] = ["owner"]
    response = await client.post(
        "/api/v1/order-types", json=type_body(workflow=flow), headers=admin_headers
    )
    assert "workflow.transitions.0.roles.0" in error_fields(response)


@pytest.mark.parametrize(
    "number_format",
    ["R-{year}-0001", "R-{seq}-{branch}", "R-{seq:abc}", "R-{0}-{seq}", "R-{seq[0]}", "R-{seq"],
)
async def test_bad_number_format_is_rejected(
    client: httpx.AsyncClient, admin_headers: dict[str, str], number_format: str
) -> None:
    body = type_body(number_format=number_format)
    response = await client.post("/api/v1/order-types", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert error_fields(response) == {"number_format": "number_format"}


async def test_update_with_bad_number_format_is_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    order_type = await make_order_type(container)
    response = await client.patch(
        f"/api/v1/order-types/{order_type['id']}",
        json={"number_format": "{month}-{day}"},
        headers=admin_headers,
    )
    assert error_fields(response) == {"number_format": "number_format"}


async def test_dropping_a_status_that_orders_are_in_is_a_conflict(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    order_type = await make_order_type(container)
    await make_order(container)
    smaller = {
        "statuses": [status("new"), status("done")],
        "initial": "new",
        "terminal": ["done"],
        "transitions": [move("new", "done")],
    }
    url = f"/api/v1/order-types/{order_type['id']}"
    response = await client.patch(url, json={"workflow": smaller}, headers=admin_headers)
    assert response.status_code == 409
    assert "pending" in response.json()["detail"]
    kept = await client.get(url, headers=admin_headers)
    assert kept.json()["workflow"]["initial"] == "pending"


async def test_changing_a_workflow_that_keeps_used_statuses_is_allowed(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    order_type = await make_order_type(container)
    await make_order(container)
    flow = workflow(
        statuses=[status("pending"), status("done")],
        terminal=["done"],
        transitions=[move("pending", "done")],
    )
    response = await client.patch(
        f"/api/v1/order-types/{order_type['id']}",
        json={"workflow": flow},
        headers={**admin_headers, "If-Match": 'W/"1"'},
    )
    assert response.status_code == 200, response.text
    assert [s["code"] for s in response.json()["workflow"]["statuses"]] == ["pending", "done"]
    assert response.headers["etag"] == 'W/"2"'


async def test_delete_order_type_in_use_is_a_conflict(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    order_type = await make_order_type(container)
    await make_order(container)
    response = await client.delete(f"/api/v1/order-types/{order_type['id']}", headers=admin_headers)
    assert response.status_code == 409


@pytest.mark.parametrize("role", ["manager", "staff", "customer"])
async def test_only_admins_manage_order_types_but_everyone_reads_them(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    role: str,
) -> None:
    order_type = await make_order_type(container, "existing")
    headers = await login(await make_user(role))
    created = await client.post("/api/v1/order-types", json=type_body(), headers=headers)
    assert created.status_code == 403
    read = await client.get(f"/api/v1/order-types/{order_type['id']}", headers=headers)
    assert read.status_code == 200
