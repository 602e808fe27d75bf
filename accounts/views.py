from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import BotSettingsForm, TradingModeForm
from polybot.exceptions import ApplicationError
from polybot.http import HtmxRequest


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
    mode_form = TradingModeForm(initial={"trading_mode": request.user.trading_mode})
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "mode_form": mode_form, "bot_settings": bot_settings},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def trading_mode_update(request: HtmxRequest) -> HttpResponse:
    form = TradingModeForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_trading_mode(
                user=request.user, mode=form.cleaned_data["trading_mode"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Trading mode is now {request.user.get_trading_mode_display()}.",
            )
    else:
        messages.error(request, "Choose paper or live.")
    return redirect("accounts:settings")
