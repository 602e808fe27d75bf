"""What we hold and how it is doing: positions, the paper cash ledger and
portfolio snapshots."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from polybot.lib.fields import money_field
from polybot.lib.money import (
    PRICE_DIGITS,
    PRICE_PLACES,
    SIZE_DIGITS,
    SIZE_PLACES,
)
from polybot.lib.types import TradingMode


class PositionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    # Live positions in a resolved market wait for on-chain redemption.
    REDEEMABLE = "redeemable", "Redeemable"
    RESOLVED = "resolved", "Resolved"


class Position(models.Model):
    """A long position in one outcome token (DESIGN §4: average cost, realized
    P&L and fees kept apart)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="positions"
    )
    mode = models.CharField(max_length=5, choices=TradingMode.choices)
    market = models.ForeignKey(
        "markets.Market", on_delete=models.PROTECT, related_name="positions"
    )
    outcome = models.ForeignKey(
        "markets.Outcome", on_delete=models.PROTECT, related_name="positions"
    )
    size = models.DecimalField(
        max_digits=SIZE_DIGITS, decimal_places=SIZE_PLACES, default=Decimal("0")
    )
    average_entry_price = models.DecimalField(
        max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, default=Decimal("0")
    )
    # What the shares held cost, kept exactly: the average entry price is
    # derived from it, so repeated average-cost updates never drift by a
    # rounding of the average.
    cost_basis = money_field(default=Decimal("0"))
    realized_pnl = money_field(default=Decimal("0"))
    fees_paid = money_field(default=Decimal("0"))
    status = models.CharField(
        max_length=10, choices=PositionStatus.choices, default=PositionStatus.OPEN
    )
    # Payout owed by a resolved market to a live position until it is redeemed.
    redeemable_amount = money_field(default=Decimal("0"))
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "mode", "status"], name="position_user_mode_status"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=TradingMode.values), name="position_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PositionStatus.values),
                name="position_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(size__gte=0), name="position_size_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(average_entry_price__gte=0, average_entry_price__lte=1),
                name="position_avg_price_range",
            ),
            models.CheckConstraint(
                condition=Q(fees_paid__gte=0), name="position_fees_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(cost_basis__gte=0), name="position_cost_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(redeemable_amount__gte=0), name="position_redeemable_nonneg"
            ),
            models.UniqueConstraint(
                fields=["user", "mode", "outcome"],
                condition=Q(status="open"),
                name="position_one_open_per_token",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.size} × {self.outcome_id} @ {self.average_entry_price} ({self.mode})"

    @property
    def net_realized_pnl(self) -> Decimal:
        return self.realized_pnl - self.fees_paid

    def unrealized_pnl(self, mark: Decimal | None) -> Decimal | None:
        if mark is None:
            return None
        # From the exact cost basis, like ``portfolio.pnl``: the stored
        # average is rounded to 6 places and would be off by its rounding.
        return self.size * mark - self.cost_basis


class CashEntryKind(models.TextChoices):
    DEPOSIT = "deposit", "Starting balance"
    RESET = "reset", "Balance reset"
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    FEE = "fee", "Fee"
    SETTLEMENT = "settlement", "Market settlement"
    REVERSAL = "reversal", "Failed fill reversed"
    ADJUSTMENT = "adjustment", "Adjustment"


class CashLedgerEntry(models.Model):
    """One movement of paper cash. The balance is the running sum; each row
    stores ``balance_after`` so history reads without re-summing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cash_entries"
    )
    mode = models.CharField(
        max_length=5, choices=TradingMode.choices, default=TradingMode.PAPER
    )
    kind = models.CharField(max_length=10, choices=CashEntryKind.choices)
    amount = money_field()
    balance_after = money_field()
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fill = models.ForeignKey(
        "orders.Fill", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    memo = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "cash ledger entries"
        indexes = [
            models.Index(
                fields=["user", "mode", "-created_at"], name="cash_user_mode_recent"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=TradingMode.values), name="cash_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CashEntryKind.values), name="cash_kind_valid"
            ),
            # Paper cash can never go negative: buys are reserved before they fill.
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="cash_balance_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+} → {self.balance_after}"


class PortfolioSnapshot(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portfolio_snapshots",
    )
    mode = models.CharField(max_length=5, choices=TradingMode.choices)
    taken_at = models.DateTimeField()
    cash = money_field(default=Decimal("0"))
    positions_value = money_field(default=Decimal("0"))
    equity = money_field(default=Decimal("0"))
    realized_pnl = money_field(default=Decimal("0"))
    unrealized_pnl = money_field(default=Decimal("0"))
    fees_paid = money_field(default=Decimal("0"))
    open_positions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-taken_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=TradingMode.values), name="snapshot_mode_valid"
            ),
            models.UniqueConstraint(
                fields=["user", "mode", "taken_at"], name="portfolio_snapshot_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.mode} {self.taken_at:%Y-%m-%d %H:%M} equity {self.equity}"
