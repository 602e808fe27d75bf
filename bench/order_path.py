"""Order path latency (DESIGN §10): from a book event to the order leaving.

A market-channel message enters the stream's own code (parse, L2 book, the
live view written to Redis as the publisher writes it; the publisher's
coalescing interval is left out), and a strategy-style decision places a
resting bid at the best bid through ``orders.services.order_place``. The
submission runs eagerly, as a worker runs it right after the commit. The
clock stops when the order leaves the process:

  * paper: when the paper gateway has recorded it (resting, queue position set);
    the order's row and account panels are then rendered and pushed on the
    process's publisher thread, as in production, and each tick waits for
    the previous order's pushes, off the clock (a strategy's ticks come a
    publish interval apart);
  * live: when the signed ``POST /order`` goes to the socket (an httpx request
    hook), against an in-process sandbox venue that verifies every signature;
    the venue's acknowledgement, recorded in our database, is timed too.

Baseline, in the same run: py-clob-client-v2's own ``create_and_post_order``
for the same orders against the same sandbox (tick size and neg-risk given,
as we give them), timed to the same two points. Also the signing rate of
``TradingClient.sign_order`` next to the client's own ``create_order``.
The last line is the figure.

    .venv/bin/python bench/order_path.py [--orders 1000]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from _django import setup

SIZE = Decimal("5")
WARMUP = 20


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def messages(market: str, token: str, count: int) -> list[str]:
    """A book snapshot, then one ``price_change`` per order: the size at the
    best bid moves, the top of the book stays 0.39 / 0.61."""
    bids = [{"price": f"0.{p}", "size": "100"} for p in range(30, 40)]
    asks = [{"price": f"0.{p}", "size": "100"} for p in range(61, 71)]
    frames = [json.dumps({"event_type": "book", "asset_id": token, "market": market,
                          "bids": bids, "asks": asks, "timestamp": "1764000000000",
                          "hash": "0x0"})]  # fmt: skip
    for n in range(count):
        change = {"asset_id": token, "price": "0.39", "size": str(100 + n % 50),
                  "side": "BUY", "hash": f"{n:x}", "best_bid": "0.39", "best_ask": "0.61"}  # fmt: skip
        frames.append(json.dumps({"event_type": "price_change", "market": market,
                                  "price_changes": [change],
                                  "timestamp": str(1764000000001 + n)}))  # fmt: skip
    return frames


class WireClock:
    """Records when a ``POST /order`` is handed to the transport."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, request: Any) -> None:
        if request.method == "POST" and request.url.path.endswith("/order"):
            self.last = time.perf_counter()


class StageClock:
    """Where one order's time goes: the stream's part ends when the view is
    in Redis; the submission task starts once the order is validated,
    risk-checked and committed; the ``signed`` checkpoint fires once it is
    claimed, signed and its payload committed; then the post is marked
    started (committed) and sent."""

    def __init__(self) -> None:
        self.streamed = 0.0
        self.queued = 0.0
        self.signed = 0.0

    def task_started(self, **_: object) -> None:
        self.queued = time.perf_counter()

    def __call__(self, name: str, order_id: int) -> None:
        if name == "signed":
            self.signed = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000)
    args = parser.parse_args()
    setup("polybot_bench_orders")
    for noisy in ("httpx", "celery", "orders", "polybot", "aiohttp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from celery.signals import task_prerun
    from django.conf import settings
    from eth_account import Account
    from py_clob_client_v2.client import ClobClient
    from py_clob_client_v2.clob_types import OrderArgsV2, PartialCreateOrderOptions
    from py_clob_client_v2.http_helpers import helpers as clob_http

    from accounts.models import User, Wallet
    from accounts.services import (
        bot_settings_update,
        credential_store,
        user_set_trading_mode,
    )
    from markets.catalogue import markets_upsert
    from markets.live import book_view_set
    from markets.stream.publisher import book_view_of
    from orders.exchange.venue_client import trading_client_for
    from orders.models import Order, OrderStatus
    from orders.realtime import background
    from orders.services import OrderRequest, order_place
    from orders.submission import CHECKPOINT_HOOKS
    from polybot.lib.types import Side, TradingMode
    from polybot.polymarket.book import BookRegistry
    from polybot.polymarket.config import VenueConfig
    from polybot.polymarket.gamma import GammaClient
    from polybot.polymarket.models import Side as VenueSide
    from polybot.polymarket.parsing import parse_market_message
    from polybot.sandbox.config import SandboxConfig
    from polybot.sandbox.server import SandboxThread

    sandbox = SandboxThread(
        SandboxConfig(seed=7, simulator_enabled=False, resolve_after=None)
    ).start()
    urls = sandbox.urls
    settings.LIVE_TRADING_ENABLED = True
    settings.POLYMARKET_CLOB_URL = urls.clob
    settings.POLYMARKET_GAMMA_URL = urls.gamma
    settings.POLYMARKET_DATA_URL = urls.data
    settings.POLYMARKET_WS_URL = urls.ws
    settings.POLYBOT_RISK_MAX_ORDERS_PER_MINUTE = 10**9
    # As in production (the test settings render pushes in place).
    settings.POLYBOT_PUSH_IN_BACKGROUND = True
    config = VenueConfig.from_settings(settings)

    listed = next(
        m for m in GammaClient(config).markets(active=True, closed=False)
        if not m.neg_risk
    )  # fmt: skip
    markets_upsert(markets=[listed])
    from markets.models import Market

    market = Market.objects.get(condition_id=listed.condition_id)
    token = market.outcomes.get(index=0).token_id
    limits = {"max_bet_amount": Decimal("1000"), "max_position_per_market": Decimal("1000000"),
              "max_daily_loss": Decimal("1000000"), "paper_starting_balance": Decimal("1000000")}  # fmt: skip

    def trader(name: str, mode: str) -> tuple[User, str]:
        user = User.objects.create_user(username=name, password="bench-password")
        bot_settings_update(user=user, **limits)
        key = Account.create()
        wallet = Wallet.objects.create(user=user, address=key.address)
        credential_store(wallet=wallet, private_key=key.key.hex())
        user_set_trading_mode(user=user, mode=mode)
        return user, key.key.hex()

    paper_user, _ = trader("bench-paper", TradingMode.PAPER)
    live_user, _ = trader("bench-live", TradingMode.LIVE)
    total = WARMUP + args.orders
    frames = messages(market.condition_id, token, 2 * total)
    books = BookRegistry()
    for event in parse_market_message(frames[0]):
        books.apply(event)
    ticks = iter(frames[1:])
    wire = WireClock()
    clock = StageClock()
    CHECKPOINT_HOOKS.append(clock)
    task_prerun.connect(clock.task_started, weak=False)
    our_client = trading_client_for(live_user)
    our_client.http._client.event_hooks["request"].append(wire)

    def tick_to_order(user: User) -> tuple[float, float, int]:
        """One tick through the stream's code into one order; returns the
        start, the end and the order id."""
        # Ticks reach a strategy a publish interval apart, by which time the
        # previous order's pushes are out: wait for them, off the clock.
        background.wait_idle(10)
        started = time.perf_counter()
        for event in parse_market_message(next(ticks)):
            books.apply(event)
        view = book_view_of(books[token])
        book_view_set(view)
        clock.streamed = time.perf_counter()
        assert view.best_bid is not None
        order = order_place(
            user=user,
            request=OrderRequest(market_id=market.pk, token_id=token,
                                 side=Side.BUY, price=view.best_bid, size=SIZE),
        )  # fmt: skip
        return started, time.perf_counter(), order.pk

    def run(
        count: int, one: Callable[[], tuple[float, float, int]]
    ) -> list[tuple[float, float, int]]:
        return [one() for _ in range(count)]

    # 1. Paper: tick → order recorded by the paper gateway.
    run(WARMUP, lambda: tick_to_order(paper_user))
    paper = run(args.orders, lambda: tick_to_order(paper_user))
    paper_ms = [end - start for start, end, _ in paper]

    # 2. Live: tick → signed POST on the wire (and → the venue's ack recorded).
    live_wire: list[float] = []
    live_ack: list[float] = []
    stages: dict[str, list[float]] = {
        "stream": [],
        "place": [],
        "claim+sign": [],
        "post": [],
    }

    def live_one() -> tuple[float, float, int]:
        start, end, order_id = tick_to_order(live_user)
        live_wire.append(wire.last - start)
        live_ack.append(end - start)
        stages["stream"].append(clock.streamed - start)
        stages["place"].append(clock.queued - clock.streamed)
        stages["claim+sign"].append(clock.signed - clock.queued)
        stages["post"].append(wire.last - clock.signed)
        return start, end, order_id

    run(WARMUP, live_one)
    for samples in (live_wire, live_ack, *stages.values()):
        samples.clear()
    live = run(args.orders, live_one)

    placed = [pk for _, _, pk in paper + live]
    resting = Order.objects.filter(pk__in=placed, status=OrderStatus.OPEN).count()
    outcomes = Counter(
        Order.objects.filter(pk__in=placed).values_list("mode", "status", "error_code")
    )
    assert resting == len(placed), outcomes

    # 3. Baseline: py-clob-client-v2's own create_and_post_order, same venue.
    theirs = ClobClient(
        urls.clob,
        chain_id=config.chain_id,
        key=Account.create().key.hex(),
    )
    creds = theirs.create_or_derive_api_key()
    theirs.set_api_creds(creds)
    baseline_wire_clock = WireClock()
    clob_http._http_client.event_hooks["request"].append(baseline_wire_clock)
    options = PartialCreateOrderOptions(tick_size="0.01", neg_risk=market.neg_risk)
    order_args = OrderArgsV2(token_id=token, price=0.39, size=float(SIZE), side="BUY")
    baseline_wire: list[float] = []
    baseline_ack: list[float] = []
    for n in range(total):
        started = time.perf_counter()
        answer = theirs.create_and_post_order(order_args, options)
        ended = time.perf_counter()
        assert answer["success"], answer
        if n >= WARMUP:
            baseline_wire.append(baseline_wire_clock.last - started)
            baseline_ack.append(ended - started)

    # 4. Signing alone.
    started = time.perf_counter()
    for _ in range(args.orders):
        our_client.sign_order(token_id=token, side=VenueSide.BUY, price=Decimal("0.39"),
                              size=SIZE, tick_size=market.tick_size, neg_risk=market.neg_risk)  # fmt: skip
    our_signing = args.orders / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(args.orders):
        theirs.create_order(order_args, options)
    their_signing = args.orders / (time.perf_counter() - started)
    sandbox.stop()

    paper_p50, paper_p99 = percentiles(paper_ms)
    wire_p50, wire_p99 = percentiles(live_wire)
    ack_p50, ack_p99 = percentiles(live_ack)
    base_wire_p50, base_wire_p99 = percentiles(baseline_wire)
    base_ack_p50, base_ack_p99 = percentiles(baseline_ack)
    print(f"orders: {args.orders:,} per path (after {WARMUP} warm-up), BUY {SIZE} at the best bid, resting; "
          f"in-process sandbox, 2 cores")  # fmt: skip
    print(
        f"paper  tick -> order recorded:            p50 {paper_p50:6.2f} ms  p99 {paper_p99:6.2f} ms"
    )
    print(
        f"live   tick -> signed POST on the wire:   p50 {wire_p50:6.2f} ms  p99 {wire_p99:6.2f} ms"
    )
    parts = ", ".join(f"{name} {percentiles(v)[0]:.2f}" for name, v in stages.items())
    print(f"       of which (p50, ms): {parts}")
    print(
        f"live   tick -> venue ack recorded:        p50 {ack_p50:6.2f} ms  p99 {ack_p99:6.2f} ms"
    )
    print(f"py-clob-client-v2 create_and_post_order -> wire: p50 {base_wire_p50:6.2f} ms  "
          f"p99 {base_wire_p99:6.2f} ms; -> ack: p50 {base_ack_p50:6.2f} ms  p99 {base_ack_p99:6.2f} ms")  # fmt: skip
    print(f"signing: TradingClient.sign_order {our_signing:,.0f} orders/s; "
          f"py-clob-client-v2 create_order {their_signing:,.0f} orders/s")  # fmt: skip
    print(f"RESULT order_path: live tick-to-wire p50 {wire_p50:.2f} ms (p99 {wire_p99:.2f}) = "
          f"{wire_p50 / base_wire_p50:.2f}x py-clob-client-v2 create_and_post_order to wire "
          f"(p50 {base_wire_p50:.2f} ms); paper tick-to-order p50 {paper_p50:.2f} ms; "
          f"signing {our_signing:,.0f}/s = {our_signing / their_signing:.2f}x create_order")  # fmt: skip


if __name__ == "__main__":
    main()
