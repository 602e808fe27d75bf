from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from polybot.http import HtmxRequest
from portfolio import selectors
from portfolio.positions import closed_position_rows

CLOSED_PAGE_SIZE = 25
OPEN_POSITIONS_TEMPLATE = "portfolio/partials/_open_positions.html"


@require_GET
@login_required
def dashboard(request: HtmxRequest) -> HttpResponse:
    mode = request.user.trading_mode
    stats = selectors.dashboard_stats(user=request.user, mode=mode)
    positions = selectors.dashboard_positions(user=request.user, mode=mode)
    context = {
        "stats": stats,
        "positions": positions,
        "mode_label": request.user.get_trading_mode_display(),
    }
    return render(request, "portfolio/dashboard.html", context)


@require_GET
@login_required
def position_list(request: HtmxRequest) -> HttpResponse:
    """Open positions (live: pushed over the account socket, and polled),
    or with ``?view=closed`` the closed and resolved ones, a page at a time."""
    view = "closed" if request.GET.get("view") == "closed" else "open"
    # htmx asks for the swappable section alone (the open one polls), except
    # to restore history it has no snapshot of.
    partial = request.htmx and not request.htmx.history_restore_request
    context: dict[str, Any] = {"view": view}
    if view == "closed":
        positions = selectors.closed_position_list(
            user=request.user, mode=request.user.trading_mode
        )
        page = Paginator(positions, CLOSED_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, closed=closed_position_rows(list(page)))
        template = "portfolio/positions.html#closed-positions"
    else:
        context.update(selectors.open_positions_panel(user=request.user))
        template = OPEN_POSITIONS_TEMPLATE
    response = render(
        request, template if partial else "portfolio/positions.html", context
    )
    patch_vary_headers(response, ("HX-Request",))
    return response
