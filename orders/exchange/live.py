"""The live gateway: real orders through the venue adapter. **Moves money.**

Follows the exactly-once protocol of ``orders.submission``: sign, store the
signed payload and its hash, commit, mark posting started, commit, post.
Every venue answer is recorded by conditional UPDATE from ``submitting``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.cache import cache

from accounts.models import BotSettings, User
from orders.exchange.base import CancelOutcome, Gateway
from orders.exchange.live_trades import trades_apply
from orders.exchange.venue_client import trading_client_for
from orders.models import ACTIVE_ORDER_STATUSES, Order, OrderStatus, OrderType
from orders.risk_inputs import HALT_KILL_SWITCH
from orders.transitions import order_transition
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode
from polybot.polymarket.errors import (
    PolymarketError,
    RateLimitedError,
    RejectCode,
    RejectedError,
)
from polybot.polymarket.models import OrderType as VenueOrderType
from polybot.polymarket.models import PostOrderResult, Side, SignedOrder
from polybot.polymarket.trading import TradingClient, reject_code_for

logger = logging.getLogger(__name__)
ZERO = Decimal("0")
KILL_SWITCH_CODE = "kill_switch"
KILL_SWITCH_MESSAGE = "The kill switch was engaged before the order was sent."
# The venue's balance, briefly cached: placement reads it under the user's
# lock, and a few seconds old is fine next to our own reservations.
_CASH_TTL = 5


class LiveGateway(Gateway):
    mode = TradingMode.LIVE

    def __init__(self, user_id: int, client: TradingClient | None = None) -> None:
        self.user_id = user_id
        self._client = client

    @classmethod
    def for_user(cls, user: User | int) -> LiveGateway:
        return cls(user if isinstance(user, int) else user.pk)

    @property
    def client(self) -> TradingClient:
        if self._client is None:
            self._client = trading_client_for(self.user_id)
        return self._client

    # --- submission -----------------------------------------------------------------

    def submit(self, order_id: int) -> None:
        from orders.submission import checkpoint

        order = self._signed(order_id)
        if order is None:
            return
        checkpoint("signed", order.pk)
        if not self._start_post(order):
            self._cancel_if_halted_unsent(order)
            return
        try:
            result = self.client.post_order(_signed_order(order))
        except RejectedError as exc:
            self._rejected(order, exc)
            return
        except RateLimitedError as exc:
            # Refused before it reached the matching engine: a definite no.
            self._close(order, OrderStatus.REJECTED, "rate_limited", str(exc))
            return
        except Exception as exc:  # timeout, connection lost, anything: unknown
            self._unknown(order, exc)
            return
        checkpoint("posted", order.pk)
        self._accepted(order, result)
        self._cancel_if_halted([order])

    def submit_batch(self, order_ids: Sequence[int]) -> None:
        from orders.submission import checkpoint

        orders = [o for o in (self._signed(i) for i in order_ids) if o is not None]
        for order in orders:
            checkpoint("signed", order.pk)
        started = []
        for order in orders:
            if self._start_post(order):
                started.append(order)
            else:
                self._cancel_if_halted_unsent(order)
        orders = started
        if not orders:
            return
        try:
            results = self.client.post_orders([_signed_order(o) for o in orders])
        except RateLimitedError as exc:
            for order in orders:
                self._close(order, OrderStatus.REJECTED, "rate_limited", str(exc))
            return
        except Exception as exc:
            for order in orders:
                self._unknown(order, exc)
            return
        for order in orders:
            checkpoint("posted", order.pk)
        for order, result in zip(orders, results, strict=False):
            code = reject_code_for(result)
            if code is None:
                self._accepted(order, result)
            elif code is RejectCode.DUPLICATED:
                # The venue already holds this exact signed order: it is ours.
                self._unknown(order, RuntimeError(result.error_msg))
            else:
                self._close(order, OrderStatus.REJECTED, code.value, result.error_msg)
        for order in orders[len(results) :]:
            # The venue answered for fewer orders than we sent: unknown.
            self._unknown(order, RuntimeError("no result for this order"))
        self._cancel_if_halted(orders)

    def _signed(self, order_id: int) -> Order | None:
        """The order with its signed payload stored (signing it now if it has
        none), or None if it is no longer ours to submit."""
        order = Order.objects.select_related("market", "outcome").get(pk=order_id)
        if order.status != OrderStatus.SUBMITTING:
            return None
        if order.signed_payload is not None:
            return order
        market = order.market
        try:
            signed = self.client.sign_order(
                token_id=order.outcome.token_id,
                side=Side(order.side),
                price=order.price,
                size=order.size,
                tick_size=market.tick_size,
                neg_risk=market.neg_risk,
                order_type=VenueOrderType(order.order_type),
                post_only=order.post_only,
                expiration=order.expiration,
            )
        except (ValueError, TypeError, PolymarketError) as exc:
            # Never left the process: a definite rejection.
            self._close(order, OrderStatus.REJECTED, "signing_failed", str(exc))
            return None
        stored = Order.objects.filter(
            pk=order.pk, status=OrderStatus.SUBMITTING, signed_payload__isnull=True
        ).update(
            signed_payload=signed.payload,
            venue_order_hash=signed.order_hash,
            updated_at=utc_now(),
        )
        if stored:
            order.signed_payload = signed.payload
            order.venue_order_hash = signed.order_hash
            return order
        # Another worker stored its signature first: that one is submitted.
        order.refresh_from_db()
        return order if order.status == OrderStatus.SUBMITTING else None

    @staticmethod
    def _start_post(order: Order) -> bool:
        """Record that posting begins; only the caller that records it posts,
        and nobody does once the kill switch is engaged."""
        return (
            Order.objects.filter(
                pk=order.pk,
                status=OrderStatus.SUBMITTING,
                post_started_at__isnull=True,
            )
            .exclude(
                user__bot_settings__trading_halted=True,
                user__bot_settings__halt_reason=HALT_KILL_SWITCH,
            )
            .update(post_started_at=utc_now(), updated_at=utc_now())
            == 1
        )

    def _cancel_if_halted_unsent(self, order: Order) -> None:
        """Posting was refused: if the kill switch is why, the order was
        never sent and is cancelled here (the kill switch could not cancel
        it at the venue, which never had it)."""
        if kill_switch_engaged(self.user_id):
            _cancel_unsent(order.pk, KILL_SWITCH_CODE, KILL_SWITCH_MESSAGE)

    def _cancel_if_halted(self, orders: Sequence[Order]) -> None:
        """The kill switch engaged while these posts were in flight: the
        venue may have received them after it cancelled everything it held,
        so cancel them now. Either it saw them first and cancelled them, or
        this sees its halt: no order outlives the kill switch."""
        if not kill_switch_engaged(self.user_id):
            return
        active = list(
            Order.objects.filter(
                pk__in=[o.pk for o in orders], status__in=ACTIVE_ORDER_STATUSES
            )
        )
        if active:
            self.cancel(active)

    def _accepted(self, order: Order, result: PostOrderResult) -> None:
        status = result.status.lower()
        now = utc_now()
        if status == "unmatched":
            # A FAK/FOK that found nothing to match: killed, not rejected.
            self._close(order, OrderStatus.CANCELLED, "unmatched", "Nothing to match.")
            return
        order_transition(
            order.pk,
            from_states=[OrderStatus.SUBMITTING, OrderStatus.UNKNOWN],
            to=OrderStatus.OPEN,
            submitted_at=now,
        )
        if result.trade_ids:
            self._backfill(order)
        if order.order_type in (OrderType.FOK, OrderType.FAK):
            # Whatever did not match right away never will.
            order.refresh_from_db()
            if order.status in (OrderStatus.OPEN, OrderStatus.PARTIAL):
                order_transition(
                    order.pk,
                    from_states=[OrderStatus.OPEN, OrderStatus.PARTIAL],
                    to=OrderStatus.CANCELLED,
                    error_code="unfilled_remainder_killed",
                    error_message="The unfilled part was cancelled.",
                )

    def _backfill(self, order: Order) -> None:
        try:
            trades = self.client.trades_for_market(
                order.market.condition_id,
                [order.outcome.token_id],
                after=order.created_at.replace(microsecond=0),
            )
        except PolymarketError:
            logger.warning(
                "trade backfill for order %s failed; reconciliation will", order.pk
            )
            return
        trades_apply(trades, user_id=order.user_id)

    def _rejected(self, order: Order, exc: RejectedError) -> None:
        if exc.code is RejectCode.DUPLICATED:
            # The venue already holds this exact signed order: it is ours.
            self._unknown(order, exc)
            return
        self._close(order, OrderStatus.REJECTED, str(exc.code.value), str(exc))

    @staticmethod
    def _unknown(order: Order, exc: BaseException) -> None:
        logger.warning("order %s: outcome unknown after post: %r", order.pk, exc)
        order_transition(
            order.pk,
            from_states=[OrderStatus.SUBMITTING],
            to=OrderStatus.UNKNOWN,
            error_code="outcome_unknown",
            error_message="The venue did not answer; checking whether the order exists.",
        )

    @staticmethod
    def _close(order: Order, status: str, code: str, message: str) -> None:
        order_transition(
            order.pk,
            from_states=[OrderStatus.SUBMITTING],
            to=status,
            error_code=code[:64],
            error_message=message[:500],
            submitted_at=utc_now(),
        )

    # --- cancelling -----------------------------------------------------------------

    def cancel(self, orders: Sequence[Order]) -> CancelOutcome:
        # Claimed (maybe signed) but never posted: cancelled here, and the
        # submission, which posts only from ``submitting``, never sends it.
        unsent = tuple(o.pk for o in orders if _cancel_unsent(o.pk))
        orders = [o for o in orders if o.pk not in unsent]
        by_hash = {o.venue_order_hash.lower(): o for o in orders if o.venue_order_hash}
        missing = {
            o.pk: "not at the venue yet" for o in orders if not o.venue_order_hash
        }
        if not by_hash:
            return CancelOutcome(cancelled=unsent, not_cancelled=missing)
        try:
            result = self.client.cancel_orders(
                [o.venue_order_hash for o in by_hash.values() if o.venue_order_hash]
            )
        except PolymarketError as exc:
            reason = f"venue did not confirm: {exc}"
            return CancelOutcome(
                cancelled=unsent,
                not_cancelled={**missing, **{o.pk: reason for o in orders}},
            )
        cancelled: list[int] = list(unsent)
        for order_hash in result.canceled:
            order = by_hash.get(order_hash.lower())
            if order is not None and order_transition(
                order.pk, from_states=ACTIVE_ORDER_STATUSES, to=OrderStatus.CANCELLED
            ):
                cancelled.append(order.pk)
        refused = {
            by_hash[h.lower()].pk: reason
            for h, reason in result.not_canceled.items()
            if h.lower() in by_hash
        }
        return CancelOutcome(
            cancelled=tuple(cancelled), not_cancelled={**missing, **refused}
        )

    def cancel_everything(self) -> list[str]:
        """``DELETE /cancel-all``: the venue's own list of what it cancelled."""
        return list(self.client.cancel_all().canceled)

    # --- balance --------------------------------------------------------------------

    def cash_available(self) -> Decimal | None:
        key = f"polybot:live:cash:{self.user_id}"
        cached = cache.get(key)
        if cached is not None:
            return Decimal(cached)
        balance = self.client.balance_allowance("COLLATERAL").balance
        cache.set(key, str(balance), timeout=_CASH_TTL)
        return balance


def _cancel_unsent(order_id: int, code: str = "", message: str = "") -> bool:
    """Cancel an order whose post never started. Conditional on exactly
    that, so it cannot race a worker that has begun posting."""
    now = utc_now()
    return (
        Order.objects.filter(
            pk=order_id, status=OrderStatus.SUBMITTING, post_started_at__isnull=True
        ).update(
            status=OrderStatus.CANCELLED,
            error_code=code,
            error_message=message,
            closed_at=now,
            updated_at=now,
        )
        == 1
    )


def kill_switch_engaged(user_id: int) -> bool:
    return BotSettings.objects.filter(
        user_id=user_id, trading_halted=True, halt_reason=HALT_KILL_SWITCH
    ).exists()


def _signed_order(order: Order) -> SignedOrder:
    """Rebuild what was signed from the stored payload: re-posting sends
    the identical bytes, never a fresh signature."""
    payload: dict[str, Any] = dict(order.signed_payload or {})
    assert order.venue_order_hash, "a signed order has a hash"
    return SignedOrder(
        order_hash=order.venue_order_hash,
        payload=payload,
        token_id=order.outcome.token_id,
        side=Side(order.side),
        price=order.price,
        size=order.size,
        order_type=VenueOrderType(order.order_type),
        post_only=order.post_only,
        expiration=order.expiration,
    )
