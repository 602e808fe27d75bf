"""The order services (DESIGN §4, STYLE R5): the only way anything places or
cancels an order. Manual, API and strategy orders all come through here, so
every order passes the same validation and risk checks, is persisted before
it is sent, and is audit-logged.

Placement commits the order as ``pending`` with its client order id and
queues its submission after the commit (``orders.submission``); a rejected
order is never persisted, only audit-logged with its reasons.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import AuditAction, BotSettings, User
from accounts.services import audit_log_record
from markets.live import BookView, book_view_get
from markets.models import Market, Outcome
from orders import risk
from orders.errors import OrderNotCancellableError, OrderRejectedError
from orders.exchange import gateway_for
from orders.fills import FillReport, FillResult, fill_apply
from orders.locks import user_trading_lock
from orders.models import ACTIVE_ORDER_STATUSES, Order, OrderStatus, OrderType
from orders.paper.fees import market_taker_fee
from orders.risk_inputs import (
    HALT_DAILY_LOSS,
    HALT_KILL_SWITCH,
    account_state,
    book_state,
    live_trading_allowed,
    market_state,
    risk_limits,
)
from orders.transitions import order_transition
from orders.validation import OrderRequest, request_violations
from polybot.exceptions import ApplicationError, VenueError
from polybot.lib.money import (
    PRICE_DIGITS,
    PRICE_PLACES,
    SIZE_DIGITS,
    SIZE_PLACES,
    price_in_bounds,
)
from polybot.lib.time import utc_now
from polybot.lib.types import Side, TradingMode
from polybot.polymarket.errors import PolymarketError

__all__ = [
    "FillReport",
    "FillResult",
    "OrderRequest",
    "fill_apply",
    "kill_switch_engage",
    "market_settle",
    "order_apply_update",
    "order_cancel",
    "order_cancel_all",
    "order_evaluate",
    "order_place",
    "order_place_batch",
    "trading_rearm",
]

logger = logging.getLogger(__name__)

MAX_BATCH = 15
BATCH_EMPTY = "A batch needs at least one order."
BATCH_TOO_LARGE = "A batch holds at most 15 orders."
NOT_CANCELLABLE = "This order is {status}; there is nothing to cancel."
CANCEL_NOT_CONFIRMED = (
    "The cancel was not confirmed, so the order is still {status}. Try again."
)
CLIENT_ID_TAKEN = "client_order_id_taken"
MSG_CLIENT_ID_TAKEN = "This client order id is already in use."
SIZE_TOO_LARGE = "size_too_large"
MSG_SIZE_TOO_LARGE = "Size is too large."
# What an order's price and size columns can hold (10 digits with 6
# decimals, 20 with 6): beyond that a number is no order, and would
# overflow the fee and limit arithmetic (Decimal keeps 28 digits).
MAX_PRICE = Decimal(10) ** (PRICE_DIGITS - PRICE_PLACES)
MAX_SIZE = Decimal(10) ** (SIZE_DIGITS - SIZE_PLACES)
VENUE_UNAVAILABLE = "venue_unavailable"
MSG_VENUE_NO_BALANCE = (
    "The venue did not answer with your balance; nothing was placed. Try again."
)
ZERO = Decimal("0")


# --- placing ------------------------------------------------------------------------


def order_place(*, user: User, request: OrderRequest) -> Order:
    """Validate, risk-check and persist one order, then queue its submission.

    Raises ``OrderRejectedError`` (nothing persisted, nothing sent)."""
    return order_place_batch(user=user, requests=[request])[0]


def order_place_batch(*, user: User, requests: Sequence[OrderRequest]) -> list[Order]:
    """Up to 15 orders, each validated and risk-checked as if the ones before
    it were already open (their reservations count); all are accepted or
    none is. Submitted together as the venue's batch."""
    if not requests:
        raise OrderRejectedError([risk.RiskViolation("batch_empty", BATCH_EMPTY)])
    if len(requests) > MAX_BATCH:
        # Audit-logged like every other rejection (the module's contract).
        too_large = [risk.RiskViolation("batch_too_large", BATCH_TOO_LARGE)]
        _record_rejection(user, requests, too_large)
        raise OrderRejectedError(too_large)
    now = utc_now()
    with transaction.atomic():
        bot = user_trading_lock(user)
        # Read the mode under the lock: a mode switch cannot slip in between.
        mode = User.objects.values_list("trading_mode", flat=True).get(pk=user.pk)
        # Ask the venue for a balance only past the live gate: a refused
        # account (server off, no active wallet) must hear why, not fail on
        # building a venue client or wait on the network.
        live = mode == TradingMode.LIVE and live_trading_allowed(user)
        cash = _live_cash(user) if live else None
        orders: list[Order] = []
        rejection: list[risk.RiskViolation] = []
        for index, request in enumerate(requests):
            violations = _place_one(user, bot, mode, request, now, cash, orders)
            if violations:
                prefix = f"Order {index + 1}: " if len(requests) > 1 else ""
                rejection = [
                    risk.RiskViolation(v.code, prefix + v.message, v.field)
                    for v in violations
                ]
                break
        if rejection:
            transaction.set_rollback(True)
    if rejection:
        if any(v.code == risk.DAILY_LOSS for v in rejection):
            # Breaching the daily loss halts new orders until re-armed.
            with transaction.atomic():
                trading_halt(user_trading_lock(user), HALT_DAILY_LOSS)
        _record_rejection(user, requests, rejection)
        raise OrderRejectedError(rejection)
    order_ids = [order.pk for order in orders]
    transaction.on_commit(lambda: submission_enqueue(order_ids))
    return orders


def _place_one(
    user: User,
    bot: BotSettings,
    mode: str,
    request: OrderRequest,
    now: datetime,
    live_cash: Decimal | None,
    placed: list[Order],
) -> list[risk.RiskViolation]:
    evaluation = order_evaluate(
        user=user, bot=bot, mode=mode, request=request, now=now, live_cash=live_cash
    )
    if evaluation.violations:
        return evaluation.violations
    market, outcome, price = evaluation.market, evaluation.outcome, evaluation.price
    assert market is not None and outcome is not None and price is not None
    client_order_id = request.client_order_id or uuid.uuid4().hex
    try:
        # A savepoint: a client order id already taken (a retry, a duplicate
        # in the batch, a concurrent request) is a rejection, not a crash.
        with transaction.atomic():
            order = _create_order(
                user, mode, request, market, outcome, price, client_order_id
            )
    except IntegrityError:
        if not Order.objects.filter(client_order_id=client_order_id).exists():
            raise
        return [
            risk.RiskViolation(CLIENT_ID_TAKEN, MSG_CLIENT_ID_TAKEN, "client_order_id")
        ]
    audit_log_record(
        user=user,
        action=AuditAction.ORDER_PLACE,
        obj=order,
        message=f"{order.side} {order.size} @ {order.price} {order.order_type}",
        data={
            "client_order_id": order.client_order_id,
            "mode": mode,
            "source": order.source,
            "token_id": outcome.token_id,
        },
    )
    placed.append(order)
    return []


@dataclass(frozen=True)
class OrderEvaluation:
    """What the checks of one order request found, and what they judged it
    on. ``price`` is the normalised limit price; it, the book and the fee
    are only known when the market, the outcome and the numbers are."""

    violations: list[risk.RiskViolation]
    market: Market | None = None
    outcome: Outcome | None = None
    price: Decimal | None = None
    book: BookView | None = None
    marketable: bool = False
    fee: Decimal = ZERO


def order_evaluate(
    *,
    user: User,
    bot: BotSettings,
    mode: str,
    request: OrderRequest,
    now: datetime,
    live_cash: Decimal | None = None,
) -> OrderEvaluation:
    """Every validation rule, then (if those pass) every risk rule, that
    ``request`` breaks for ``user`` now. Reads only: placing calls it under
    the user's trading lock, the ticket's preview without one."""
    market = Market.objects.filter(pk=request.market_id).first()
    outcome = Outcome.objects.filter(token_id=request.token_id).first()
    violations = request_violations(request, market=market, outcome=outcome, now=now)
    if (
        market is None
        or outcome is None
        or outcome.market_id != market.pk
        or request.price is None
        or not request.price.is_finite()
        or not request.size.is_finite()
    ):
        return OrderEvaluation(violations=violations)
    beyond = _beyond_columns(request.price, request.size, market.tick_size)
    if beyond:
        return OrderEvaluation(violations=[*violations, *beyond])
    price = _normalise_price(request.price, market.tick_size)
    view = book_view_get(outcome.token_id)
    marketable = _is_marketable(request.order_type, request.side, price, view)
    fee = ZERO
    # A price out of bounds or a size that is not positive is refused by
    # the risk rules; no fee is estimated for what cannot trade.
    if marketable and request.size > ZERO and price_in_bounds(price, market.tick_size):
        fee = market_taker_fee(market, price=price, size=request.size)
    if not violations:
        proposal = risk.OrderProposal(
            side=request.side,
            order_type=request.order_type,
            price=price,
            size=request.size,
            marketable=marketable,
            live=mode == TradingMode.LIVE,
            fee=fee,
        )
        violations = risk.check_order(
            proposal,
            market=market_state(market),
            book=book_state(view, now=now),
            account=account_state(
                user=user,
                bot=bot,
                mode=mode,
                market=market,
                outcome=outcome,
                now=now,
                live_cash=live_cash,
            ),
            limits=risk_limits(bot),
        )
    return OrderEvaluation(
        violations=violations,
        market=market,
        outcome=outcome,
        price=price,
        book=view,
        marketable=marketable,
        fee=fee,
    )


def _create_order(
    user: User,
    mode: str,
    request: OrderRequest,
    market: Market,
    outcome: Outcome,
    price: Decimal,
    client_order_id: str,
) -> Order:
    return Order.objects.create(
        user=user,
        mode=mode,
        source=request.source,
        client_order_id=client_order_id,
        market=market,
        outcome=outcome,
        side=request.side,
        order_type=request.order_type,
        price=price,
        size=request.size,
        post_only=request.post_only,
        expiration=request.expiration,
        strategy_id=request.strategy_id,
        strategy_run_id=request.strategy_run_id,
        status=OrderStatus.PENDING,
    )


def _record_rejection(
    user: User, requests: Sequence[OrderRequest], violations: list[risk.RiskViolation]
) -> None:
    with transaction.atomic():
        audit_log_record(
            user=user,
            action=AuditAction.ORDER_REJECT,
            message="; ".join(v.message for v in violations),
            data={
                "codes": [v.code for v in violations],
                "orders": [
                    {
                        "market_id": r.market_id,
                        "token_id": r.token_id,
                        "side": r.side,
                        "price": str(r.price),
                        "size": str(r.size),
                        "type": r.order_type,
                        "source": r.source,
                    }
                    for r in requests
                ],
            },
        )


def _beyond_columns(
    price: Decimal, size: Decimal, tick: Decimal
) -> list[risk.RiskViolation]:
    """A price or size no order could hold (see ``MAX_PRICE``), refused
    before any arithmetic. A hugely negative size is left to the rule that
    sizes be positive: nothing multiplies it."""
    violations = []
    if abs(price) >= MAX_PRICE:
        low = tick.normalize()  # 0.010000 → 0.01, as the risk rule words it
        message = risk.RISK_PRICE_BOUNDS.format(low=low, high=1 - low)
        violations.append(risk.RiskViolation(risk.PRICE_BOUNDS, message, "price"))
    if size >= MAX_SIZE:
        violations.append(
            risk.RiskViolation(SIZE_TOO_LARGE, MSG_SIZE_TOO_LARGE, "size")
        )
    return violations


def _normalise_price(price: Decimal, tick: Decimal) -> Decimal:
    """Write an on-tick price with the tick's places (0.5 → 0.50); an off-tick
    or out-of-bounds price is left for the risk rules to refuse, never
    silently moved."""
    if price_in_bounds(price, tick) and price % tick == ZERO:
        return price.quantize(tick)
    return price


def _is_marketable(
    order_type: str, side: str, price: Decimal, view: BookView | None
) -> bool:
    if order_type in (OrderType.FOK, OrderType.FAK):
        return True
    if view is None:
        return False
    if side == Side.BUY:
        return view.best_ask is not None and price >= view.best_ask
    return view.best_bid is not None and price <= view.best_bid


def _live_cash(user: User) -> Decimal | None:
    """The venue's spendable balance for a live order. Raises ``VenueError``
    (502) when the venue cannot say: refusing with "not enough cash" would
    blame the trader for the venue's outage."""
    try:
        return gateway_for(TradingMode.LIVE, user).cash_available()
    except PolymarketError as exc:
        logger.warning("no live balance for user %s: %s", user.pk, exc)
        raise VenueError(MSG_VENUE_NO_BALANCE, code=VENUE_UNAVAILABLE) from exc


def submission_enqueue(order_ids: Sequence[int]) -> None:
    """Queue the submission of committed orders. If the broker is down they
    stay ``pending`` and the reconciler queues them again."""
    from orders.tasks import orders_submit

    try:
        orders_submit.apply_async(args=[list(order_ids)], queue="orders")
    except Exception:  # the broker may be anything from down to misconfigured
        logger.exception("could not queue submission of orders %s", order_ids)


# --- cancelling ---------------------------------------------------------------------


def order_cancel(*, user: User, order: Order) -> Order:
    """Cancel one of the user's orders. A ``pending`` order is cancelled
    before it is ever sent; a resting one at the venue (or paper book).
    Raises ``OrderNotCancellableError`` for an order that is already done."""
    if order.user_id != user.pk:
        raise OrderNotCancellableError(NOT_CANCELLABLE.format(status="not yours"))
    cancelled = _cancel_orders(user, [order])
    order.refresh_from_db()
    if not cancelled and order.status not in (OrderStatus.CANCELLED,):
        # Still working means the venue did not confirm; finished means there
        # was nothing left to cancel.
        message = CANCEL_NOT_CONFIRMED if order.is_active else NOT_CANCELLABLE
        raise OrderNotCancellableError(
            message.format(status=order.get_status_display().lower())
        )
    return order


def order_cancel_all(
    *, user: User, market: Market | None = None, mode: str | None = None
) -> int:
    """Cancel every active order of the user (in one market if given; in one
    mode if given, else both). Returns how many were cancelled."""
    orders = Order.objects.filter(user=user, status__in=ACTIVE_ORDER_STATUSES)
    if market is not None:
        orders = orders.filter(market=market)
    if mode is not None:
        orders = orders.filter(mode=mode)
    return _cancel_orders(user, list(orders))


def _cancel_orders(user: User, orders: Sequence[Order]) -> int:
    from orders.realtime import batched

    # Each cancel commits on its own; the pages hear of them once, after.
    with batched():
        return _cancel_orders_now(user, orders)


def _cancel_orders_now(user: User, orders: Sequence[Order]) -> int:
    cancelled = 0
    # Never sent: cancel here, and the submission's claim will find nothing.
    # The caller's copies may be stale (read while pending, submitted since),
    # so try the transition on every order and let the row decide; whatever
    # was not pending any more goes to its gateway as it is now (a live
    # cancel needs the venue hash the submission stored after the read).
    sent_ids = []
    for order in orders:
        if order_transition(
            order.pk, from_states=[OrderStatus.PENDING], to=OrderStatus.CANCELLED
        ):
            _audit_cancel(user, order, "before submission")
            cancelled += 1
        else:
            sent_ids.append(order.pk)
    resting = list(Order.objects.filter(pk__in=sent_ids).order_by("pk"))
    for mode in (TradingMode.PAPER, TradingMode.LIVE):
        batch = [o for o in resting if o.mode == mode]
        if not batch:
            continue
        outcome = gateway_for(mode, user).cancel(batch)
        by_id = {o.pk: o for o in batch}
        for order_id in outcome.cancelled:
            _audit_cancel(user, by_id[order_id], "")
        for order_id, reason in outcome.not_cancelled.items():
            logger.info("order %s not cancelled: %s", order_id, reason)
        cancelled += len(outcome.cancelled)
    if cancelled:
        _push_orders_changed(user.pk)
    return cancelled


def _audit_cancel(user: User, order: Order, note: str) -> None:
    audit_log_record(
        user=user,
        action=AuditAction.ORDER_CANCEL,
        obj=order,
        message=f"Cancelled {order.side} {order.size} @ {order.price} {note}".strip(),
        data={"client_order_id": order.client_order_id, "mode": order.mode},
    )


# --- venue updates ------------------------------------------------------------------

# Venue order statuses (API.md §5) to ours; MATCHED is left to the fills.
_VENUE_STATUS = {
    "LIVE": OrderStatus.OPEN,
    "DELAYED": OrderStatus.OPEN,
    "UNMATCHED": OrderStatus.CANCELLED,
    "CANCELED": OrderStatus.CANCELLED,
    "CANCELED_MARKET_RESOLVED": OrderStatus.CANCELLED,
    "CANCELED_NOT_ENOUGH_BALANCE": OrderStatus.CANCELLED,
    "CANCELED_MARKET_NOT_FOUND": OrderStatus.CANCELLED,
    "CANCELED_ORDER_TIMED_OUT": OrderStatus.CANCELLED,
    "CANCELED_EXPIRED_ORDER": OrderStatus.EXPIRED,
    "INVALID": OrderStatus.REJECTED,
}


def order_apply_update(
    *, order: Order, venue_status: str, size_matched: Decimal | None = None
) -> bool:
    """Bring an order's state in line with what the venue says about it
    (user channel ``order`` events and reconciliation). Fills come only
    from trades; this moves the lifecycle. Returns whether anything changed."""
    venue_status = venue_status.upper()
    if venue_status == "MATCHED":
        # Fully matched: fills arrive as trades; until then it is not open.
        target = OrderStatus.FILLED if order.filled_size >= order.size else None
    else:
        target = _VENUE_STATUS.get(venue_status)
    if target is None:
        return False
    if target == OrderStatus.OPEN and order.filled_size > ZERO:
        target = OrderStatus.PARTIAL
    if target == order.status:
        return False
    # A terminal state can only be left by fills (cancel racing a match).
    from_states = [*ACTIVE_ORDER_STATUSES]
    if target == OrderStatus.OPEN:
        # "Open" never undoes a partial fill: ``order`` may have been read
        # before a fill landed, and the venue calls a partial order LIVE too.
        from_states.remove(OrderStatus.PARTIAL)
    changed = order_transition(order.pk, from_states=from_states, to=target)
    if changed:
        audit_log_record(
            user=order.user,
            action=AuditAction.RECONCILE
            if order.status != OrderStatus.SUBMITTING
            else AuditAction.ORDER_PLACE,
            obj=order,
            message=f"{order.status} → {target} (venue: {venue_status})",
            data={"venue_status": venue_status, "from": order.status, "to": target},
        )
        _push_orders_changed(order.user_id)
    return changed


# --- kill switch and halts ----------------------------------------------------------


@dataclass(frozen=True)
class KillSwitchResult:
    cancelled: int
    strategies_stopped: int


def kill_switch_engage(*, user: User) -> KillSwitchResult:
    """Halt everything: block new orders, stop the bot and its strategies,
    cancel every open order in both modes. Returns what it did."""
    from orders.realtime import batched
    from strategies.models import Strategy, StrategyStatus

    # Every open page hears once, at the end: halted, and what was cancelled.
    with batched():
        with transaction.atomic():
            bot = user_trading_lock(user)
            trading_halt(bot, HALT_KILL_SWITCH)
            bot.auto_trade_enabled = False
            bot.save(update_fields=["auto_trade_enabled", "updated_at"])
            stopped = Strategy.objects.filter(
                user=user, status=StrategyStatus.RUNNING
            ).update(status=StrategyStatus.STOPPED)
            _push_orders_changed(user.pk)
        cancelled = order_cancel_all(user=user)
        _venue_cancel_everything(user)
    audit_log_record(
        user=user,
        action=AuditAction.KILL_SWITCH,
        message=f"Kill switch: {cancelled} orders cancelled, {stopped} strategies stopped",
        data={"cancelled": cancelled, "strategies_stopped": stopped},
    )
    return KillSwitchResult(cancelled=cancelled, strategies_stopped=stopped)


def _venue_cancel_everything(user: User) -> None:
    """Also ``DELETE /cancel-all`` at the venue for a live-capable account, so
    orders we do not track (placed elsewhere with the same key, or landing
    late) go too. Best effort: the reconciler keeps cancelling while the
    halt holds."""
    from orders.exchange.venue_client import active_wallet

    if not settings.LIVE_TRADING_ENABLED:
        return
    try:
        active_wallet(user)
    except ApplicationError:
        return  # no live wallet: nothing can be open at the venue
    try:
        gateway_for(TradingMode.LIVE, user).cancel_everything()  # type: ignore[attr-defined]
    except Exception:
        logger.exception("kill switch: venue cancel-all failed for user %s", user.pk)


def trading_rearm(*, user: User) -> BotSettings:
    """Lift a kill-switch or daily-loss halt."""
    with transaction.atomic():
        bot = user_trading_lock(user)
        if not bot.trading_halted:
            return bot
        reason = bot.halt_reason
        bot.trading_halted = False
        bot.halt_reason = ""
        bot.halted_at = None
        bot.save(
            update_fields=["trading_halted", "halt_reason", "halted_at", "updated_at"]
        )
        audit_log_record(
            user=user, action=AuditAction.REARM, obj=bot, data={"was": reason}
        )
        _push_orders_changed(user.pk)  # every open page's header
    return bot


def trading_halt(bot: BotSettings, reason: str) -> None:
    """Halt new orders for ``reason`` until re-armed (the caller holds the
    trading lock, which returned ``bot``)."""
    if bot.trading_halted and bot.halt_reason == HALT_KILL_SWITCH:
        return  # the kill switch outranks a daily-loss halt
    bot.trading_halted = True
    bot.halt_reason = reason
    bot.halted_at = utc_now()
    bot.save(update_fields=["trading_halted", "halt_reason", "halted_at", "updated_at"])
    _push_orders_changed(bot.user_id)  # every open page's header


# --- resolution ---------------------------------------------------------------------


def market_settle(*, market: Market) -> int:
    """After a market resolved: cancel its resting paper orders (the venue
    cancels live ones) and settle every open position at 1 or 0. Idempotent;
    returns how many positions were settled."""
    from portfolio.ledger import positions_settle_market
    from portfolio.models import Position, PositionStatus

    market.refresh_from_db()
    if market.winning_outcome_id is None:
        return 0
    paper_orders = Order.objects.filter(
        market=market, mode=TradingMode.PAPER, status__in=ACTIVE_ORDER_STATUSES
    )
    for order in paper_orders:
        order_transition(
            order.pk,
            from_states=ACTIVE_ORDER_STATUSES,
            to=OrderStatus.CANCELLED,
            error_code="market_resolved",
            error_message="The market resolved.",
        )
    user_ids = set(
        Position.objects.filter(market=market, status=PositionStatus.OPEN).values_list(
            "user_id", flat=True
        )
    )
    settled = 0
    for user_id in sorted(user_ids):
        with transaction.atomic():
            user_trading_lock(user_id)
            settled += positions_settle_market(market, user_id=user_id)
        _push_orders_changed(user_id)
    return settled


def _push_orders_changed(user_id: int) -> None:
    from orders.realtime import account_changed_on_commit

    account_changed_on_commit(user_id)
