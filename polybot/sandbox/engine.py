"""The matching engine: admission, price-time matching, balances, cancels.

Synchronous and single-threaded on purpose: the aiohttp loop calls it between
awaits, so one operation is atomic without locks. Each public operation runs
inside ``_operation()``, which collects the level changes and events it caused
and publishes them as one batch when it ends.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from polybot.sandbox import errors, rules, settlement
from polybot.sandbox.book import PlannedFill, UnifiedBook, own_price, yes_view
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.errors import VenueError
from polybot.sandbox.events import (
    BookChanged,
    EventBus,
    LastTrade,
    MarketListed,
    MarketResolved,
    OrderChanged,
    PriceChanged,
    TickSizeChanged,
    TopChanged,
    TradeChanged,
    VenueEvent,
)
from polybot.sandbox.fees import taker_fee
from polybot.sandbox.ledger import Ledger
from polybot.sandbox.models import (
    Event,
    Market,
    Order,
    OrderStatus,
    OrderType,
    Side,
    Trade,
    TradeStatus,
    WalletFill,
)
from polybot.sandbox.orders import OrderRequest
from polybot.sandbox.ticks import tick_rule
from polybot.sandbox.trades import buckets_of, new_trade

ZERO = Decimal(0)
RECENT_TRADES = 5000


@dataclass
class PlaceResult:
    order: Order
    trades: list[Trade] = field(default_factory=list)
    making: Decimal = ZERO  # what the taker gave (pUSD for BUY, shares for SELL)
    taking: Decimal = ZERO

    @property
    def status(self) -> str:
        return "matched" if self.trades else "live"


class Engine:
    def __init__(
        self,
        config: SandboxConfig,
        markets: list[Market],
        events: list[Event],
        *,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.clock = clock
        self.rng = random.Random(f"engine:{config.seed}")
        self.bus = EventBus()
        self.ledger = Ledger(config.starting_balance)
        self.markets: dict[str, Market] = {}
        self.by_token: dict[str, Market] = {}
        self.events: dict[str, Event] = {}
        self.books: dict[str, UnifiedBook] = {}
        self.orders: dict[str, Order] = {}
        self.orders_by_owner: defaultdict[str, list[Order]] = defaultdict(list)
        self.trades: dict[str, Trade] = {}
        self.trades_by_owner: defaultdict[str, list[Trade]] = defaultdict(list)
        self.recent_trades: deque[Trade] = deque(maxlen=RECENT_TRADES)
        self.fills_by_wallet: defaultdict[str, list[WalletFill]] = defaultdict(list)
        self.unsettled: list[Trade] = []
        self.gtd_open: dict[str, Order] = {}
        self.heartbeats: dict[str, float] = {}
        self.scheduled_resolutions: dict[str, float] = {}
        self._seq = itertools.count(1)
        self._depth = 0
        self._pending: list[VenueEvent] = []
        self._traded: dict[str, Market] = {}
        # Books whose levels changed during the current operation.
        self._changed: dict[str, UnifiedBook] = {}
        self._tops: dict[str, tuple[Decimal | None, Decimal | None]] = {}
        for event in events:
            self.events[event.id] = event
        for market in markets:
            self._register(market)

    # --- lookups -------------------------------------------------------------

    def _register(self, market: Market) -> None:
        self.markets[market.condition_id] = market
        for token in market.token_ids:
            self.by_token[token] = market
        self.books[market.condition_id] = UnifiedBook(market)

    def market_for_token(self, token_id: str) -> Market | None:
        return self.by_token.get(token_id)

    def book_for(self, market: Market) -> UnifiedBook:
        return self.books[market.condition_id]

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # --- batching -------------------------------------------------------------

    @contextmanager
    def _operation(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._flush()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group several operations into one published batch (one simulator step)."""
        with self._operation():
            yield

    def _emit(self, event: VenueEvent) -> None:
        self._pending.append(event)

    def _flush(self) -> None:
        """Publish the operation's events in the order they happened.

        Level changes from placements and cancels go out as ``price_change``
        where they happened relative to trades (``_drain_levels`` runs before
        each match too). Changes a match caused are not sent as
        ``price_change``: as on the venue (API.md §8) the ``book`` re-sent
        after trades carries them, after the ``last_trade_price`` events. A
        level decrease reported before its trade would read as a
        cancellation followed by a trade, counting the same shares twice."""
        ts = self.now_ms()
        self._drain_levels(ts)
        for book in self._changed.values():
            market = book.market
            new_tick = tick_rule(market, book.midpoint())
            if new_tick is not None:
                old, market.tick_size = market.tick_size, new_tick
                self._emit(TickSizeChanged(market, old, new_tick, ts))
        self._changed.clear()
        # The fresh books the venue re-sends after trades come last.
        books: list[VenueEvent] = [BookChanged(m, ts) for m in self._traded.values()]
        self._traded.clear()
        batch, self._pending = self._pending + books, []
        self.bus.publish(batch)

    def _drain_levels(self, ts: int) -> None:
        """Emit the level changes so far (as ``price_change``, without those
        trades caused) and any new top of book."""
        for book in self.books.values():
            changes = book.drain_changes()
            if not changes:
                continue
            market = book.market
            self._changed[market.condition_id] = book
            sent = tuple(c for c in changes if not c.by_trade)
            if sent:
                self._emit(PriceChanged(market, sent, ts))
            top = (book.best_bid(), book.best_ask())
            if self._tops.get(market.condition_id) != top:
                self._tops[market.condition_id] = top
                self._emit(TopChanged(market, top[0], top[1], ts))

    # --- placing ----------------------------------------------------------------

    def place(self, req: OrderRequest) -> PlaceResult:
        """Admit, match and (for GTC/GTD) rest one order. Raises ``VenueError``."""
        with self._operation():
            market = self._tradable(req.token_id)
            if req.id in self.orders:
                raise VenueError(errors.duplicated_error(req.id))
            rules.check_type(req, self.clock(), self.config.gtd_security_seconds)
            limit = rules.limit_price(market, req)
            rules.check_size(market, req)
            book = self.book_for(market)
            yes_side, yes_limit = yes_view(market, req.token_id, req.side, limit)
            if req.post_only and book.crosses(yes_side, yes_limit):
                raise VenueError(errors.crosses_error(req.id))
            fills = book.plan(yes_side, yes_limit, req.size)
            filled = sum((f.size for f in fills), ZERO)
            if req.order_type is OrderType.FOK and filled < req.size:
                raise VenueError(errors.FOK_NOT_FILLED)
            if req.order_type is OrderType.FAK and filled == 0:
                raise VenueError(errors.FAK_NO_MATCH)
            rests = req.order_type in rules.RESTING_TYPES and filled < req.size
            self._check_balance(market, req, limit, fills, rests)
            order = self._new_order(market, req, limit)
            result = PlaceResult(order=order)
            self._emit_order(order, "PLACEMENT")
            if fills:
                self._execute(market, order, fills, result)
            if order.remaining > 0 and rests:
                book.add(order, yes_side, yes_limit)
                settlement.reserve(self.ledger, order)
                if order.order_type is OrderType.GTD:
                    self.gtd_open[order.id] = order
            elif order.remaining > 0:
                self._close(order, OrderStatus.CANCELED)  # FAK remainder
            else:
                self._close(order, OrderStatus.MATCHED)
            return result

    def _tradable(self, token_id: str) -> Market:
        market = self.by_token.get(token_id)
        if market is None:
            raise VenueError(errors.MARKET_NOT_READY)
        if market.closed or not market.accepting_orders:
            raise VenueError(errors.MARKET_CLOSED)
        return market

    def _check_balance(
        self,
        market: Market,
        req: OrderRequest,
        limit: Decimal,
        fills: list[PlannedFill],
        rests: bool,
    ) -> None:
        wallet = self.ledger.wallet(req.maker)
        filled = sum((f.size for f in fills), ZERO)
        resting = req.size - filled if rests else ZERO
        if req.side is Side.BUY:
            needed = resting * limit
            for fill in fills:
                price = own_price(market, req.token_id, fill.yes_price)
                needed += price * fill.size + taker_fee(market.fee, price, fill.size)
            enough = wallet.available_collateral >= needed
        else:
            enough = wallet.available_tokens(req.token_id) >= filled + resting
        if not enough:
            raise VenueError(errors.NOT_ENOUGH_BALANCE)

    def _new_order(self, market: Market, req: OrderRequest, limit: Decimal) -> Order:
        order = Order(
            id=req.id,
            owner=req.owner,
            signer=req.signer,
            maker=req.maker,
            market=market.condition_id,
            asset_id=req.token_id,
            outcome=market.outcome_of(req.token_id).label,
            side=req.side,
            price=limit,
            original_size=req.size,
            order_type=req.order_type,
            post_only=req.post_only,
            expiration=req.expiration,
            created_at=int(self.clock()),
            seq=next(self._seq),
            simulated=req.simulated,
        )
        self.orders[order.id] = order
        if not order.simulated:
            self.orders_by_owner[order.owner].append(order)
        return order

    # --- execution --------------------------------------------------------------

    def _execute(
        self,
        market: Market,
        taker: Order,
        fills: list[PlannedFill],
        result: PlaceResult,
    ) -> None:
        """Turn planned fills into trades, one per price level crossed."""
        # What changed before this match is published before its trades.
        self._drain_levels(self.now_ms())
        book = self.book_for(market)
        buckets = buckets_of(fills)
        now = self.clock()
        taker_yes_side = yes_view(market, taker.asset_id, taker.side, taker.price)[0]
        for index, bucket in enumerate(buckets):
            trade_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            trade = new_trade(market, taker, bucket, index, now, trade_id, self.config)
            for fill in bucket:
                maker = fill.maker
                maker.size_matched += fill.size
                maker.associate_trades.append(trade.id)
                settlement.settle_maker(self.ledger, maker, fill.size)
                if not maker.simulated:
                    self._wallet_fill(maker.maker, WalletFill(
                        trade.id, market.condition_id, maker.asset_id, maker.side,
                        fill.size, maker.price, ZERO, trade.match_time, "MAKER"))  # fmt: skip
                book.filled(maker)
                if maker.remaining <= 0:
                    self._close(maker, OrderStatus.MATCHED, emit=False)
                self._emit_order(maker, "UPDATE")
            taker.size_matched += trade.size
            taker.associate_trades.append(trade.id)
            settlement.settle_taker(self.ledger, trade)
            if not taker.simulated:
                self._wallet_fill(taker.maker, WalletFill(
                    trade.id, trade.market, taker.asset_id, taker.side, trade.size,
                    trade.price, trade.fee, trade.match_time, "TAKER"))  # fmt: skip
            self._record_trade(trade)
            self._emit(
                LastTrade(
                    market=market,
                    yes_price=bucket[0].yes_price,
                    yes_side=taker_yes_side,
                    size=trade.size,
                    fee_rate_bps=trade.fee_rate_bps,
                    transaction_hash=trade.transaction_hash,
                    timestamp_ms=int(now * 1000),
                )
            )
            cash = trade.price * trade.size
            result.trades.append(trade)
            result.making += cash if taker.side is Side.BUY else trade.size
            result.taking += trade.size if taker.side is Side.BUY else cash
        self._emit_order(taker, "UPDATE")
        market.last_trade_price = buckets[-1][0].yes_price
        market.last_trade_side = taker_yes_side
        self._traded[market.condition_id] = market

    def _wallet_fill(self, address: str, fill: WalletFill) -> None:
        self.fills_by_wallet[address.lower()].append(fill)

    def _record_trade(self, trade: Trade) -> None:
        self.recent_trades.append(trade)
        market = self.markets[trade.market]
        market.traded_volume += trade.price * trade.size
        owners = {trade.taker_owner} if trade.taker_owner else set()
        simulated_taker = self.orders[trade.taker_order_id].simulated
        if simulated_taker:
            owners.clear()
        for fill in trade.maker_fills:
            maker = self.orders.get(fill.order_id)
            if maker is not None and not maker.simulated:
                owners.add(fill.owner)
        if not owners:
            return  # simulated traders only: nobody can ask about it
        self.trades[trade.id] = trade
        for owner in owners:
            self.trades_by_owner[owner].append(trade)
        self.unsettled.append(trade)
        self._emit(TradeChanged(trade, trade.status, self.now_ms()))

    # --- reservations and closing -------------------------------------------------

    def _close(self, order: Order, status: OrderStatus, *, emit: bool = True) -> None:
        order.status = status
        self.gtd_open.pop(order.id, None)
        if order.simulated:
            self.orders.pop(order.id, None)
        if emit and status is not OrderStatus.MATCHED:
            self._emit_order(order, "CANCELLATION")

    def _cancel(self, order: Order, status: OrderStatus = OrderStatus.CANCELED) -> None:
        book = self.books[order.market]
        if order.id in book:
            book.remove(order)
            settlement.release(self.ledger, order)
        self._close(order, status)

    def _emit_order(self, order: Order, kind: str) -> None:
        if not order.simulated:
            self._emit(OrderChanged(order, kind, self.now_ms()))

    # --- cancels ------------------------------------------------------------------

    def cancel(
        self, owner: str, order_ids: list[str]
    ) -> tuple[list[str], dict[str, str]]:
        canceled: list[str] = []
        not_canceled: dict[str, str] = {}
        with self._operation():
            for order_id in order_ids:
                order = self.orders.get(order_id)
                if order is None or order.owner != owner:
                    not_canceled[order_id] = "order not found"
                elif order.status is OrderStatus.MATCHED:
                    not_canceled[order_id] = "the order is already matched"
                elif not order.is_open:
                    not_canceled[order_id] = "the order is already canceled"
                else:
                    self._cancel(order)
                    canceled.append(order_id)
        return canceled, not_canceled

    def open_orders(self, owner: str) -> list[Order]:
        return [o for o in self.orders_by_owner.get(owner, ()) if o.is_open]

    def cancel_where(
        self, owner: str, *, market: str = "", asset_id: str = ""
    ) -> list[str]:
        targets = [
            o.id
            for o in self.open_orders(owner)
            if (not market or o.market == market)
            and (not asset_id or o.asset_id == asset_id)
        ]
        return self.cancel(owner, targets)[0]

    # --- time-based work -------------------------------------------------------------

    def maintenance(self) -> None:
        """Settlement progress, GTD expiry, heartbeat timeouts, scheduled resolutions."""
        now = self.clock()
        with self._operation():
            self._progress_settlement(now)
            for order in [o for o in self.gtd_open.values()
                          if o.expiration - self.config.gtd_security_seconds <= now]:  # fmt: skip
                self._cancel(order, OrderStatus.CANCELED_EXPIRED)
            for owner, last in list(self.heartbeats.items()):
                if now - last > self.config.heartbeat_timeout:
                    del self.heartbeats[owner]
                    for order in self.open_orders(owner):
                        self._cancel(order)
            for condition_id, due in list(self.scheduled_resolutions.items()):
                if now >= due:
                    del self.scheduled_resolutions[condition_id]
                    self.resolve(condition_id, None)

    def _progress_settlement(self, now: float) -> None:
        still: list[Trade] = []
        for trade in self.unsettled:
            if trade.status is TradeStatus.MATCHED and now >= trade.mined_at:
                self._set_trade_status(trade, TradeStatus.MINED, now)
            if trade.status is TradeStatus.MINED and now >= trade.confirmed_at:
                self._set_trade_status(trade, TradeStatus.CONFIRMED, now)
            if trade.status in (TradeStatus.MATCHED, TradeStatus.MINED):
                still.append(trade)
        self.unsettled = still

    def _set_trade_status(self, trade: Trade, status: TradeStatus, now: float) -> None:
        trade.status = status
        trade.last_update = int(now)
        self._emit(TradeChanged(trade, status, int(now * 1000)))

    def heartbeat(self, owner: str) -> None:
        self.heartbeats[owner] = self.clock()

    # --- venue operations (control endpoint, simulator) ----------------------------------

    def fail_trade(self, trade_id: str) -> Trade:
        """Settlement failed on chain: undo every balance move of the trade."""
        trade = self.trades.get(trade_id)
        if trade is None:
            raise VenueError("trade not found", status=404)
        if trade.status is TradeStatus.FAILED:
            return trade
        with self._operation():
            settlement.reverse(self.ledger, trade)
            self.unsettled = [t for t in self.unsettled if t.id != trade.id]
            self._set_trade_status(trade, TradeStatus.FAILED, self.clock())
        return trade

    def fund(self, address: str, amount: Decimal, token_id: str | None = None) -> None:
        self.ledger.fund(address, amount, token_id)

    def resolve(self, condition_id: str, winner_token: str | None) -> Market:
        """Close a market: cancel its orders, pick the winner (the favourite if
        none is given) and tell the market channel."""
        market = self.markets[condition_id]
        if market.closed:
            return market
        with self._operation():
            book = self.book_for(market)
            if winner_token is None:
                mid = book.midpoint() or market.last_trade_price or Decimal("0.5")
                winner_token = (
                    market.yes.token_id if mid >= Decimal("0.5") else market.no.token_id
                )
            for order in list(book.orders()):
                self._cancel(order, OrderStatus.CANCELED_MARKET_RESOLVED)
            market.closed = True
            market.accepting_orders = False
            market.winner_token = winner_token
            market.closed_time = datetime.fromtimestamp(self.clock(), UTC)
            market.last_trade_price = (
                Decimal(1) if market.is_yes(winner_token) else ZERO
            )
            self._emit(MarketResolved(market, winner_token, self.now_ms()))
        return market

    def set_tick_size(self, condition_id: str, tick: Decimal) -> None:
        market = self.markets[condition_id]
        if market.tick_size == tick:
            return
        with self._operation():
            old, market.tick_size = market.tick_size, tick
            self._emit(TickSizeChanged(market, old, tick, self.now_ms()))

    def list_market(self, market: Market, event: Event) -> None:
        with self._operation():
            self.events[event.id] = event
            self._register(market)
            self._emit(MarketListed(market, self.now_ms()))
