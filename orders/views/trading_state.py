"""The header's trading state: the kill switch, the halt it leaves and the
re-arm that lifts it (DESIGN §4). The same services back the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import bot_settings_get
from orders import services
from polybot.http import HtmxRequest

TEMPLATE = "orders/trading_state_response.html"


@require_GET
@login_required
def state(request: HtmxRequest) -> HttpResponse:
    """The trading state alone: what pages poll while their socket is down."""
    bot = bot_settings_get(user=request.user)
    return render(request, "includes/_trading_state.html", {"bot": bot})


@require_POST
@login_required
def kill_switch(request: HtmxRequest) -> HttpResponse:
    result = services.kill_switch_engage(user=request.user)
    strategies = (
        f" and stopped {result.strategies_stopped} "
        f"strateg{'y' if result.strategies_stopped == 1 else 'ies'}"
        if result.strategies_stopped
        else ""
    )
    messages.warning(
        request,
        f"Kill switch engaged: cancelled {result.cancelled} "
        f"order{'' if result.cancelled == 1 else 's'}{strategies}. "
        "Trading is halted until you re-arm.",
    )
    return _answer(request)


@require_POST
@login_required
def rearm(request: HtmxRequest) -> HttpResponse:
    services.trading_rearm(user=request.user)
    messages.success(request, "Trading re-armed: new orders are accepted again.")
    return _answer(request)


def _answer(request: HtmxRequest) -> HttpResponse:
    """htmx swaps the new state in place and shows the toast out of band;
    a plain form post goes back where it came from."""
    if not request.htmx:
        back = request.headers.get("referer", "")
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(back if safe else "portfolio:dashboard")
    bot = bot_settings_get(user=request.user)
    return render(request, TEMPLATE, {"bot": bot})
