"""Positions and trades over the API (DESIGN §7), in the caller's current
trading mode."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors as order_selectors
from orders.api.serializers import FillSerializer
from orders.models import Fill
from portfolio.marks import marks_for, portfolio_figures
from portfolio.models import Position, PositionStatus

ZERO = Decimal("0")


class PositionSerializer(serializers.ModelSerializer[Position]):
    token_id = serializers.CharField(source="outcome.token_id")
    outcome = serializers.CharField(source="outcome.label")
    market_question = serializers.CharField(source="market.question")
    mark = serializers.SerializerMethodField()
    unrealized_pnl = serializers.SerializerMethodField()
    net_realized_pnl = serializers.DecimalField(max_digits=20, decimal_places=6)

    class Meta:
        model = Position
        fields = [
            "id",
            "mode",
            "market_id",
            "market_question",
            "token_id",
            "outcome",
            "size",
            "average_entry_price",
            "cost_basis",
            "mark",
            "unrealized_pnl",
            "realized_pnl",
            "fees_paid",
            "net_realized_pnl",
            "status",
            "redeemable_amount",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields

    def _mark(self, position: Position) -> Decimal | None:
        return self.context.get("marks", {}).get(position.outcome_id)

    def get_mark(self, position: Position) -> str | None:
        mark = self._mark(position)
        return None if mark is None else str(mark)

    def get_unrealized_pnl(self, position: Position) -> str | None:
        mark = self._mark(position)
        if mark is None or position.status != PositionStatus.OPEN:
            return None
        return str(
            (position.size * mark - position.cost_basis).quantize(Decimal("0.000001"))
        )


_TOTALS = inline_serializer(
    "PositionsTotals",
    {
        "open_positions": serializers.IntegerField(),
        "positions_value": serializers.DecimalField(max_digits=20, decimal_places=6),
        "unrealized_pnl": serializers.DecimalField(max_digits=20, decimal_places=6),
        "realized_pnl": serializers.DecimalField(max_digits=20, decimal_places=6),
        "fees_paid": serializers.DecimalField(max_digits=20, decimal_places=6),
        "net_pnl": serializers.DecimalField(max_digits=20, decimal_places=6),
    },
)


class PositionsApi(APIView):
    """Open positions with marks (midpoint) and unrealized P&L, and the
    account's totals: realized, unrealized and fees kept apart."""

    @extend_schema(
        responses=inline_serializer(
            "PositionsSummary",
            {"positions": PositionSerializer(many=True), "totals": _TOTALS},
        )
    )
    def get(self, request: Request) -> Response:
        user = request.user
        mode = user.trading_mode  # type: ignore[union-attr]
        positions = list(
            Position.objects.filter(user=user, mode=mode, status=PositionStatus.OPEN)
            .select_related("market", "outcome")
            .order_by("-opened_at", "-id")
        )
        figures = portfolio_figures(user, mode)  # type: ignore[arg-type]
        marks = marks_for(positions)
        return Response(
            {
                "positions": PositionSerializer(
                    positions, many=True, context={"marks": marks}
                ).data,
                "totals": {
                    "open_positions": figures.open_positions,
                    "positions_value": str(figures.positions_value),
                    "unrealized_pnl": str(figures.unrealized),
                    "realized_pnl": str(figures.realized),
                    "fees_paid": str(figures.fees),
                    "net_pnl": str(figures.total_pnl),
                },
            }
        )


class TradeListApi(ListAPIView[Fill]):
    """The caller's fills (the trade ledger) in the current mode, newest
    first, with settlement status."""

    serializer_class = FillSerializer
    queryset = Fill.objects.none()

    def get_queryset(self) -> Any:
        user = self.request.user
        filters = order_selectors.FillFilters(mode=user.trading_mode)  # type: ignore[union-attr]
        return order_selectors.fill_list(user=user, filters=filters)  # type: ignore[arg-type]
