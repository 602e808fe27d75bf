"""The paper gateway (DESIGN §4 "Paper matching"): orders match against the
live books the stream keeps in Redis, with the venue's rules and fees, and
their fills go through the same ledger as live ones.

A marketable order walks the opposite side now; the remainder of a
GTC/GTD rests with a queue position, and the stream fills it later
(``orders.paper.resting``). Liquidity one paper order took is remembered per
book version, so the next paper order on the same book cannot take it again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection, transaction

from markets.live import BookView, book_view_get
from orders.exchange.base import CancelOutcome, Gateway
from orders.fills import FillReport, fill_apply
from orders.locks import user_trading_lock
from orders.models import (
    ACTIVE_ORDER_STATUSES,
    LiquidityRole,
    Order,
    OrderStatus,
    OrderType,
    SettlementStatus,
)
from orders.paper.fees import market_fee_curve
from orders.paper.matching import (
    IncomingOrder,
    Level,
    MatchResult,
    match_incoming,
    merge_taken,
)
from orders.transitions import order_transition
from polybot.lib.redis import redis_client
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode

ZERO = Decimal("0")
NO_BOOK = "book_unavailable"
MSG_NO_BOOK = "There is no live order book for this outcome right now."
EXPIRED_ON_ARRIVAL = "expired"
MSG_EXPIRED = "The order expired before it could be placed."
_MESSAGES = {
    "POST_ONLY_WOULD_CROSS": "Post-only order would cross the book; it was not placed.",
    "FOK_NOT_FILLABLE": "Not enough liquidity to fill the whole fill-or-kill order.",
    "FAK_NO_MATCH": "Nothing in the book at this price; the order was killed.",
}
# Taken liquidity outlives no book: a little longer than a book view does.
_TAKEN_TTL = 60


def paper_trade_id(order_id: int, index: int) -> str:
    return f"paper-{order_id}-{index}"


class PaperGateway(Gateway):
    mode = TradingMode.PAPER

    def submit(self, order_id: int) -> None:
        with transaction.atomic():
            order = Order.objects.select_related("market", "outcome").get(pk=order_id)
            user_trading_lock(order.user_id)
            order = (
                Order.objects.select_for_update()
                .select_related("market", "outcome", "user")
                .get(pk=order_id)
            )
            if order.status != OrderStatus.SUBMITTING:
                return  # someone else finished it (a redelivery, the reconciler)
            now = utc_now()
            if order.expiration is not None and order.expiration <= now:
                self._close(order, OrderStatus.EXPIRED, EXPIRED_ON_ARRIVAL, MSG_EXPIRED)
                return
            view = book_view_get(order.outcome.token_id)
            if view is None or not view.trusted:
                if order.order_type in (OrderType.FOK, OrderType.FAK):
                    self._close(order, OrderStatus.REJECTED, NO_BOOK, MSG_NO_BOOK)
                    return
                # No book to cross: a resting order joins an empty queue.
                self._rest(order, order.size, ZERO)
                return
            _lock_token(order.outcome.token_id)
            taken = _taken_get(order.outcome.token_id, view)
            curve = market_fee_curve(order.market)
            result = match_incoming(
                IncomingOrder(
                    side=order.side,
                    order_type=order.order_type,
                    price=order.price,
                    size=order.size,
                    post_only=order.post_only,
                ),
                bids=_levels(view.bids),
                asks=_levels(view.asks),
                taken=taken,
                fee_rate=curve.rate,
                fee_exponent=curve.exponent,
            )
            self._record(order, result, now)
            if result.taken:
                _taken_set(
                    order.outcome.token_id, view, merge_taken(taken, result.taken)
                )

    def _record(self, order: Order, result: MatchResult, now: object) -> None:
        if result.rejected is not None:
            message = _MESSAGES.get(result.rejected, result.rejected)
            self._close(order, OrderStatus.REJECTED, result.rejected.lower(), message)
            return
        if not result.executions and result.kill_reason == "FOK_NOT_FILLABLE":
            # The venue refuses a FOK it cannot fill: a rejection, not a fill.
            reason = result.kill_reason
            self._close(order, OrderStatus.REJECTED, reason.lower(), _MESSAGES[reason])
            return
        for index, execution in enumerate(result.executions):
            fill_apply(
                FillReport(
                    venue_trade_id=paper_trade_id(order.pk, index),
                    user_id=order.user_id,
                    mode=TradingMode.PAPER,
                    outcome=order.outcome,
                    side=order.side,
                    price=execution.price,
                    size=execution.size,
                    fee=execution.fee,
                    role=LiquidityRole.TAKER,
                    matched_at=utc_now(),
                    order_id=order.pk,
                    # Paper has no chain: a paper match is final at once.
                    settlement_status=SettlementStatus.CONFIRMED,
                )
            )
        order.refresh_from_db()
        if result.resting_size > ZERO:
            self._rest(order, result.resting_size, result.queue_ahead)
        elif result.killed_size > ZERO:
            message = _MESSAGES.get(
                result.kill_reason or "", "Unfilled part cancelled."
            )
            order_transition(
                order.pk,
                from_states=[OrderStatus.SUBMITTING, OrderStatus.PARTIAL],
                to=OrderStatus.CANCELLED,
                error_code=(result.kill_reason or "").lower(),
                error_message=message,
                submitted_at=utc_now(),
            )
        else:
            # Filled outright (the fills moved it to ``filled``): it was still
            # submitted, like every other outcome records.
            Order.objects.filter(pk=order.pk).update(submitted_at=utc_now())

    def _rest(self, order: Order, resting: Decimal, queue_ahead: Decimal) -> None:
        status = OrderStatus.PARTIAL if order.filled_size > ZERO else OrderStatus.OPEN
        order_transition(
            order.pk,
            from_states=[OrderStatus.SUBMITTING, OrderStatus.PARTIAL],
            to=status,
            paper_queue_ahead=queue_ahead,
            submitted_at=utc_now(),
        )

    @staticmethod
    def _close(order: Order, status: str, code: str, message: str) -> None:
        order_transition(
            order.pk,
            from_states=[OrderStatus.SUBMITTING],
            to=status,
            error_code=code,
            error_message=message,
            submitted_at=utc_now(),
        )

    def cancel(self, orders: Sequence[Order]) -> CancelOutcome:
        # ``submitting`` too: unlike a live order, a paper order in flight is
        # ours alone. ``submit`` re-reads it under a row lock and stops if it
        # is no longer submitting, so a kill switch or cancel that lands
        # between the claim and the match wins, instead of the order
        # resting after everything was "cancelled".
        cancelled = tuple(
            order.pk
            for order in orders
            if order_transition(
                order.pk, from_states=ACTIVE_ORDER_STATUSES, to=OrderStatus.CANCELLED
            )
        )
        missed = {o.pk: "not active" for o in orders if o.pk not in cancelled}
        return CancelOutcome(cancelled=cancelled, not_cancelled=missed)


def _levels(levels: list[tuple[Decimal, Decimal]]) -> list[Level]:
    return [Level(price=price, size=size) for price, size in levels]


def _lock_token(token_id: str) -> None:
    """Paper orders on one token match one at a time (until commit), so two
    of them cannot both take the same level."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"paper:{token_id}"]
        )


def _taken_key(token_id: str) -> str:
    return f"polybot:paper:taken:{token_id}"


def _taken_get(token_id: str, view: BookView) -> dict[Decimal, Decimal]:
    raw = redis_client().get(_taken_key(token_id))
    if not raw:
        return {}
    data = json.loads(raw)
    if data.get("book") != view.updated_at:
        return {}  # the book changed since: its liquidity is fresh
    return {Decimal(p): Decimal(s) for p, s in data["taken"].items()}


def _taken_set(token_id: str, view: BookView, taken: dict[Decimal, Decimal]) -> None:
    payload = {
        "book": view.updated_at,
        "taken": {str(p): str(s) for p, s in taken.items()},
    }
    redis_client().set(_taken_key(token_id), json.dumps(payload), ex=_TAKEN_TTL)
