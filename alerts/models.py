"""Telling the user what happened: alert rules and in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from polybot.lib.money import PRICE_DIGITS, PRICE_PLACES


class AlertKind(models.TextChoices):
    PRICE_ABOVE = "price_above", "Price rises above"
    PRICE_BELOW = "price_below", "Price falls below"
    PRICE_CHANGE = "price_change", "Price moves by more than (pct)"
    FILL = "fill", "An order fills"
    PNL_BELOW = "pnl_below", "Daily P&L falls below"
    STRATEGY_ERROR = "strategy_error", "A strategy fails"
    MARKET_RESOLVED = "market_resolved", "A market resolves"


class AlertChannel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class Alert(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    market = models.ForeignKey(
        "markets.Market",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    outcome = models.ForeignKey(
        "markets.Outcome",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    threshold = models.DecimalField(
        max_digits=PRICE_DIGITS + 6, decimal_places=PRICE_PLACES, null=True, blank=True
    )
    channel = models.CharField(
        max_length=8, choices=AlertChannel.choices, default=AlertChannel.IN_APP
    )
    webhook_url = models.URLField(max_length=500, blank=True, default="")
    is_active = models.BooleanField(default=True)
    cooldown_minutes = models.PositiveIntegerField(default=60)
    last_triggered_at = models.DateTimeField(null=True, blank=True)
    trigger_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AlertKind.values), name="alert_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=AlertChannel.values), name="alert_channel_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["price_above", "price_below", "price_change"])
                | (Q(outcome__isnull=False) & Q(threshold__isnull=False)),
                name="alert_price_needs_outcome_and_threshold",
            ),
            models.CheckConstraint(
                condition=~Q(channel="webhook") | ~Q(webhook_url=""),
                name="alert_webhook_needs_url",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class NotificationLevel(models.TextChoices):
    INFO = "info", "Info"
    SUCCESS = "success", "Success"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    alert = models.ForeignKey(
        Alert,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    level = models.CharField(
        max_length=7, choices=NotificationLevel.choices, default=NotificationLevel.INFO
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    link = models.CharField(max_length=500, blank=True, default="")
    read_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread")
        ]

    def __str__(self) -> str:
        return self.title
