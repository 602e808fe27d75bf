"""Automated strategies, the markets they trade, their runs and decision logs."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from polybot.lib.money import MONEY_DIGITS, MONEY_PLACES, SIZE_DIGITS, SIZE_PLACES
from polybot.lib.types import TradingMode


class StrategyKind(models.TextChoices):
    MARKET_MAKING = "market_making", "Market making"
    MOMENTUM = "momentum", "Momentum"
    MEAN_REVERSION = "mean_reversion", "Mean reversion"
    ARBITRAGE = "arbitrage", "Arbitrage"
    CUSTOM_RULE = "custom_rule", "Custom rule"


class StrategyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"
    ERROR = "error", "Error"


class Strategy(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="strategies"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=16, choices=StrategyKind.choices)
    # Typed per kind and validated on save by the strategy's parameter model.
    params = models.JSONField(default=dict, blank=True)
    mode = models.CharField(
        max_length=5, choices=TradingMode.choices, default=TradingMode.PAPER
    )
    status = models.CharField(
        max_length=8, choices=StrategyStatus.choices, default=StrategyStatus.DRAFT
    )
    interval_seconds = models.PositiveIntegerField(default=60)
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    max_position_size = models.DecimalField(
        max_digits=SIZE_DIGITS, decimal_places=SIZE_PLACES, default=Decimal("100")
    )
    max_order_size = models.DecimalField(
        max_digits=SIZE_DIGITS, decimal_places=SIZE_PLACES, default=Decimal("25")
    )
    stop_loss_pct = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True
    )
    take_profit_pct = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "strategies"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="strategy_unique_name_per_user"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=StrategyKind.values), name="strategy_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=StrategyStatus.values),
                name="strategy_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=TradingMode.values), name="strategy_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(interval_seconds__gte=5), name="strategy_interval_min_5s"
            ),
            models.CheckConstraint(
                condition=Q(max_position_size__gt=0, max_order_size__gt=0),
                name="strategy_sizes_positive",
            ),
            models.CheckConstraint(
                condition=Q(start_at__isnull=True)
                | Q(end_at__isnull=True)
                | Q(end_at__gt=models.F("start_at")),
                name="strategy_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StrategyMarket(models.Model):
    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="strategy_markets"
    )
    market = models.ForeignKey(
        "markets.Market", on_delete=models.CASCADE, related_name="strategy_links"
    )
    # Empty means every outcome of the market.
    outcome = models.ForeignKey(
        "markets.Outcome",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "market"], name="strategy_market_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy} → {self.market}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    PRICE = "price", "Price event"
    MANUAL = "manual", "Manual"
    BACKTEST = "backtest", "Backtest"


class StrategyRun(models.Model):
    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="runs"
    )
    trigger = models.CharField(
        max_length=8, choices=RunTrigger.choices, default=RunTrigger.SCHEDULE
    )
    status = models.CharField(
        max_length=9, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    intents_count = models.PositiveIntegerField(default=0)
    orders_placed = models.PositiveIntegerField(default=0)
    orders_rejected = models.PositiveIntegerField(default=0)
    pnl = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["strategy", "-started_at"], name="run_strategy_recent")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(finished_at__gte=models.F("started_at")),
                name="run_finished_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.strategy_id} ({self.status})"


class LogLevel(models.TextChoices):
    DEBUG = "debug", "Debug"
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class StrategyLog(models.Model):
    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="logs"
    )
    run = models.ForeignKey(
        StrategyRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="logs",
    )
    level = models.CharField(
        max_length=7, choices=LogLevel.choices, default=LogLevel.INFO
    )
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["strategy", "-created_at"], name="strategylog_recent")
        ]

    def __str__(self) -> str:
        return f"[{self.level}] {self.message}"
