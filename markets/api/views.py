from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from markets import history, selectors
from markets.api.serializers import (
    MarketDetailSerializer,
    MarketFilterSerializer,
    MarketSnapshotFilterSerializer,
    MarketSnapshotSerializer,
    MarketSummarySerializer,
    PriceHistoryQuerySerializer,
)
from markets.models import Market

MARKET_NOT_FOUND = "Market not found."


class MarketViewSet(ReadOnlyModelViewSet[Market]):
    """The market catalogue: search and filter it, read one market with its
    live books and recent prices, page through its recorded snapshots."""

    # Names the router's basename and the schema's model; get_queryset filters.
    queryset = Market.objects.none()
    serializer_class = MarketSummarySerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> Any:
        # A plain dict: from a QueryDict, DRF reads a missing boolean as false.
        filters = MarketFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.market_list(filters=filters.to_filters())

    @extend_schema(parameters=[MarketFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Markets with their outcomes' prices, searched, filtered and sorted."""
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[PriceHistoryQuerySerializer], responses=MarketDetailSerializer
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One market with its rules, its event and, per outcome, the live
        order book (null when the stream has none) and its price history over
        ``interval`` (default 1d)."""
        query = PriceHistoryQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        interval = query.validated_data["interval"]
        market = self._market()
        quotes = selectors.market_quotes(market=market)
        context = {
            **self.get_serializer_context(),
            "books": {q.outcome.token_id: q.book for q in quotes if q.book},
            "history": {
                q.outcome.token_id: history.price_history(
                    token_id=q.outcome.token_id, interval=interval
                )
                for q in quotes
            },
        }
        return Response(MarketDetailSerializer(market, context=context).data)

    @extend_schema(
        parameters=[MarketSnapshotFilterSerializer],
        responses=MarketSnapshotSerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=MarketSnapshotSerializer)
    def snapshots(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The market's recorded book-top snapshots, newest first."""
        market = self._market()
        filters = MarketSnapshotFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        snapshots = selectors.snapshot_list(
            market=market,
            token_id=data.get("token_id", ""),
            start=data.get("from"),
            end=data.get("to"),
        )
        page = self.paginate_queryset(snapshots)
        return self.get_paginated_response(
            MarketSnapshotSerializer(page, many=True).data
        )

    def _market(self) -> Market:
        market = selectors.market_get(market_id=int(self.kwargs["pk"]))
        if market is None:
            raise NotFound(MARKET_NOT_FOUND)
        return market
