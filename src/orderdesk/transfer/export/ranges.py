"""Whole pages (`Block`s) read on two PostgreSQL connections at once.

A page PostgreSQL writes whole costs its backend ≈ 8 µs of CPU a row and Python almost
nothing, so one backend is the export's limit. Keyset pages chain (each starts after the
previous one's last row), so two backends need the ranges first: a short query finds where a
page ends (the key of its `batch`-th order or item, an index walk of one page of keys), and
the page is then the rows after the previous end up to and including this one — no LIMIT, so
a row inserted meanwhile inside the range is written rather than pushing another one out.
While one connection writes page n, the other already finds where page n + 1 ends and writes
it. The pages are handed out in order; at most one page per connection is held.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import AsyncExitStack, aclosing, suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from orderdesk.transfer.export.repository import Block, RangeQueries, fetch_rows, without_jit

# Two backends: PostgreSQL gets two cores where it has them; more would take connections
# from the pool for what is, on a busy server, CPU taken from other requests.
CONNECTIONS = 2

# Where a range starts: whether there is one, and the cursor after which it starts (None for
# the first range).
Edge = tuple[bool, dict[str, Any] | None]


async def ranged_blocks(
    conn: AsyncConnection, queries: RangeQueries
) -> AsyncGenerator[Sequence[Block], None]:
    """The export's pages in order, each one `Block`, read on `CONNECTIONS` connections.

    The first connection is the export's; the others come from its engine's pool and go back
    to it at the end. A consumer that stops early closes the generator: the pages in flight
    are awaited (short), none is started.
    """
    async with AsyncExitStack() as stack:
        conns = [conn]
        while len(conns) < CONNECTIONS:
            conns.append(await stack.enter_async_context(conn.engine.connect()))
        for each in conns:
            await stack.enter_async_context(without_jit(each))
        # Closed first: the pages in flight end before JIT is reset and connections go back.
        ordered = await stack.enter_async_context(aclosing(_in_order(conns, queries)))
        async for blocks in ordered:
            yield blocks


async def _in_order(
    conns: Sequence[AsyncConnection], queries: RangeQueries
) -> AsyncGenerator[Sequence[Block], None]:
    loop = asyncio.get_running_loop()
    edge: asyncio.Future[Edge] = loop.create_future()
    edge.set_result((True, None))
    running: deque[tuple[AsyncConnection, asyncio.Future[Edge], asyncio.Task[Sequence[Block]]]]
    running = deque()

    def launch(on: AsyncConnection) -> None:
        nonlocal edge
        end: asyncio.Future[Edge] = loop.create_future()
        running.append((on, end, asyncio.ensure_future(_range(on, queries, edge, end))))
        edge = end

    try:
        for each in conns:
            launch(each)
        while running:
            on, end, task = running.popleft()
            blocks = await task
            if end.result()[0]:
                launch(on)  # before the caller writes this page: the database keeps working
                await asyncio.sleep(0)  # let it send its first query
            if blocks:
                yield blocks
    finally:
        # The caller stopped early (or a range failed): the ranges in flight are short, let
        # them finish rather than cancel them mid-statement on a connection we still use.
        for _, _, task in running:
            with suppress(Exception):
                await task


async def _range(
    conn: AsyncConnection,
    queries: RangeQueries,
    start: asyncio.Future[Edge],
    end: asyncio.Future[Edge],
) -> Sequence[Block]:
    """One range: find where it ends (and so where the next starts), then read it whole."""
    try:
        more, after = await start
        if not more:
            end.set_result((False, None))
            return ()
        at = 0 if after is None else 1
        params: Mapping[str, Any] = after or {}
        found = await fetch_rows(conn, queries.ends[at], params)
        if found:
            value, row_id = found[0]
            end.set_result((True, {"after_value": value, "after_id": row_id}))
            rows = await fetch_rows(
                conn, queries.upto[at], {**params, "upto_value": value, "upto_id": row_id}
            )
        else:
            end.set_result((False, None))
            rows = await fetch_rows(conn, queries.rest[at], params)
    except BaseException as exc:
        # The next range waits for this one's end: it fails (or stops) with it.
        if not end.done():
            end.cancel() if isinstance(exc, asyncio.CancelledError) else end.set_exception(exc)
        raise
    body, count = rows[0]
    return [Block(body, count)] if count else ()
