from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import (
    SIGNATURE_TYPE_HELP,
    BotSettingsForm,
    TradingModeForm,
    WalletConnectForm,
)
from accounts.trading_mode import trading_mode_switch
from orders.models import ACTIVE_ORDER_STATUSES, Order
from polybot.exceptions import ApplicationError
from polybot.http import HtmxRequest
from polybot.lib.types import TradingMode
from portfolio.cash import paper_cash_reserved
from portfolio.selectors import paper_cash_shown


@require_http_methods(["GET", "POST"])
@login_required
def settings_page(request: HtmxRequest) -> HttpResponse:
    bot_settings = selectors.bot_settings_get(user=request.user)
    form = BotSettingsForm(request.POST or None, instance=bot_settings)
    if request.method == "POST" and form.is_valid():
        services.bot_settings_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Settings saved.")
        return redirect("accounts:settings")
    if request.method == "POST":
        # The form's instance was mutated by validation; keep the DB row intact.
        bot_settings.refresh_from_db()
    return render(
        request,
        "accounts/settings.html",
        settings_context(request, form=form, bot_settings=bot_settings),
        status=400 if form.errors else 200,
    )


def settings_context(request: HtmxRequest, **overrides: Any) -> dict[str, Any]:
    """Everything the Settings page shows. Reads only: the venue is asked
    by the wallet checks, which the page loads after it renders."""
    context = wallet_card_context(request) | paper_card_context(request)
    if "bot_settings" not in overrides:
        context["bot_settings"] = selectors.bot_settings_get(user=request.user)
        context["form"] = BotSettingsForm(instance=context["bot_settings"])
    context["mode_form"] = TradingModeForm(
        initial={"trading_mode": request.user.trading_mode}
    )
    return context | overrides


def wallet_card_context(
    request: HtmxRequest, wallet_form: WalletConnectForm | None = None
) -> dict[str, Any]:
    wallet = selectors.wallet_active(user=request.user)
    return {
        "wallet": wallet,
        "wallet_help": SIGNATURE_TYPE_HELP[wallet.signature_type] if wallet else "",
        "wallet_form": wallet_form or WalletConnectForm(),
    }


def paper_card_context(request: HtmxRequest) -> dict[str, Any]:
    user = request.user
    return {
        "paper_balance": paper_cash_shown(user=user),
        "paper_reserved": paper_cash_reserved(user),
        "paper_open_orders": Order.objects.filter(
            user=user, mode=TradingMode.PAPER, status__in=ACTIVE_ORDER_STATUSES
        ).count(),
        "paper_starting_balance": selectors.bot_settings_get(
            user=user
        ).paper_starting_balance,
    }


@require_POST
@login_required
def trading_mode_update(request: HtmxRequest) -> HttpResponse:
    form = TradingModeForm(request.POST)
    if form.is_valid():
        try:
            trading_mode_switch(
                user=request.user, mode=form.cleaned_data["trading_mode"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            # The gate's reasons, one per line, so the user sees what to fix.
            for problem in (exc.details or {}).get("problems", []):
                messages.error(request, problem)
        else:
            messages.success(
                request,
                f"Trading mode is now {request.user.get_trading_mode_display()}.",
            )
    else:
        messages.error(request, "Choose paper or live.")
    return redirect("accounts:settings")
