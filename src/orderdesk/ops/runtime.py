"""Process-level tuning applied once a server has started."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect once, then freeze every surviving object; the number of objects frozen.

    A started app holds ~200,000 long-lived container objects (routes, models, schemas,
    compiled statements). Every full collection walks all of them: tens of milliseconds with
    the event loop stopped, which requests see as p99 spikes. Frozen objects are skipped by
    collections (they are still freed by reference counting), so a full collection only walks
    what requests allocate. The technique is CPython's own advice for pre-fork servers.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
