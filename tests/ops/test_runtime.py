"""A started server freezes its startup objects out of the collector's reach."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from orderdesk.app import create_app
from orderdesk.container import Container
from orderdesk.ops.runtime import freeze_startup_objects
from tests.conftest import make_settings


@pytest.fixture
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("_unfrozen")
def test_freezing_moves_live_objects_out_of_the_collectors_generations() -> None:
    frozen = freeze_startup_objects()
    assert frozen > 10_000  # the imported framework alone
    assert sum(gc.get_count()) < 100  # nothing left for the next collection to walk


@pytest.mark.usefixtures("_unfrozen")
async def test_the_app_freezes_at_startup_only_when_configured(database_url: str) -> None:
    for wanted in (False, True):
        gc.unfreeze()
        container = Container.build(make_settings(database_url, gc_freeze_on_startup=wanted))
        app = create_app(container=container)
        async with app.router.lifespan_context(app):
            assert (gc.get_freeze_count() > 0) is wanted


async def test_the_running_app_collects_young_objects_at_the_configured_threshold(
    database_url: str,
) -> None:
    before = gc.get_threshold()
    for young, expected in ((0, before), (12_345, (12_345, *before[1:]))):
        container = Container.build(make_settings(database_url, gc_young_threshold=young))
        app = create_app(container=container)
        async with app.router.lifespan_context(app):
            assert gc.get_threshold() == expected
        assert gc.get_threshold() == before  # restored at shutdown
