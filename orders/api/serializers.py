"""Order API shapes (DESIGN §7: camelCase on the wire, done by the renderer
and parser; snake_case here)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from orders.models import Fill, Order, OrderStatus, OrderType
from orders.selectors import OrderFilters
from orders.services import MAX_BATCH
from orders.validation import OrderRequest
from polybot.lib.types import Side

_INT_MAX = 2**31 - 1


class OrderCreateSerializer(serializers.Serializer[Any]):
    market_id = serializers.IntegerField(min_value=1, max_value=_INT_MAX)
    token_id = serializers.RegexField(
        r"^[0-9]{1,80}$", help_text="The outcome's token id."
    )
    side = serializers.ChoiceField(choices=Side.choices)
    type = serializers.ChoiceField(choices=OrderType.choices, default=OrderType.GTC)
    price = serializers.DecimalField(
        max_digits=10, decimal_places=6, help_text="Limit price, on the market's tick."
    )
    size = serializers.DecimalField(
        max_digits=20, decimal_places=6, help_text="Shares, at most 2 decimals."
    )
    expiration = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="GTD only."
    )
    post_only = serializers.BooleanField(default=False)
    strategy_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=_INT_MAX
    )
    client_order_id = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]{1,64}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="Your id for the order; placing the same id twice returns the first.",
    )

    def to_request(self, *, source: str) -> OrderRequest:
        return order_request(self.validated_data, source=source)


def order_request(data: dict[str, Any], *, source: str) -> OrderRequest:
    """An ``OrderCreateSerializer``'s validated data as a service request."""
    return OrderRequest(
        market_id=data["market_id"],
        token_id=data["token_id"],
        side=data["side"],
        price=data["price"],
        size=data["size"],
        order_type=data["type"],
        post_only=data["post_only"],
        expiration=data["expiration"],
        strategy_id=data["strategy_id"],
        source=source,
        client_order_id=data["client_order_id"],
    )


class OrderBatchSerializer(serializers.Serializer[Any]):
    orders = serializers.ListField(
        child=OrderCreateSerializer(), min_length=1, max_length=MAX_BATCH
    )


class OrderCancelAllSerializer(serializers.Serializer[Any]):
    market_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=_INT_MAX
    )


class OrderFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    market_id = serializers.IntegerField(
        required=False, min_value=1, max_value=_INT_MAX
    )
    strategy_id = serializers.IntegerField(
        required=False, min_value=1, max_value=_INT_MAX
    )
    side = serializers.ChoiceField(choices=Side.choices, required=False)
    # "from"/"to" are Python keywords: declared under other names below.
    created_from = serializers.DateTimeField(required=False)
    created_to = serializers.DateTimeField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = self.fields.pop("created_from")
        self.fields["to"] = self.fields.pop("created_to")

    def to_filters(self) -> OrderFilters:
        data = self.validated_data
        return OrderFilters(
            status=data.get("status"),
            market_id=data.get("market_id"),
            strategy_id=data.get("strategy_id"),
            side=data.get("side"),
            created_from=data.get("from"),
            created_to=data.get("to"),
        )


class FillSerializer(serializers.ModelSerializer[Fill]):
    token_id = serializers.CharField(source="outcome.token_id")
    outcome = serializers.CharField(source="outcome.label")
    market_question = serializers.CharField(source="market.question")

    class Meta:
        model = Fill
        fields = [
            "id",
            "order_id",
            "venue_trade_id",
            "mode",
            "market_id",
            "market_question",
            "token_id",
            "outcome",
            "side",
            "price",
            "size",
            "fee",
            "role",
            "settlement_status",
            "tx_hash",
            "matched_at",
            "reversed_at",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer[Order]):
    token_id = serializers.CharField(source="outcome.token_id")
    outcome = serializers.CharField(source="outcome.label")
    type = serializers.CharField(source="order_type")
    remaining_size = serializers.DecimalField(max_digits=20, decimal_places=6)

    class Meta:
        model = Order
        fields = [
            "id",
            "client_order_id",
            "venue_order_hash",
            "mode",
            "source",
            "market_id",
            "token_id",
            "outcome",
            "side",
            "type",
            "price",
            "size",
            "filled_size",
            "remaining_size",
            "average_fill_price",
            "fees_paid",
            "status",
            "post_only",
            "expiration",
            "strategy_id",
            "error_code",
            "error_message",
            "created_at",
            "updated_at",
            "submitted_at",
            "closed_at",
        ]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    fills = FillSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "fills"]
        read_only_fields = fields
