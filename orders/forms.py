"""The order ticket on a market page (issue 6): what a trader types, turned
into the ``OrderRequest`` every order path takes.

The form checks only what it must to build a request (numbers are numbers,
choices are the market's); every trading rule (tick, minimum size, expiry,
post-only, limits) is left to ``orders.services``, whose violations the view
puts back next to the field they name. So the ticket, the API and strategies
refuse an order for the same reasons in the same words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone

from markets.models import Market
from orders.models import OrderSource, OrderType
from orders.risk import RISK_PRICE_BOUNDS, RISK_SIZE_NOT_POSITIVE
from orders.validation import (
    MSG_BAD_SIDE,
    MSG_BAD_TYPE,
    MSG_PRICE_NOT_A_NUMBER,
    MSG_PRICE_REQUIRED,
    MSG_UNKNOWN_OUTCOME,
    OrderRequest,
)
from polybot.lib.money import ONE, SIZE_DIGITS, SIZE_PLACES, ZERO, price_in_bounds
from polybot.lib.types import Side

SHARES = "shares"
AMOUNT = "amount"
SIZE_MODES = [(SHARES, "Shares"), (AMOUNT, "Amount")]
SHARE_STEP = Decimal("0.01")  # the venue's share precision
# Far above any risk limit; it only keeps the arithmetic in Decimal's range.
MAX_QUANTITY = Decimal("1000000000")
MSG_OUTCOME_REQUIRED = "Choose an outcome."
MSG_SIZE_REQUIRED = "Enter how many shares, or how much to spend."
MSG_NOT_A_NUMBER = "Enter a number."
EXPIRATION_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class QuantityField(forms.DecimalField):
    """A size above zero and at most ``MAX_QUANTITY`` (shares, or pUSD for
    an amount). Checked here as well as by the risk rules (same words): an
    amount is divided by the price, which a huge or negative one would
    overflow. The sign and the bound come before the digits, so -1e100
    reads "greater than zero" and 1e100 "at most", not "too many digits"."""

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is None:
            return
        if value <= ZERO:
            raise forms.ValidationError(RISK_SIZE_NOT_POSITIVE, code="not_positive")
        MaxValueValidator(MAX_QUANTITY)(value)


class OrderTicketForm(forms.Form):
    """One order in one market. ``size`` holds shares, or pUSD when
    ``size_mode`` is ``amount``: then the order is for as many whole cents
    of shares as the amount buys at the limit price (rounded down, so it
    never spends more than the amount, before fees)."""

    outcome = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={
            "required": MSG_OUTCOME_REQUIRED,
            "invalid_choice": MSG_UNKNOWN_OUTCOME,
        },
    )
    side = forms.ChoiceField(
        choices=Side.choices,
        initial=Side.BUY,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_BAD_SIDE, "invalid_choice": MSG_BAD_SIDE},
    )
    order_type = forms.ChoiceField(
        label="Order type",
        choices=[(value, f"{value} · {label}") for value, label in OrderType.choices],
        initial=OrderType.GTC,
        error_messages={"required": MSG_BAD_TYPE, "invalid_choice": MSG_BAD_TYPE},
    )
    price = forms.DecimalField(
        label="Limit price",
        error_messages={
            "required": MSG_PRICE_REQUIRED,
            "invalid": MSG_PRICE_NOT_A_NUMBER,
        },
    )
    size_mode = forms.ChoiceField(
        choices=SIZE_MODES, initial=SHARES, required=False, widget=forms.RadioSelect
    )
    size = QuantityField(
        label="Shares",
        # The shape of an order's size column, as the API takes it.
        max_digits=SIZE_DIGITS,
        decimal_places=SIZE_PLACES,
        # A text box, not type=number: a bad value stays visible next to its
        # error instead of being blanked by the browser.
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0"}
        ),
        error_messages={"required": MSG_SIZE_REQUIRED, "invalid": MSG_NOT_A_NUMBER},
    )
    post_only = forms.BooleanField(
        label="Post only",
        required=False,
        help_text="Rest on the book as a maker or be rejected; never take liquidity.",
    )
    expiration = forms.DateTimeField(
        label="Expires (UTC)",
        required=False,
        input_formats=EXPIRATION_FORMATS,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format=EXPIRATION_FORMATS[0]
        ),
    )

    def __init__(self, *args: Any, market: Market, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ticket-%s")
        super().__init__(*args, **kwargs)
        self.market = market
        self.outcomes = list(market.outcomes.order_by("index"))
        outcome_field = self.fields["outcome"]
        assert isinstance(outcome_field, forms.ChoiceField)
        outcome_field.choices = [(o.token_id, o.label) for o in self.outcomes]
        if self.outcomes:
            outcome_field.initial = self.outcomes[0].token_id
        # 0.010000 → 0.01: the tick as the rules quote it.
        self.tick = market.tick_size.normalize()
        # The browser's arrows step the price by the market's tick.
        self.fields["price"].widget = forms.NumberInput(
            attrs={
                "step": str(self.tick),
                "min": str(self.tick),
                "max": str(ONE - self.tick),
                "inputmode": "decimal",
                "autocomplete": "off",
                "placeholder": "0.50",
            }
        )

    def clean_price(self) -> Decimal | None:
        # Checked here as well as by the risk rules (same words): an amount
        # is divided by the price, which must not be 0 or beyond 1.
        price: Decimal | None = self.cleaned_data.get("price")
        if price is not None and not price_in_bounds(price, self.tick):
            raise forms.ValidationError(
                RISK_PRICE_BOUNDS.format(low=self.tick, high=ONE - self.tick)
            )
        return price

    def clean_size_mode(self) -> str:
        return self.cleaned_data.get("size_mode") or SHARES

    def clean_expiration(self) -> datetime | None:
        """The picker sends a wall-clock time without a zone; the ticket
        labels it UTC, so read it as UTC whatever zone is active."""
        value: datetime | None = self.cleaned_data.get("expiration")
        if value is None:
            return None
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value.replace(tzinfo=UTC)

    def shares(self) -> Decimal:
        """The order's size in shares (after ``is_valid()``)."""
        size: Decimal = self.cleaned_data["size"]
        if self.cleaned_data["size_mode"] == AMOUNT:
            price: Decimal = self.cleaned_data["price"]
            return (size / price).quantize(SHARE_STEP, rounding=ROUND_DOWN)
        return size

    def to_request(self) -> OrderRequest:
        """The order to check and place (after ``is_valid()``). An expiry is
        sent only with GTD: a hidden picker's leftover value must not turn
        a GTC order into a rejected one."""
        data = self.cleaned_data
        order_type = data["order_type"]
        return OrderRequest(
            market_id=self.market.pk,
            token_id=data["outcome"],
            side=data["side"],
            price=data["price"],
            size=self.shares(),
            order_type=order_type,
            post_only=data["post_only"],
            expiration=data["expiration"] if order_type == OrderType.GTD else None,
            source=OrderSource.MANUAL,
        )

    def outcome_label(self) -> str:
        """The chosen (or first) outcome's label, for headings and buttons."""
        token = self["outcome"].value()
        for outcome in self.outcomes:
            if outcome.token_id == token:
                return outcome.label
        return self.outcomes[0].label if self.outcomes else ""
