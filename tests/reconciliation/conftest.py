"""A job worker, a sale order type and its rule, and helpers to run a reconciliation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.factories import make_order, make_order_type
from tests.jobs.conftest import wait_for_job, worker

__all__ = ["worker"]

SALE_SCHEMA: list[dict[str, Any]] = [
    {"name": "source", "label": {"ru": "Источник", "en": "Source"}, "type": "enum",
     "enum": ["machine", "payment"], "required": True},
    {"name": "machine_code", "label": {"ru": "Автомат", "en": "Machine"}},
    {"name": "sold_at", "label": {"ru": "Время", "en": "Time"}, "type": "datetime"},
    {"name": "amount", "label": {"ru": "Сумма", "en": "Amount"}, "type": "decimal"},
]  # fmt: skip
RULE: dict[str, Any] = {
    "code": "machine_vs_payment",
    "name": {"ru": "Автоматы ↔ эквайринг", "en": "Machines ↔ acquiring"},
    "spec": {
        "a": {"order_type": "sale", "where": {"source": "machine"}},
        "b": {"order_type": "sale", "where": {"source": "payment"}},
        "keys": ["machine_code"],
        "time_field": "sold_at",
        "window_seconds": 60,
        "amount_field": "amount",
    },
}
DAY = {"from": "2026-11-20T00:00:00+03:00", "to": "2026-11-21T00:00:00+03:00"}


@pytest.fixture
async def sale_rule(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> dict[str, Any]:
    """The `sale` order type and the machine ↔ payment rule, declared through the API."""
    await make_order_type(container, "sale", attribute_schema=SALE_SCHEMA)
    response = await client.post("/api/v1/reconciliation-rules", json=RULE, headers=admin_headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def sale(
    container: Container,
    source: str,
    machine: str,
    at: str,
    amount: str,
    unit_id: int | None = None,
) -> int:
    """One sale record as an order; `at` is Moscow time on 2026-11-20, e.g. "10:00:30"."""
    attributes = {
        "source": source,
        "machine_code": machine,
        "sold_at": f"2026-11-20T{at}+03:00",
        "amount": amount,
    }
    row = await make_order(container, "sale", attributes=attributes, unit_id=unit_id)
    return int(row["id"])


async def run(
    container: Container,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    period: dict[str, str] = DAY,
    rule: str = "machine_vs_payment",
) -> dict[str, Any]:
    """Start a run through the API and wait for its job; the finished run as the API shows it."""
    started = await client.post(
        "/api/v1/reconciliations", json={"rule": rule, **period}, headers=headers
    )
    assert started.status_code == 202, started.text
    await wait_for_job(container, started.json()["job_id"])
    finished = await client.get(f"/api/v1/reconciliations/{started.json()['id']}", headers=headers)
    assert finished.status_code == 200, finished.text
    body: dict[str, Any] = finished.json()
    assert body["status"] == "succeeded", f"job {body['job_id']}: {body['error']}"
    return body


async def matches(
    client: httpx.AsyncClient, headers: dict[str, str], run_id: int, query: str = ""
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/reconciliations/{run_id}/matches?limit=500{query}", headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
