"""Catalog routes: item types, categories, items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from orderdesk.catalog import service
from orderdesk.catalog.schemas import (
    ArchiveIn,
    CategoryCreate,
    CategoryOut,
    CategoryUpdate,
    FieldChangeOut,
    ItemCreate,
    ItemOut,
    ItemStatus,
    ItemTypeCreate,
    ItemTypeOut,
    ItemTypeUpdate,
    ItemUpdate,
)
from orderdesk.core.deps import PrincipalDep, SessionDep
from orderdesk.core.http import (
    created,
    idempotent,
    if_match_version,
    json_response,
    record_response,
)
from orderdesk.core.listing import PageDep, Search
from orderdesk.core.schemas import PageOut

router = APIRouter(tags=["catalog"])


# item types


@router.get("/item-types", response_model=PageOut[ItemTypeOut], summary="List item types")
async def list_item_types(
    session: SessionDep, principal: PrincipalDep, page: PageDep, active: bool | None = None
) -> Response:
    result = await service.list_item_types(
        session=session, principal=principal, page=page, active=active
    )
    return json_response(result.as_dict())


@router.post(
    "/item-types", response_model=ItemTypeOut, status_code=201, summary="Create an item type"
)
async def create_item_type(
    body: ItemTypeCreate, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    async def create() -> tuple[int, object, int | None]:
        return created(
            await service.create_item_type(session=session, principal=principal, data=body)
        )

    return await idempotent(request, session, principal, create)


@router.get("/item-types/{type_id}", response_model=ItemTypeOut, summary="Get an item type")
async def get_item_type(type_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get_item_type(session=session, principal=principal, type_id=type_id)
    return record_response(row)


@router.patch("/item-types/{type_id}", response_model=ItemTypeOut, summary="Update an item type")
async def update_item_type(
    type_id: int,
    body: ItemTypeUpdate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    row = await service.update_item_type(
        session=session,
        principal=principal,
        type_id=type_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.delete("/item-types/{type_id}", status_code=204, summary="Delete an unused item type")
async def delete_item_type(type_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    await service.delete_item_type(session=session, principal=principal, type_id=type_id)
    return Response(status_code=204)


# categories


@router.get("/categories", response_model=PageOut[CategoryOut], summary="List categories")
async def list_categories(
    session: SessionDep, principal: PrincipalDep, page: PageDep, parent_id: int | None = None
) -> Response:
    result = await service.list_categories(
        session=session, principal=principal, page=page, parent_id=parent_id
    )
    return json_response(result.as_dict())


@router.post(
    "/categories", response_model=CategoryOut, status_code=201, summary="Create a category"
)
async def create_category(
    body: CategoryCreate, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    async def create() -> tuple[int, object, int | None]:
        return created(
            await service.create_category(session=session, principal=principal, data=body)
        )

    return await idempotent(request, session, principal, create)


@router.get("/categories/{category_id}", response_model=CategoryOut, summary="Get a category")
async def get_category(category_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get_category(session=session, principal=principal, category_id=category_id)
    return record_response(row)


@router.patch("/categories/{category_id}", response_model=CategoryOut, summary="Update a category")
async def update_category(
    category_id: int,
    body: CategoryUpdate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    row = await service.update_category(
        session=session,
        principal=principal,
        category_id=category_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.delete("/categories/{category_id}", status_code=204, summary="Delete a category")
async def delete_category(
    category_id: int, session: SessionDep, principal: PrincipalDep
) -> Response:
    await service.delete_category(session=session, principal=principal, category_id=category_id)
    return Response(status_code=204)


# items


@router.get("/items", response_model=PageOut[ItemOut], summary="List items")
async def list_items(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    item_type_id: int | None = None,
    category_id: int | None = None,
    unit_id: int | None = None,
    status: ItemStatus | None = None,
    tag: str | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: Search = None,
) -> Response:
    result = await service.list_items(
        session=session,
        principal=principal,
        page=page,
        item_type_id=item_type_id,
        category_id=category_id,
        unit_id=unit_id,
        status=status,
        tag=tag,
        price_min=price_min,
        price_max=price_max,
        created_from=created_from,
        created_to=created_to,
        q=q,
    )
    return json_response(result.as_dict())


@router.post("/items", response_model=ItemOut, status_code=201, summary="Create an item")
async def create_item(
    body: ItemCreate, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    async def create() -> tuple[int, object, int | None]:
        return created(await service.create_item(session=session, principal=principal, data=body))

    return await idempotent(request, session, principal, create)


@router.get("/items/{item_id}", response_model=ItemOut, summary="Get an item")
async def get_item(item_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get_item(session=session, principal=principal, item_id=item_id)
    return record_response(row)


@router.patch("/items/{item_id}", response_model=ItemOut, summary="Update an item")
async def update_item(
    item_id: int, body: ItemUpdate, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.update_item(
        session=session,
        principal=principal,
        item_id=item_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.delete("/items/{item_id}", status_code=204, summary="Delete an item")
async def delete_item(
    item_id: int, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    await service.delete_item(
        session=session,
        principal=principal,
        item_id=item_id,
        expected_version=if_match_version(request),
    )
    return Response(status_code=204)


@router.post(
    "/items/{item_id}/archive", response_model=ItemOut, summary="Archive an item with a reason"
)
async def archive_item(
    item_id: int, body: ArchiveIn, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.archive_item(
        session=session,
        principal=principal,
        item_id=item_id,
        reason=body.reason,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.post("/items/{item_id}/restore", response_model=ItemOut, summary="Restore an archived item")
async def restore_item(
    item_id: int, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.restore_item(
        session=session,
        principal=principal,
        item_id=item_id,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.get(
    "/items/{item_id}/history", response_model=list[FieldChangeOut], summary="Field history"
)
async def item_history(item_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    return json_response(
        await service.item_history(session=session, principal=principal, item_id=item_id)
    )
