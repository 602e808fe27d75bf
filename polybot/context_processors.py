"""What the shell (header and sidebar) needs on every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

# Sections appear in the sidebar as they come to exist: (url name, label, icon).
# The icon is a symbol id in templates/includes/_icons.html, without "i-".
NAV_SECTIONS: list[tuple[str, str, str]] = [
    ("portfolio:dashboard", "Dashboard", "grid"),
    ("markets:list", "Markets", "trending-up"),
    ("orders:list", "Orders", "list"),
    ("portfolio:positions", "Positions", "briefcase"),
    ("orders:fills", "Fills", "activity"),
    ("accounts:settings", "Settings", "settings"),
]


def _active_section(request: HttpRequest) -> str | None:
    """The section to highlight: an exact match, else the section that shares
    the page's URL namespace (the password page lights up Settings)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    names = [name for name, _, _ in NAV_SECTIONS]
    if match.view_name in names:
        return match.view_name
    return next(
        (name for name in names if name.partition(":")[0] == match.namespace), None
    )


def shell(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "nav_sections": NAV_SECTIONS,
        "nav_active": _active_section(request),
        "live_trading_enabled": settings.LIVE_TRADING_ENABLED,
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    from accounts.models import BotSettings
    from alerts.selectors import notification_unread_count

    context["unread_notifications"] = notification_unread_count(user=user)
    # The header's kill switch, or the halt and its re-arm. Read only: a
    # page view never writes (no row yet means never halted).
    context["trading_bot"] = BotSettings.objects.filter(user=user).first()
    return context
