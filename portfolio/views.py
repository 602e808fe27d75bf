from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from polybot.http import HtmxRequest
from portfolio import selectors


@require_GET
@login_required
def dashboard(request: HtmxRequest) -> HttpResponse:
    mode = request.user.trading_mode
    stats = selectors.dashboard_stats(user=request.user, mode=mode)
    positions = selectors.position_list(user=request.user, mode=mode)[:10]
    return render(
        request, "portfolio/dashboard.html", {"stats": stats, "positions": positions}
    )


def position_list(request: HtmxRequest) -> HttpResponse:  # pragma: no cover
    raise NotImplementedError  # being written
