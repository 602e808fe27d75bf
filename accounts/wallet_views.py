"""Settings → Wallet & venue, and the paper balance reset (STYLE R17).

Each view answers htmx with the card it changed (and its toasts out of
band), and a plain form post with a redirect back to Settings, or the whole
page with the form's errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import WalletConnectForm
from accounts.paper import paper_balance_reset
from accounts.venue_checks import wallet_checks, wallet_credentials_derive
from accounts.views import paper_card_context, settings_context, wallet_card_context
from accounts.wallets import wallet_connect, wallet_disconnect
from polybot.exceptions import ApplicationError
from polybot.http import HtmxRequest

WALLET_CARD = "accounts/partials/_wallet_card.html"
WALLET_CHECKS = "accounts/partials/_wallet_checks.html"
PAPER_CARD = "accounts/partials/_paper_card.html"


@sensitive_post_parameters("private_key")
@require_POST
@login_required
def wallet_connect_view(request: HtmxRequest) -> HttpResponse:
    form = WalletConnectForm(request.POST)
    if form.is_valid():
        try:
            wallet = wallet_connect(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            if isinstance(exc.details, dict):
                form.add_service_errors(exc.details)
            else:
                # Not about one field (locked while live, no master key): a
                # toast, since the form may not even be on the card.
                messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Wallet {wallet.address} connected (key fingerprint "
                f"{wallet.credential.private_key_fingerprint}). Next: derive "
                "the API credentials.",
            )
            return _wallet_answer(request)
    # The key field is a PasswordInput that never renders its value: the
    # form comes back with its errors and an empty key field.
    if request.htmx:
        context = wallet_card_context(request, form)
        return render(request, WALLET_CARD, context, status=400)
    context = settings_context(request, **wallet_card_context(request, form))
    return render(request, "accounts/settings.html", context, status=400)


@require_POST
@login_required
def wallet_disconnect_view(request: HtmxRequest) -> HttpResponse:
    try:
        wallet = wallet_disconnect(user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Wallet {wallet.address} disconnected; its key and API credentials "
            "were erased.",
        )
    return _wallet_answer(request)


@require_POST
@login_required
def wallet_derive_view(request: HtmxRequest) -> HttpResponse:
    try:
        credential = wallet_credentials_derive(user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"API credentials derived (fingerprint {credential.api_key_fingerprint}).",
        )
    return _wallet_answer(request, with_checks=True)


@require_GET
@login_required
def wallet_checks_view(request: HtmxRequest) -> HttpResponse:
    """The venue checks alone for htmx (the card loads them after the page);
    without JavaScript, the whole page with them."""
    checks = wallet_checks(user=request.user)
    if request.htmx:
        response = render(request, WALLET_CHECKS, {"checks": checks})
    else:
        response = render(
            request, "accounts/settings.html", settings_context(request, checks=checks)
        )
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
@login_required
def paper_reset_view(request: HtmxRequest) -> HttpResponse:
    try:
        result = paper_balance_reset(user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        cancelled = result.cancelled_orders
        messages.success(
            request,
            f"Paper balance reset to {result.balance:,.2f} pUSD"
            + (
                f"; {cancelled} open paper order{'' if cancelled == 1 else 's'} "
                "cancelled."
                if cancelled
                else "."
            ),
        )
    if not request.htmx:
        return redirect("accounts:settings")
    return render(request, PAPER_CARD, paper_card_context(request))


def _wallet_answer(request: HtmxRequest, *, with_checks: bool = False) -> HttpResponse:
    if not request.htmx:
        return redirect("accounts:settings")
    context = wallet_card_context(request)
    if with_checks:
        context["checks"] = wallet_checks(user=request.user)
    return render(request, WALLET_CARD, context)
