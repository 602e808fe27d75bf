"""The trading API (DESIGN §7): list, place (one or a batch of up to 15),
read and cancel orders. Writes need a session or a ``trade``-scoped key
(``ApiKeyScopePermission``); every write goes through ``orders.services``,
which validates, risk-checks and audit-logs it with the request id."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from markets.models import Market
from orders import selectors, services
from orders.api.serializers import (
    OrderBatchSerializer,
    OrderCancelAllSerializer,
    OrderCreateSerializer,
    OrderDetailSerializer,
    OrderFilterSerializer,
    OrderSerializer,
)
from orders.models import Order, OrderSource
from polybot.exceptions import ConflictError
from strategies.models import Strategy

ORDER_NOT_FOUND = "Order not found."
MARKET_NOT_FOUND = "Market not found."
STRATEGY_NOT_FOUND = "Strategy not found."
CLIENT_ID_TAKEN = "This client order id is already in use."


class OrderListApi(ListAPIView[Order]):
    """The caller's orders, newest first, filtered by status, market,
    strategy, side and creation time (``from`` inclusive, ``to`` exclusive)."""

    serializer_class = OrderSerializer
    queryset = Order.objects.none()

    def get_queryset(self) -> Any:
        filters = OrderFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.order_list(
            user=self.request.user, filters=filters.to_filters()
        )  # type: ignore[arg-type]

    @extend_schema(parameters=[OrderFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrderCreateApi(APIView):
    """Place one order. It is accepted (201, status ``pending``: submission
    follows at once) or rejected with a 400 whose ``details`` name each
    broken rule's code, message and field; a rejected order is not kept."""

    @extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer, 200: OrderSerializer},
    )
    def post(self, request: Request) -> Response:
        data = OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existing = _existing_client_order(
            request, data.validated_data["client_order_id"]
        )
        if existing is not None:
            return Response(OrderSerializer(existing).data, status=status.HTTP_200_OK)
        _check_strategy(request, data.validated_data["strategy_id"])
        order = services.order_place(
            user=request.user,  # type: ignore[arg-type]
            request=data.to_request(source=_source(data.validated_data["strategy_id"])),
        )
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderBatchApi(APIView):
    """Place 1–15 orders at once, sent to the venue as one batch. Each is
    validated and risk-checked with the ones before it counted; if any is
    rejected none is placed (400, ``details`` say which and why)."""

    @extend_schema(
        request=OrderBatchSerializer,
        responses={
            201: inline_serializer(
                "OrderBatchResult", {"orders": OrderSerializer(many=True)}
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = OrderBatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        requests = []
        for item in data.validated_data["orders"]:
            one = OrderCreateSerializer(data=item)
            one.is_valid(raise_exception=True)  # already valid; builds validated_data
            _check_strategy(request, one.validated_data["strategy_id"])
            if _existing_client_order(request, one.validated_data["client_order_id"]):
                raise ConflictError(CLIENT_ID_TAKEN, code="client_order_id_taken")
            requests.append(
                one.to_request(source=_source(one.validated_data["strategy_id"]))
            )
        orders = services.order_place_batch(user=request.user, requests=requests)  # type: ignore[arg-type]
        return Response(
            {"orders": OrderSerializer(orders, many=True).data},
            status=status.HTTP_201_CREATED,
        )


class OrderDetailApi(APIView):
    """One order with its fills (GET), or cancel it (DELETE). Another
    user's order is a 404."""

    @extend_schema(responses=OrderDetailSerializer)
    def get(self, request: Request, order_id: str) -> Response:
        return Response(OrderDetailSerializer(_order(request, order_id)).data)

    @extend_schema(responses=OrderSerializer)
    def delete(self, request: Request, order_id: str) -> Response:
        order = services.order_cancel(
            user=request.user, order=_order(request, order_id)
        )  # type: ignore[arg-type]
        return Response(OrderSerializer(order).data)


class OrderCancelAllApi(APIView):
    """Cancel every open order (of one market if ``marketId`` is given) in
    the caller's current mode; returns how many were cancelled."""

    @extend_schema(
        request=OrderCancelAllSerializer,
        responses=inline_serializer(
            "CancelAllResult", {"cancelled": serializers.IntegerField()}
        ),
    )
    def post(self, request: Request) -> Response:
        data = OrderCancelAllSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        market = None
        if data.validated_data["market_id"] is not None:
            market = Market.objects.filter(pk=data.validated_data["market_id"]).first()
            if market is None:
                raise NotFound(MARKET_NOT_FOUND)
        cancelled = services.order_cancel_all(
            user=request.user,  # type: ignore[arg-type]
            market=market,
            mode=request.user.trading_mode,  # type: ignore[union-attr]
        )
        return Response({"cancelled": cancelled})


def _order(request: Request, order_id: str) -> Order:
    if int(order_id) > 2**31 - 1:
        raise NotFound(ORDER_NOT_FOUND)  # no such id can exist
    order = selectors.order_get(user=request.user, order_id=int(order_id))  # type: ignore[arg-type]
    if order is None:
        raise NotFound(ORDER_NOT_FOUND)
    return order


def _existing_client_order(request: Request, client_order_id: str) -> Order | None:
    if not client_order_id:
        return None
    order = Order.objects.filter(client_order_id=client_order_id).first()
    if order is not None and order.user_id != request.user.pk:
        raise ConflictError(CLIENT_ID_TAKEN, code="client_order_id_taken")
    return order


def _check_strategy(request: Request, strategy_id: int | None) -> None:
    if (
        strategy_id is not None
        and not Strategy.objects.filter(pk=strategy_id, user=request.user).exists()
    ):
        raise NotFound(STRATEGY_NOT_FOUND)


def _source(strategy_id: int | None) -> str:
    return OrderSource.STRATEGY if strategy_id is not None else OrderSource.API
