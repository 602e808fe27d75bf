"""What the shell (header and sidebar) needs on every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

# Sections appear in the sidebar as they come to exist: (url name, label, icon).
NAV_SECTIONS: list[tuple[str, str, str]] = [
    ("portfolio:dashboard", "Dashboard", "grid"),
    ("accounts:settings", "Settings", "settings"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "nav_sections": NAV_SECTIONS,
            "live_trading_enabled": settings.LIVE_TRADING_ENABLED,
        }
    from alerts.selectors import notification_unread_count

    return {
        "nav_sections": NAV_SECTIONS,
        "live_trading_enabled": settings.LIVE_TRADING_ENABLED,
        "unread_notifications": notification_unread_count(user=user),
    }
