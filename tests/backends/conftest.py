"""Every backend test runs on memory and, when ORDERDESK_TEST_REDIS_URL is set, on Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from orderdesk.backends import Backends, build_backends
from orderdesk.settings import Settings
from tests.conftest import REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def backends(request: pytest.FixtureRequest) -> AsyncIterator[Backends]:
    """Fresh backends of one kind under a namespace of their own."""
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("Redis variant: set ORDERDESK_TEST_REDIS_URL to run it")
    settings = Settings(
        redis_url=REDIS_URL if request.param == "redis" else None,
        redis_namespace=f"test-backends-{uuid.uuid4().hex[:10]}",
    )
    built = build_backends(settings)
    yield built
    await built.reset()
    await built.close()
