"""The order ticket on a market page (issue 6): its live preview, placing
the order, and the "Your orders in this market" panel beside it.

Every order goes through ``orders.services.order_place``; a rejection comes
back as violations naming the ticket field they concern, shown next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from markets.display import live_quote, outcome_live_quote
from markets.live import book_view_get
from markets.models import Market
from markets.selectors import OutcomeQuote, market_get, market_quotes
from markets.templatetags.market_ui import cents, shares
from orders import selectors
from orders.display import order_summary
from orders.errors import OrderRejectedError
from orders.forms import AMOUNT, OrderTicketForm
from orders.models import Order, OrderType
from orders.preview import order_preview
from orders.risk import RiskViolation
from orders.services import order_place
from polybot.exceptions import ApplicationError
from polybot.http import HtmxRequest
from polybot.lib.types import Side

TICKET_TEMPLATE = "orders/partials/_ticket.html"
PREVIEW_TEMPLATE = "orders/partials/_ticket_preview.html"
MARKET_ORDERS_TEMPLATE = "orders/partials/_market_orders.html"
MARKET_ORDERS_SHOWN = 20
# The ticket fields a violation can name, each with an error slot beside it;
# any other field ("market", "", "client_order_id") is about the order as a
# whole and shows above the fields.
ERROR_SLOTS = (
    "outcome",
    "side",
    "order_type",
    "price",
    "size",
    "expiration",
    "post_only",
)
# The fields the next ticket keeps after an order is placed.
KEPT_FIELDS = ("outcome", "side", "order_type", "size_mode")
PREVIEW_HINT = "Enter a price and a size to see the cost, the fee and the risk check."
FIX_FIELDS = "Fix the fields marked in red."
PLACED = "Order placed: {label}."


def _get_market(market_id: int) -> Market:
    market = market_get(market_id=market_id)
    if market is None:
        raise Http404
    return market


@require_POST
@login_required
def ticket_preview(request: HtmxRequest, market_id: int) -> HttpResponse:
    """The preview box for the ticket as it stands (200 even when the form
    is not valid yet: a preview only reports), with each field's errors
    swapped next to the field out of band."""
    market = _get_market(market_id)
    form = OrderTicketForm(request.POST, market=market)
    preview = None
    order = None
    if form.is_valid():
        order = form.to_request()
        preview = order_preview(user=request.user, request=order)
        _attach_violations(form, preview.violations)
    context = {
        **_ticket_context(request.user, market, form),
        "preview": preview,
        "ticket_order": order,
        "preview_hint": "" if preview else _preview_hint(form),
        "field_errors": _visible_errors(form),
        "oob": True,
    }
    return render(request, PREVIEW_TEMPLATE, context)


@require_POST
@login_required
def ticket_submit(request: HtmxRequest, market_id: int) -> HttpResponse:
    """Place the order. htmx gets a fresh ticket and the refreshed orders
    panel (out of band), or the ticket with its errors in place (400);
    a plain form post goes back to the market page with a message."""
    market = _get_market(market_id)
    form = OrderTicketForm(request.POST, market=market)
    order, violations = _place(request.user, form)
    if not request.htmx:
        if order is not None:
            messages.success(request, PLACED.format(label=order_summary(order)))
        else:
            for error in _all_errors(form):
                messages.error(request, error)
        return redirect("markets:detail", market_id=market.pk)
    if order is None:
        context = {
            **_ticket_context(request.user, market, form),
            "rejection": violations,
            # A refusal from the venue marks no field: say nothing about red.
            "preview_hint": FIX_FIELDS if _has_field_errors(form) else PREVIEW_HINT,
        }
        return render(request, TICKET_TEMPLATE, context, status=400)
    fresh = OrderTicketForm(
        market=market, initial={name: form.cleaned_data[name] for name in KEPT_FIELDS}
    )
    context = {
        **_ticket_context(request.user, market, fresh),
        "placed_note": PLACED.format(label=order_summary(order)),
        **_market_orders_context(request.user, market),
        "market_orders_oob": True,
    }
    return render(request, TICKET_TEMPLATE, context)


@require_GET
@login_required
def market_orders(request: HtmxRequest, market_id: int) -> HttpResponse:
    """The "Your orders in this market" panel alone (the page polls it)."""
    market = _get_market(market_id)
    context = _market_orders_context(request.user, market)
    return render(request, MARKET_ORDERS_TEMPLATE, context)


def ticket_page_context(
    *, user: User, market: Market, quotes: list[OutcomeQuote] | None = None
) -> dict[str, Any]:
    """What the market page needs to show the ticket and the orders panel
    (``quotes``: the page's own, to save reading them twice)."""
    form = OrderTicketForm(market=market)
    return {
        **_ticket_context(user, market, form, quotes),
        **_market_orders_context(user, market),
    }


# --- placing ------------------------------------------------------------------------


def _place(
    user: User, form: OrderTicketForm
) -> tuple[Order | None, list[RiskViolation]]:
    """The placed order, or None with the reasons added to ``form`` (and
    the services' violations, if they refused it)."""
    if not form.is_valid():
        return None, []
    try:
        return order_place(user=user, request=form.to_request()), []
    except OrderRejectedError as exc:
        _attach_violations(form, exc.violations)
        return None, list(exc.violations)
    except ApplicationError as exc:
        # Not the order's fault (the venue would not tell a live balance, a
        # VenueError): above the fields, in the same 400 the ticket swaps.
        form.add_error(None, exc.message)
        return None, []


def _attach_violations(
    form: OrderTicketForm, violations: Sequence[RiskViolation]
) -> None:
    for violation in violations:
        field = violation.field if violation.field in ERROR_SLOTS else None
        if field is not None and violation.message in form.errors.get(field, []):
            continue
        form.add_error(field, violation.message)


def _has_field_errors(form: OrderTicketForm) -> bool:
    return any(name in form.fields for name in form.errors)


def _all_errors(form: OrderTicketForm) -> list[str]:
    """Every error, each field's with its label (for a message away from
    the form)."""
    return [
        f"{form[name].label}: {error}" if name in form.fields else error
        for name, errors in form.errors.items()
        for error in errors
    ]


# --- what the templates show --------------------------------------------------------


def _ticket_context(
    user: User,
    market: Market,
    form: OrderTicketForm,
    quotes: list[OutcomeQuote] | None = None,
) -> dict[str, Any]:
    if quotes is None:
        quotes = market_quotes(market=market)
    live = [
        outcome_live_quote(q.outcome, q.book, market_tick=market.tick_size)
        for q in quotes
    ]
    side = form["side"].value()
    return {
        "market": market,
        "form": form,
        "mode": user.trading_mode,
        "is_buy": side != Side.SELL,
        "is_amount": form["size_mode"].value() == AMOUNT,
        "is_gtd": form["order_type"].value() == OrderType.GTD,
        "is_resting_type": form["order_type"].value()
        not in (OrderType.FOK, OrderType.FAK),
        "outcome_options": list(zip(form["outcome"], live, strict=False)),
        "outcome_label": form.outcome_label(),
        "quick": _quick_prices(market, form),
        "submit_label": _submit_label(form),
        "preview_hint": PREVIEW_HINT,
    }


def _quick_prices(market: Market, form: OrderTicketForm) -> dict[str, Any]:
    """Best bid, best ask and a mid on the tick for the chosen outcome, from
    the live book (None where the book has no such price), the same figures
    a pushed book hands ticket.js (markets.display.live_quote)."""
    token = str(form["outcome"].value() or "")
    view = book_view_get(token) if token else None
    quote = live_quote(
        token,
        view,
        tick=view.tick_size
        if view is not None and view.tick_size
        else market.tick_size,
    )
    sell = form["side"].value() == Side.SELL
    return {
        "bid": quote.best_bid,
        "ask": quote.best_ask,
        "mid": quote.mid_sell if sell else quote.mid_buy,
    }


def _submit_label(form: OrderTicketForm) -> str:
    """ "Buy 10 Yes at 52¢" once the ticket says all that, else "Buy Yes"."""
    side = "Sell" if form["side"].value() == Side.SELL else "Buy"
    label = form.outcome_label()
    cleaned = getattr(form, "cleaned_data", {})
    if {"price", "size", "size_mode"} <= cleaned.keys():
        price = form.cleaned_data["price"]
        return f"{side} {shares(form.shares())} {label} at {cents(price)}"
    return f"{side} {label}".strip()


def _preview_hint(form: OrderTicketForm) -> str:
    """Why there are no figures: fields still empty, or errors to fix."""
    data = form.errors.as_data()
    if all(e.code == "required" for errors in data.values() for e in errors):
        return PREVIEW_HINT
    return FIX_FIELDS


def _visible_errors(form: OrderTicketForm) -> dict[str, list[str]]:
    """Each field's errors for the preview, except "required" on a field the
    trader has not reached yet: an empty ticket is not a wrong one."""
    visible: dict[str, list[str]] = {}
    data = form.errors.as_data()
    for name in ERROR_SLOTS:
        messages_ = [
            message
            for error in data.get(name, [])
            if error.code != "required"
            for message in error.messages
        ]
        visible[name] = messages_
    return visible


def _market_orders_context(user: User, market: Market) -> dict[str, Any]:
    orders = selectors.order_list(
        user=user,
        filters=selectors.OrderFilters(market_id=market.pk, mode=user.trading_mode),
    )[:MARKET_ORDERS_SHOWN]
    return {"market": market, "orders": orders, "mode": user.trading_mode}
