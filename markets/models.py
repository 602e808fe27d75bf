"""What can be traded and at what price: Gamma events and markets, their
outcome tokens, periodic price snapshots, and the raw market-channel
messages the book recorder keeps."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex, GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

from polybot.lib.fields import money_field, price_field
from polybot.lib.money import (
    SIZE_DIGITS,
    SIZE_PLACES,
)


class Event(models.Model):
    """A Gamma event: a group of markets, e.g. every candidate of an election."""

    gamma_id = models.CharField(max_length=32, unique=True)
    slug = models.SlugField(max_length=255, db_index=True)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="")
    image = models.URLField(max_length=1000, blank=True, default="")
    # Neg-risk events convert NO shares across markets; "augmented" ones have
    # an implicit "Other" outcome, so YES prices need not sum to 1 (API.md §6).
    neg_risk = models.BooleanField(default=False)
    neg_risk_augmented = models.BooleanField(default=False)
    neg_risk_market_id = models.CharField(max_length=80, blank=True, default="")
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    closed = models.BooleanField(default=False)
    volume = money_field(default=Decimal("0"))
    liquidity = money_field(default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title


class MarketStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    RESOLVED = "resolved", "Resolved"


class Market(models.Model):
    condition_id = models.CharField(max_length=66, unique=True)
    gamma_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="markets"
    )
    slug = models.SlugField(max_length=255, db_index=True)
    question = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="", db_index=True)
    tags = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    image = models.URLField(max_length=1000, blank=True, default="")
    icon = models.URLField(max_length=1000, blank=True, default="")
    status = models.CharField(
        max_length=8, choices=MarketStatus.choices, default=MarketStatus.ACTIVE
    )
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution_source = models.CharField(max_length=1000, blank=True, default="")
    volume = money_field(default=Decimal("0"))
    volume_24h = money_field(default=Decimal("0"))
    liquidity = money_field(default=Decimal("0"))
    tick_size = price_field(default=Decimal("0.01"))
    min_order_size = models.DecimalField(
        max_digits=SIZE_DIGITS, decimal_places=SIZE_PLACES, default=Decimal("5")
    )
    neg_risk = models.BooleanField(default=False)
    accepting_orders = models.BooleanField(default=True)
    # Fee curve (API.md §5.2): taker fee per share = rate * (p*(1-p))**exponent.
    fees_enabled = models.BooleanField(default=False)
    fee_rate = models.DecimalField(
        max_digits=10, decimal_places=6, default=Decimal("0")
    )
    fee_exponent = models.DecimalField(
        max_digits=10, decimal_places=6, default=Decimal("1")
    )
    fee_taker_only = models.BooleanField(default=True)
    winning_outcome = models.ForeignKey(
        "Outcome", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Weighted full-text document (question A, tags/category B, slug C,
    # description D), kept current by a database trigger (migration 0002)
    # so every write path — sync, import, admin — maintains it.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            GinIndex(fields=["search_vector"], name="market_search_gin"),
            models.Index(fields=["status", "-volume"], name="market_status_volume"),
            models.Index(
                fields=["status", "-liquidity"], name="market_status_liquidity"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MarketStatus.values), name="market_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(tick_size__gt=0, tick_size__lt=1),
                name="market_tick_size_range",
            ),
            models.CheckConstraint(
                condition=Q(min_order_size__gte=0), name="market_min_order_size_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(volume__gte=0, liquidity__gte=0),
                name="market_volume_liquidity_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(fee_rate__gte=0), name="market_fee_rate_nonneg"
            ),
            # Only a resolved market has a winner.
            models.CheckConstraint(
                condition=Q(winning_outcome__isnull=True)
                | Q(status=MarketStatus.RESOLVED),
                name="market_winner_only_when_resolved",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_tradable(self) -> bool:
        return self.status == MarketStatus.ACTIVE and self.accepting_orders


class Outcome(models.Model):
    """One outcome token (ERC-1155 position) of a market: YES, NO, or a name."""

    market = models.ForeignKey(
        Market, on_delete=models.CASCADE, related_name="outcomes"
    )
    token_id = models.CharField(max_length=80, unique=True)
    label = models.CharField(max_length=200)
    index = models.PositiveSmallIntegerField()
    price = price_field(null=True, blank=True)
    previous_price = price_field(null=True, blank=True)
    price_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["market_id", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["market", "index"], name="outcome_unique_index_per_market"
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0, price__lte=1),
                name="outcome_price_range",
            ),
            models.CheckConstraint(
                condition=Q(previous_price__isnull=True)
                | Q(previous_price__gte=0, previous_price__lte=1),
                name="outcome_previous_price_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} — {self.market.question}"

    @property
    def price_change(self) -> Decimal | None:
        if self.price is None or self.previous_price is None:
            return None
        return self.price - self.previous_price


class MarketSnapshot(models.Model):
    """A point-in-time view of one outcome's book top, recorded by the stream."""

    outcome = models.ForeignKey(
        Outcome, on_delete=models.CASCADE, related_name="snapshots"
    )
    taken_at = models.DateTimeField()
    best_bid = price_field(null=True, blank=True)
    best_ask = price_field(null=True, blank=True)
    midpoint = price_field(null=True, blank=True)
    last_trade_price = price_field(null=True, blank=True)
    bid_depth = models.DecimalField(
        max_digits=SIZE_DIGITS, decimal_places=SIZE_PLACES, default=Decimal("0")
    )
    ask_depth = models.DecimalField(
        max_digits=SIZE_DIGITS, decimal_places=SIZE_PLACES, default=Decimal("0")
    )
    volume_24h = money_field(null=True, blank=True)
    liquidity = money_field(null=True, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [
            models.Index(
                fields=["outcome", "-taken_at"], name="snapshot_outcome_recent"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "taken_at"], name="snapshot_unique_per_instant"
            ),
            models.CheckConstraint(
                condition=Q(best_bid__isnull=True)
                | Q(best_ask__isnull=True)
                | Q(best_bid__lte=models.F("best_ask")),
                name="snapshot_book_not_crossed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome_id} @ {self.taken_at:%Y-%m-%d %H:%M:%S}"


class RecordedMessage(models.Model):
    """One market-channel frame exactly as the stream received it (the book
    recorder, ``markets.recorder``). Append-only; pruned by age.

    ``raw`` is never parsed on the way in: the venue's text is the record,
    and ``manage.py export_recording`` hands it back to ``replay_stream``.
    ``asset_ids`` lists the token ids the frame mentions, so one token's
    history can be selected (``asset_ids__contains=[token]``). The primary
    key is the received order: one stream appends in the order it read.
    """

    received_at = models.DateTimeField()
    asset_ids = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    raw = models.TextField()

    class Meta:
        indexes = [
            # BRIN, not B-tree: rows arrive in time order, so a block-range
            # index serves the age-based prune and export ranges at a tiny
            # fraction of a B-tree's size on a table this large.
            BrinIndex(fields=["received_at"], name="recorded_message_received_brin"),
            GinIndex(fields=["asset_ids"], name="recorded_message_assets_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S.%f} {len(self.raw)} bytes"
