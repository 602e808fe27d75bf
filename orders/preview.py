"""What an order would cost and risk before it is placed (the ticket's live
preview). Read-only: no lock, nothing persisted, nothing sent.

The checks are ``orders.services.order_evaluate``, the very function
placing runs, so the preview's verdict is the one the order will get (bar
what changes in between: the book, the balance, other orders).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import User
from accounts.selectors import bot_settings_get
from markets.live import BookView
from orders.book_walk import book_walk
from orders.exchange import gateway_for
from orders.paper.fees import FeeCurve
from orders.risk import RiskViolation
from orders.risk_inputs import live_trading_allowed
from orders.services import order_evaluate
from orders.validation import OrderRequest
from polybot.lib.money import ONE, ZERO
from polybot.lib.time import utc_now
from polybot.lib.types import Side, TradingMode

logger = logging.getLogger(__name__)

# The fill figures need no fee (see ``_fill_now``).
NO_FEE = FeeCurve(rate=ZERO, exponent=ONE)

AVERAGE_PRICE_STEP = Decimal("0.000001")


@dataclass(frozen=True)
class OrderPreview:
    """Money in pUSD, sizes in shares, prices per share.

    ``cost`` is what a buy pays at its limit price, fee included (the most
    it can cost), or what a sell receives (``proceeds``). ``worst_case_loss``
    of a buy is that whole cost (the outcome loses); of a sell, what the
    shares would have paid had the outcome won minus the proceeds.
    ``payout_if_wins`` is what a buy's shares pay if the outcome wins (1
    each), or a sell's proceeds. ``fillable`` and ``average_price`` are what
    the visible book would fill right now at the limit (marketable orders)."""

    mode: str
    side: str
    price: Decimal
    size: Decimal
    notional: Decimal
    marketable: bool
    fee: Decimal
    cost: Decimal
    worst_case_loss: Decimal
    payout_if_wins: Decimal
    fillable: Decimal
    average_price: Decimal | None
    violations: list[RiskViolation]

    @property
    def passes(self) -> bool:
        return not self.violations

    @property
    def is_buy(self) -> bool:
        return self.side == Side.BUY

    @property
    def fills_completely(self) -> bool:
        return self.fillable >= self.size


def order_preview(*, user: User, request: OrderRequest) -> OrderPreview:
    """The preview of ``request`` for ``user`` in their current mode."""
    mode = user.trading_mode
    live_cash = _live_cash(user) if mode == TradingMode.LIVE else None
    evaluation = order_evaluate(
        user=user,
        bot=bot_settings_get(user=user),
        mode=mode,
        request=request,
        now=utc_now(),
        live_cash=live_cash,
    )
    price = evaluation.price if evaluation.price is not None else ZERO
    size = request.size if evaluation.price is not None else ZERO
    notional = price * size
    fee = evaluation.fee
    if request.side == Side.SELL:
        proceeds = notional - fee
        cost, worst_case_loss, payout = proceeds, size * ONE - proceeds, proceeds
    else:
        cost = notional + fee
        worst_case_loss, payout = cost, size * ONE
    fillable, average = ZERO, None
    if evaluation.marketable and evaluation.book is not None:
        fillable, average = _fill_now(request.side, price, size, evaluation.book)
    return OrderPreview(
        mode=mode,
        side=request.side,
        price=price,
        size=size,
        notional=notional,
        marketable=evaluation.marketable,
        fee=fee,
        cost=cost,
        worst_case_loss=worst_case_loss,
        payout_if_wins=payout,
        fillable=fillable,
        average_price=average,
        violations=evaluation.violations,
    )


def _fill_now(
    side: str, limit: Decimal, size: Decimal, book: BookView
) -> tuple[Decimal, Decimal | None]:
    """Shares the book's visible levels fill at ``limit`` or better, and
    their average price.

    The walk could also charge each level its own fee, but the preview
    shows the fee the risk rules judged (``evaluation.fee``: the whole size
    at the limit): that is the figure in "Cost" and the one the balance
    check compares with the cash, so the preview never shows a cost that
    fits the balance for an order placing would refuse. Two different fees
    on one ticket would only confuse; the walk gives the fill figures.
    """
    levels = book.asks if side == Side.BUY else book.bids
    walk = book_walk(levels, side=side, size=size, curve=NO_FEE, limit=limit)
    average = walk.average_price
    if average is None:
        return ZERO, None
    return walk.size, average.quantize(AVERAGE_PRICE_STEP)


def _live_cash(user: User) -> Decimal | None:
    """The venue balance placing would check (cached briefly by the
    gateway). A preview must not fail because the venue is slow: unknown
    is None, which the balance rule reads as nothing available."""
    if not live_trading_allowed(user):
        return None
    try:
        return gateway_for(TradingMode.LIVE, user).cash_available()
    except Exception:  # a preview never fails on the venue; placing will say
        logger.warning("preview: no live balance for user %s", user.pk, exc_info=True)
        return None
