"""Query parameters every list endpoint shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from orderdesk.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500, description="From next_cursor")] = None,
    sort: Annotated[
        str,
        Query(max_length=40, pattern=r"^[-+]?[a-z_]+$", description="Field, `-` for descending"),
    ] = "-id",
) -> PageRequest:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request.
    return PageRequest(limit=limit, cursor=cursor, sort=sort)


PageDep = Annotated[PageRequest, Depends(page_params)]
Search = Annotated[str | None, Query(max_length=200, description="Search text")]
