"""Aware-UTC time helpers (STYLE R16)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone


def utc_now() -> datetime:
    return timezone.now()


def from_unix(seconds: float | int | str) -> datetime:
    """Venue timestamps arrive as unix seconds or milliseconds, often as strings."""
    value = float(seconds)
    if value > 1e11:  # milliseconds
        value /= 1000
    return datetime.fromtimestamp(value, tz=UTC)


def start_of_utc_day(moment: datetime | None = None) -> datetime:
    moment = moment or utc_now()
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
