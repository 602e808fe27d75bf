"""Enumerations shared by several apps (STYLE R3: cross-cutting helpers live here)."""

from __future__ import annotations

from typing import Any

from django.db import models

JSONDict = dict[str, Any]


class TradingMode(models.TextChoices):
    PAPER = "paper", "Paper"
    LIVE = "live", "Live"


class Side(models.TextChoices):
    BUY = "BUY", "Buy"
    SELL = "SELL", "Sell"
