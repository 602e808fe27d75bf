"""Orders and the fills ledger, paper and live in the same tables (STYLE R11)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from polybot.lib.fields import price_field, size_field
from polybot.lib.money import (
    MONEY_DIGITS,
    MONEY_PLACES,
)
from polybot.lib.types import Side, TradingMode


class OrderType(models.TextChoices):
    GTC = "GTC", "Good till cancelled"
    GTD = "GTD", "Good till date"
    FOK = "FOK", "Fill or kill"
    FAK = "FAK", "Fill and kill"


class OrderStatus(models.TextChoices):
    """DESIGN §4 lifecycle: pending -> submitting -> open | partial | filled |
    cancelled | expired | rejected, or unknown when a submission's fate is
    not known yet."""

    PENDING = "pending", "Pending"
    SUBMITTING = "submitting", "Submitting"
    OPEN = "open", "Open"
    PARTIAL = "partial", "Partially filled"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    REJECTED = "rejected", "Rejected"
    UNKNOWN = "unknown", "Unknown"


ACTIVE_ORDER_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.SUBMITTING,
    OrderStatus.OPEN,
    OrderStatus.PARTIAL,
    OrderStatus.UNKNOWN,
)


class OrderSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    API = "api", "API"
    STRATEGY = "strategy", "Strategy"


class Order(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    mode = models.CharField(max_length=5, choices=TradingMode.choices)
    source = models.CharField(
        max_length=8, choices=OrderSource.choices, default=OrderSource.MANUAL
    )
    client_order_id = models.CharField(max_length=64, unique=True)
    # The venue's id is the EIP-712 order hash, known before posting.
    venue_order_hash = models.CharField(
        max_length=66, unique=True, null=True, blank=True
    )
    market = models.ForeignKey(
        "markets.Market", on_delete=models.PROTECT, related_name="orders"
    )
    outcome = models.ForeignKey(
        "markets.Outcome", on_delete=models.PROTECT, related_name="orders"
    )
    side = models.CharField(max_length=4, choices=Side.choices)
    order_type = models.CharField(
        max_length=3, choices=OrderType.choices, default=OrderType.GTC
    )
    price = price_field()
    size = size_field()
    filled_size = size_field(default=Decimal("0"))
    average_fill_price = price_field(null=True, blank=True)
    fees_paid = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal("0")
    )
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    post_only = models.BooleanField(default=False)
    expiration = models.DateTimeField(null=True, blank=True)
    strategy = models.ForeignKey(
        "strategies.Strategy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    strategy_run = models.ForeignKey(
        "strategies.StrategyRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.CharField(max_length=500, blank=True, default="")
    # What was signed and sent, kept so a lost submission can be re-sent
    # byte-identical instead of re-signed (DESIGN §4 "Exactly once").
    signed_payload = models.JSONField(null=True, blank=True)
    # Committed just before the payload is posted: while it is unset the
    # record proves the order never left the process, so re-posting the same
    # signed payload is safe; once set, only the venue can say what happened.
    post_started_at = models.DateTimeField(null=True, blank=True)
    # Paper orders resting on the book: shares ahead of this one at its price
    # (DESIGN §4 "Paper matching"); kept current by the stream.
    paper_queue_ahead = size_field(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "mode", "status"], name="order_user_mode_status"
            ),
            models.Index(fields=["status", "updated_at"], name="order_status_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=TradingMode.values), name="order_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(side__in=Side.values), name="order_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(order_type__in=OrderType.values), name="order_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="order_size_positive"),
            models.CheckConstraint(
                condition=Q(price__gt=0, price__lt=1), name="order_price_in_range"
            ),
            models.CheckConstraint(
                condition=Q(filled_size__gte=0), name="order_filled_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(filled_size__lte=F("size")), name="order_filled_within_size"
            ),
            models.CheckConstraint(
                condition=Q(fees_paid__gte=0), name="order_fees_nonneg"
            ),
            models.CheckConstraint(
                condition=~Q(order_type=OrderType.GTD) | Q(expiration__isnull=False),
                name="order_gtd_has_expiration",
            ),
            # The venue accepts post-only only on resting orders (API.md §5.1).
            models.CheckConstraint(
                condition=Q(post_only=False)
                | Q(order_type__in=[OrderType.GTC, OrderType.GTD]),
                name="order_post_only_resting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.size} @ {self.price} ({self.status})"

    @property
    def remaining_size(self) -> Decimal:
        return self.size - self.filled_size

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ORDER_STATUSES


class LiquidityRole(models.TextChoices):
    MAKER = "maker", "Maker"
    TAKER = "taker", "Taker"


class SettlementStatus(models.TextChoices):
    """On-chain settlement of a match (API.md §5): final only at CONFIRMED."""

    MATCHED = "MATCHED", "Matched"
    MINED = "MINED", "Mined"
    CONFIRMED = "CONFIRMED", "Confirmed"
    RETRYING = "RETRYING", "Retrying"
    FAILED = "FAILED", "Failed"


class Fill(models.Model):
    """One execution of one of our orders. ``venue_trade_id`` is unique, so
    applying the same trade twice cannot double-count it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fills"
    )
    mode = models.CharField(max_length=5, choices=TradingMode.choices)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="fills", null=True, blank=True
    )
    venue_trade_id = models.CharField(max_length=100, unique=True)
    market = models.ForeignKey(
        "markets.Market", on_delete=models.PROTECT, related_name="fills"
    )
    outcome = models.ForeignKey(
        "markets.Outcome", on_delete=models.PROTECT, related_name="fills"
    )
    side = models.CharField(max_length=4, choices=Side.choices)
    price = price_field()
    size = size_field()
    fee = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal("0")
    )
    role = models.CharField(max_length=5, choices=LiquidityRole.choices)
    settlement_status = models.CharField(
        max_length=9, choices=SettlementStatus.choices, default=SettlementStatus.MATCHED
    )
    tx_hash = models.CharField(max_length=66, blank=True, default="")
    matched_at = models.DateTimeField()
    # The position this fill built (a later reversal replays its fills).
    position = models.ForeignKey(
        "portfolio.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fills",
    )
    # Set when a FAILED settlement has been reversed out of the position.
    reversed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-matched_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "mode", "-matched_at"], name="fill_user_mode_recent"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=TradingMode.values), name="fill_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(side__in=Side.values), name="fill_side_valid"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="fill_size_positive"),
            models.CheckConstraint(
                condition=Q(price__gt=0, price__lt=1), name="fill_price_in_range"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="fill_fee_nonneg"),
            models.CheckConstraint(
                condition=Q(role__in=LiquidityRole.values), name="fill_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(settlement_status__in=SettlementStatus.values),
                name="fill_settlement_status_valid",
            ),
            # Makers pay no fee on Polymarket V2 (API.md §5.2).
            models.CheckConstraint(
                condition=Q(role="taker") | Q(fee=0), name="fill_maker_pays_no_fee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.size} @ {self.price} [{self.settlement_status}]"

    @property
    def is_final(self) -> bool:
        return self.settlement_status == SettlementStatus.CONFIRMED
