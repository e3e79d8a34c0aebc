"""Order and order type routes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from orderdesk.core.deps import ContainerDep, PrincipalDep, SessionDep
from orderdesk.core.http import (
    created,
    idempotent,
    if_match_version,
    json_response,
    record_response,
)
from orderdesk.core.listing import PageDep, Search
from orderdesk.core.schemas import PageOut
from orderdesk.orders import service, types_service
from orderdesk.orders.schemas import (
    Channel,
    LineIn,
    LineUpdate,
    OrderCreate,
    OrderHistoryOut,
    OrderOut,
    OrderTypeCreate,
    OrderTypeOut,
    OrderTypeUpdate,
    OrderUpdate,
    TransitionIn,
    TransitionOut,
)

router = APIRouter(tags=["orders"])


# order types


@router.get("/order-types", response_model=PageOut[OrderTypeOut], summary="List order types")
async def list_order_types(
    session: SessionDep, principal: PrincipalDep, page: PageDep, active: bool | None = None
) -> Response:
    result = await types_service.list_order_types(
        session=session, principal=principal, page=page, active=active
    )
    return json_response(result.as_dict())


@router.post(
    "/order-types", response_model=OrderTypeOut, status_code=201, summary="Create an order type"
)
async def create_order_type(
    body: OrderTypeCreate, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    async def create() -> tuple[int, object, int | None]:
        row = await types_service.create_order_type(session=session, principal=principal, data=body)
        return created(row)

    return await idempotent(request, session, principal, create)


@router.get("/order-types/{type_id}", response_model=OrderTypeOut, summary="Get an order type")
async def get_order_type(type_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    return record_response(
        await types_service.get_order_type(session=session, principal=principal, type_id=type_id)
    )


@router.patch("/order-types/{type_id}", response_model=OrderTypeOut, summary="Update an order type")
async def update_order_type(
    type_id: int,
    body: OrderTypeUpdate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    row = await types_service.update_order_type(
        session=session,
        principal=principal,
        type_id=type_id,
        data=body,
        expected_version=if_match_version(request),
        cache=container.cache,
    )
    return record_response(row)


@router.delete("/order-types/{type_id}", status_code=204, summary="Delete an unused order type")
async def delete_order_type(
    type_id: int, session: SessionDep, principal: PrincipalDep, container: ContainerDep
) -> Response:
    await types_service.delete_order_type(
        session=session, principal=principal, type_id=type_id, cache=container.cache
    )
    return Response(status_code=204)


# orders


@router.get("/orders", response_model=PageOut[OrderOut], summary="List orders (without lines)")
async def list_orders(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    order_type_id: int | None = None,
    status: str | None = None,
    customer_id: int | None = None,
    unit_id: int | None = None,
    channel: Channel | None = None,
    external_ref: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
    total_min: Decimal | None = None,
    total_max: Decimal | None = None,
    q: Search = None,
    include_total: bool = False,
) -> Response:
    result = await service.list_orders(
        session=session,
        principal=principal,
        page=page,
        order_type_id=order_type_id,
        status=status,
        customer_id=customer_id,
        unit_id=unit_id,
        channel=channel,
        external_ref=external_ref,
        created_from=created_from,
        created_to=created_to,
        starts_from=starts_from,
        starts_to=starts_to,
        total_min=total_min,
        total_max=total_max,
        q=q,
        include_total=include_total,
    )
    return json_response(result.as_dict())


@router.post("/orders", response_model=OrderOut, status_code=201, summary="Create an order")
async def create_order(
    body: OrderCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    async def create() -> tuple[int, object, int | None]:
        row = await service.create_order(
            session=session,
            principal=principal,
            data=body,
            cache=container.cache,
            cache_ttl=container.settings.cache_ttl_seconds,
        )
        return created(row)

    return await idempotent(request, session, principal, create)


@router.get("/orders/{order_id}", response_model=OrderOut, summary="Get an order with its lines")
async def get_order(order_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    return record_response(
        await service.get_order(session=session, principal=principal, order_id=order_id)
    )


@router.patch("/orders/{order_id}", response_model=OrderOut, summary="Edit an order")
async def update_order(
    order_id: int, body: OrderUpdate, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.update_order(
        session=session,
        principal=principal,
        order_id=order_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.delete("/orders/{order_id}", status_code=204, summary="Delete an order")
async def delete_order(
    order_id: int, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    await service.delete_order(
        session=session,
        principal=principal,
        order_id=order_id,
        expected_version=if_match_version(request),
    )
    return Response(status_code=204)


@router.post(
    "/orders/{order_id}/lines", response_model=OrderOut, status_code=201, summary="Add a line"
)
async def add_line(
    order_id: int, body: LineIn, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.add_line(
        session=session,
        principal=principal,
        order_id=order_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row, 201)


@router.patch(
    "/orders/{order_id}/lines/{line_id}", response_model=OrderOut, summary="Change a line"
)
async def update_line(
    order_id: int,
    line_id: int,
    body: LineUpdate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    row = await service.update_line(
        session=session,
        principal=principal,
        order_id=order_id,
        line_id=line_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.delete(
    "/orders/{order_id}/lines/{line_id}", response_model=OrderOut, summary="Remove a line"
)
async def delete_line(
    order_id: int, line_id: int, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.delete_line(
        session=session,
        principal=principal,
        order_id=order_id,
        line_id=line_id,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.get(
    "/orders/{order_id}/transitions",
    response_model=list[TransitionOut],
    summary="Transitions you may take now",
)
async def list_transitions(order_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    return json_response(
        await service.available_transitions(session=session, principal=principal, order_id=order_id)
    )


@router.post("/orders/{order_id}/transitions", response_model=OrderOut, summary="Change the status")
async def transition(
    order_id: int,
    body: TransitionIn,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    row = await service.transition(
        session=session,
        principal=principal,
        order_id=order_id,
        to=body.to,
        comment=body.comment,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.get(
    "/orders/{order_id}/history", response_model=OrderHistoryOut, summary="Status and field history"
)
async def order_history(order_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    return json_response(
        await service.order_history(session=session, principal=principal, order_id=order_id)
    )
