"""Market API shapes. Prices, sizes and money are decimal strings with the
columns' six places, as everywhere in the API (STYLE R15); keys turn
camelCase in the renderer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from markets.history import DEFAULT_INTERVAL, HistoryPoint, PriceInterval
from markets.live import BookView
from markets.models import Event, Market, MarketSnapshot, MarketStatus, Outcome
from markets.selectors import MarketFilters, MarketSort, SortOrder
from polybot.lib.money import PRICE_DIGITS, PRICE_PLACES, SIZE_DIGITS, SIZE_PLACES


def _price(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **kwargs
    )


def _size(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=SIZE_DIGITS, decimal_places=SIZE_PLACES, **kwargs
    )


# --- list ----------------------------------------------------------------------

# The API's sortBy values, as the seed names them, and the list's sorts.
SORT_BY: dict[str, str] = {
    "volume": MarketSort.VOLUME,
    "liquidity": MarketSort.LIQUIDITY,
    "endDate": MarketSort.END_DATE,
    "createdAt": MarketSort.NEWEST,
    "priceChange": MarketSort.MOVE,
}


class MarketFilterSerializer(serializers.Serializer[Any]):
    search = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Full-text search over question, description, slug and tags "
        '(websearch syntax: "phrase", -exclude, or). The last word also '
        "matches as a prefix.",
    )
    category = serializers.CharField(
        required=False, max_length=100, help_text="A category or tag, any case."
    )
    status = serializers.ChoiceField(required=False, choices=MarketStatus.values)
    sort_by = serializers.ChoiceField(
        required=False,
        choices=list(SORT_BY),
        help_text="Default: relevance when searching, else volume. "
        "priceChange is the first outcome's move from its previous price.",
    )
    sort_order = serializers.ChoiceField(
        required=False,
        choices=SortOrder.values,
        help_text="Default: asc for endDate, desc for the others.",
    )
    min_liquidity = serializers.DecimalField(
        required=False, max_digits=20, decimal_places=6, min_value=0
    )
    min_volume = serializers.DecimalField(
        required=False, max_digits=20, decimal_places=6, min_value=0
    )
    end_before = serializers.DateTimeField(
        required=False, help_text="Markets ending before this instant (ISO 8601)."
    )
    end_after = serializers.DateTimeField(
        required=False, help_text="Markets ending at or after this instant."
    )
    neg_risk = serializers.BooleanField(required=False, allow_null=True, default=None)

    def to_filters(self) -> MarketFilters:
        data = self.validated_data
        return MarketFilters(
            search=data.get("search", ""),
            category=data.get("category", "").strip(),
            status=data.get("status", ""),
            min_liquidity=data.get("min_liquidity"),
            min_volume=data.get("min_volume"),
            end_before=data.get("end_before"),
            end_after=data.get("end_after"),
            neg_risk=data.get("neg_risk"),
            sort=SORT_BY.get(data.get("sort_by", ""), ""),
            order=data.get("sort_order", ""),
        )


class MarketOutcomeSerializer(serializers.ModelSerializer[Outcome]):
    price_change = _price(
        read_only=True,
        allow_null=True,
        help_text="price − previousPrice; null while either is unknown.",
    )

    class Meta:
        model = Outcome
        fields = [
            "token_id",
            "label",
            "index",
            "price",
            "previous_price",
            "price_change",
        ]
        read_only_fields = fields


class MarketSummarySerializer(serializers.ModelSerializer[Market]):
    outcomes = MarketOutcomeSerializer(many=True, read_only=True)

    class Meta:
        model = Market
        fields = [
            "id",
            "condition_id",
            "slug",
            "question",
            "category",
            "tags",
            "status",
            "end_date",
            "volume",
            "volume_24h",
            "liquidity",
            "neg_risk",
            "accepting_orders",
            "outcomes",
        ]
        read_only_fields = fields


# --- detail --------------------------------------------------------------------


class BookLevelSerializer(serializers.Serializer[Any]):
    price = _price()
    size = _size()

    def to_representation(self, instance: Any) -> Any:
        # BookView keeps levels as (price, size) pairs.
        if isinstance(instance, tuple | list):
            price, size = instance
            instance = {"price": price, "size": size}
        return super().to_representation(instance)


class BookSerializer(serializers.Serializer[BookView]):
    bids = BookLevelSerializer(many=True, help_text="Best (highest) first.")
    asks = BookLevelSerializer(many=True, help_text="Best (lowest) first.")
    best_bid = _price(allow_null=True)
    best_ask = _price(allow_null=True)
    spread = _price(allow_null=True)
    midpoint = _price(allow_null=True)
    last_trade_price = _price(allow_null=True)
    trusted = serializers.BooleanField(
        help_text="False while the stream waits for a fresh snapshot: the "
        "levels may be out of date."
    )
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: BookView) -> Any:
        data = super().to_representation(instance)
        # BookView keeps an ISO string; parse so the output has one format.
        data["updated_at"] = serializers.DateTimeField().to_representation(
            datetime.fromisoformat(instance.updated_at.replace("Z", "+00:00"))
        )
        return data


class PriceHistoryQuerySerializer(serializers.Serializer[Any]):
    interval = serializers.ChoiceField(
        required=False,
        choices=PriceInterval.values,
        default=DEFAULT_INTERVAL.value,
        help_text="The span of each outcome's priceHistory, ending now: the "
        "venue's prices-history at 1, 5, 15, 60 and 1440 minutes a point. "
        "When the venue fails, the points are our own recorded snapshots.",
    )


class PricePointSerializer(serializers.Serializer[HistoryPoint]):
    t = serializers.DateTimeField()
    price = _price(source="p")
    best_bid = _price(
        allow_null=True, help_text="Only on points from our own snapshots."
    )
    best_ask = _price(
        allow_null=True, help_text="Only on points from our own snapshots."
    )


class MarketOutcomeDetailSerializer(MarketOutcomeSerializer):
    book = serializers.SerializerMethodField()
    price_history = serializers.SerializerMethodField()

    class Meta(MarketOutcomeSerializer.Meta):
        fields = [*MarketOutcomeSerializer.Meta.fields, "book", "price_history"]
        read_only_fields = fields

    @extend_schema_field(
        BookSerializer(
            allow_null=True,
            help_text="The live book from the stream; null when there is none "
            "(the outcome is stale).",
        )
    )
    def get_book(self, outcome: Outcome) -> Any:
        book = self.context["books"].get(outcome.token_id)
        return None if book is None else BookSerializer(book).data

    @extend_schema_field(
        PricePointSerializer(
            many=True, help_text="Over the requested interval, oldest first."
        )
    )
    def get_price_history(self, outcome: Outcome) -> Any:
        series = self.context["history"].get(outcome.token_id)
        points = series.points if series is not None else []
        return PricePointSerializer(points, many=True).data


class FeeCurveSerializer(serializers.Serializer[Market]):
    enabled = serializers.BooleanField(source="fees_enabled")
    rate = serializers.DecimalField(source="fee_rate", max_digits=10, decimal_places=6)
    exponent = serializers.DecimalField(
        source="fee_exponent", max_digits=10, decimal_places=6
    )
    taker_only = serializers.BooleanField(source="fee_taker_only")


class MarketEventSerializer(serializers.ModelSerializer[Event]):
    class Meta:
        model = Event
        fields = ["id", "slug", "title", "category", "neg_risk", "neg_risk_augmented"]
        read_only_fields = fields


class MarketDetailSerializer(MarketSummarySerializer):
    """Needs ``books`` (token id -> BookView) and ``history`` (token id ->
    PriceSeries) in its context."""

    outcomes = MarketOutcomeDetailSerializer(many=True, read_only=True)
    fee_curve = FeeCurveSerializer(
        source="*",
        read_only=True,
        help_text="Takers pay shares × rate × (p(1−p))^exponent per fill; "
        "makers pay nothing when takerOnly.",
    )
    event = MarketEventSerializer(read_only=True, allow_null=True)

    class Meta(MarketSummarySerializer.Meta):
        fields = [
            *MarketSummarySerializer.Meta.fields,
            "description",
            "resolution_source",
            "start_date",
            "tick_size",
            "min_order_size",
            "fee_curve",
            "event",
        ]
        read_only_fields = fields


# --- snapshots -------------------------------------------------------------------


class MarketSnapshotFilterSerializer(serializers.Serializer[Any]):
    token_id = serializers.CharField(
        required=False, max_length=80, help_text="Only this outcome token."
    )
    from_ = serializers.DateTimeField(
        required=False, help_text="Taken at or after this instant."
    )
    to = serializers.DateTimeField(
        required=False, help_text="Taken before this instant."
    )

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "from" is a keyword in Python, not in a query string.
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class MarketSnapshotSerializer(serializers.ModelSerializer[MarketSnapshot]):
    token_id = serializers.CharField(source="outcome.token_id", read_only=True)

    class Meta:
        model = MarketSnapshot
        fields = [
            "token_id",
            "taken_at",
            "best_bid",
            "best_ask",
            "midpoint",
            "last_trade_price",
            "bid_depth",
            "ask_depth",
            "volume_24h",
            "liquidity",
        ]
        read_only_fields = fields
