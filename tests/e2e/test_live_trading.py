"""Live trading end to end: a live-mode user places, fills, partially fills
and cancels orders through ``orders.services`` against the running sandbox
venue (real HTTP, real signatures), and our ledger, positions and P&L are
checked against the venue's own records, to the micro-dollar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from accounts.models import BotSettings
from orders.errors import OrderRejectedError
from orders.exchange.live_trades import maker_trade_id, trades_apply
from orders.models import Fill, LiquidityRole, Order, OrderStatus, SettlementStatus
from orders.reconcile import reconcile_user
from orders.risk import KILL_SWITCH
from orders.services import (
    kill_switch_engage,
    order_cancel,
    order_place,
    order_place_batch,
)
from orders.submission import CHECKPOINT_HOOKS
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import Side, TradeStatus
from polybot.sandbox.server import SandboxThread
from portfolio.marks import portfolio_figures
from portfolio.models import Position, PositionStatus
from tests.e2e.conftest import QUIET
from tests.e2e.live_venue import (
    FEE_MARKET,
    UserChannel,
    WorkerDied,
    book_publish,
    counterparty,
    counterparty_order,
    die_at,
    eventually,
    live_settings,
    live_user,
    market_synced,
    outcomes,
    refreshed,
    request,
    venue_client,
    venue_collateral,
    venue_order_ids,
    venue_positions,
    venue_trade_fee,
    wallet_address,
)

D = Decimal
STARTING_BALANCE = QUIET.starting_balance
pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[SandboxThread]:
    # A venue per test: no resting order of another test is left to match.
    # A test may ask for its own configuration (indirect parametrization).
    thread = SandboxThread(getattr(request, "param", QUIET)).start()
    yield thread
    thread.stop()


@pytest.fixture
def live(settings: Any, sandbox: SandboxThread) -> None:
    live_settings(settings, sandbox)


@pytest.fixture
def submit(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Callable[[Callable[[], Any]], Any]:
    """Run ``fn`` and then what its commit queued: the submission task,
    eagerly, as a worker would right after the commit."""

    def run(fn: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


def our_fills(user) -> list[tuple[str, str, Decimal, Decimal, Decimal, str]]:
    return sorted(
        (f.venue_trade_id, f.side, f.price, f.size, f.fee, f.role)
        for f in Fill.objects.filter(user=user, mode=TradingMode.LIVE)
    )


def venue_fills(
    sandbox, client, market
) -> list[tuple[str, str, Decimal, Decimal, Decimal, str]]:
    """The account's part of every trade, as the venue's ``/data/trades``
    and its own trade records (for the taker fee) tell it."""
    assert client.credentials is not None
    me = client.credentials.api_key
    rows = []
    tokens = [o.token_id for o in market.outcomes.all()]
    for trade in client.trades_for_market(market.condition_id, tokens):
        if trade.trader_side == "TAKER":
            fee = venue_trade_fee(sandbox, trade.id)
            rows.append(
                (trade.id, trade.side.value, trade.price, trade.size, fee, "taker")
            )
        for maker in trade.maker_orders:
            if maker.owner == me:
                trade_id = maker_trade_id(trade.id, maker.order_id)
                assert maker.side is not None
                rows.append(
                    (
                        trade_id,
                        maker.side.value,
                        maker.price,
                        maker.matched_amount,
                        D("0"),
                        "maker",
                    )
                )
    return sorted(rows)


def test_it_places_fills_partially_fills_and_cancels_and_the_books_match_the_venue(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    assert (market.fees_enabled, market.fee_rate, market.fee_exponent) == (
        True,
        D("0.04"),
        D("1"),
    )
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    bob = counterparty(venue_config)
    funded = control.post(
        "/fund",
        json={"address": bob.maker_address, "amount": "100", "token_id": yes.token_id},
    )
    assert funded.status_code == 200, funded.text

    # 1. A resting bid: committed, signed, posted; the venue holds it by hash.
    bid = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.40", "20")
        )
    )
    bid = refreshed(bid)
    assert (bid.mode, bid.status, bid.filled_size) == (
        TradingMode.LIVE,
        OrderStatus.OPEN,
        D("0"),
    )
    assert bid.venue_order_hash and bid.post_started_at is not None
    assert [o.id for o in client.open_orders()] == [bid.venue_order_hash]

    # 2. Bob sells 10 into it: a maker fill, found by reconciliation.
    taken = counterparty_order(bob, market, yes, Side.SELL, "0.40", "10")
    assert (taken.success, taken.status) == (True, "matched")
    report = reconcile_user(alice.pk)
    assert report.fills_added == 1
    bid = refreshed(bid)
    assert (bid.status, bid.filled_size, bid.average_fill_price) == (
        OrderStatus.PARTIAL,
        D("10"),
        D("0.40"),
    )
    [open_at_venue] = client.open_orders()
    assert (open_at_venue.id, open_at_venue.size_matched) == (
        bid.venue_order_hash,
        D("10"),
    )

    # 3. Cancel the rest: gone at the venue, the fill stays.
    bid = order_cancel(user=alice, order=bid)
    assert (bid.status, bid.filled_size) == (OrderStatus.CANCELLED, D("10"))
    assert client.open_orders() == []

    # 4. A marketable bid walks two of Bob's asks: two taker trades, fees
    #    charged by the market's curve, filled at once (the post's trade ids
    #    are backfilled straight away).
    for price, size in (("0.45", "10"), ("0.47", "5")):
        assert (
            counterparty_order(bob, market, yes, Side.SELL, price, size).status
            == "live"
        )
    book_publish(venue_config, yes)
    lift = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.47", "15")
        )
    )
    lift = refreshed(lift)
    assert (lift.status, lift.filled_size, lift.average_fill_price) == (
        OrderStatus.FILLED,
        D("15"),
        D("0.456667"),
    )
    # 10 × 0.04 × 0.45 × 0.55 = 0.099; 5 × 0.04 × 0.47 × 0.53 = 0.04982
    assert lift.fees_paid == D("0.14882")

    # 5. A resting ask that Bob lifts: a maker sell, realized P&L.
    ask = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "SELL", "0.50", "5")
        )
    )
    assert refreshed(ask).status == OrderStatus.OPEN
    assert (
        counterparty_order(bob, market, yes, Side.BUY, "0.50", "5").status == "matched"
    )
    # Bob's quotes make a two-sided book: the mark is its midpoint.
    assert counterparty_order(bob, market, yes, Side.BUY, "0.41", "5").status == "live"
    assert counterparty_order(bob, market, yes, Side.SELL, "0.47", "5").status == "live"
    assert reconcile_user(alice.pk).fills_added == 1
    ask = refreshed(ask)
    assert (ask.status, ask.filled_size) == (OrderStatus.FILLED, D("5"))
    book = book_publish(venue_config, yes)
    assert book.midpoint == D("0.44")

    # The ledger is the venue's trades, one row each, fees to the micro-dollar.
    fills = our_fills(alice)
    assert fills == venue_fills(sandbox, client, market)
    assert len(fills) == 4
    assert sorted(
        (side, price, size, fee, role) for _, side, price, size, fee, role in fills
    ) == [
        ("BUY", D("0.40"), D("10"), D("0"), LiquidityRole.MAKER),
        ("BUY", D("0.45"), D("10"), D("0.099"), LiquidityRole.TAKER),
        ("BUY", D("0.47"), D("5"), D("0.04982"), LiquidityRole.TAKER),
        ("SELL", D("0.50"), D("5"), D("0"), LiquidityRole.MAKER),
    ]

    # The position is the venue's: 25 bought for 10.85 (avg 0.434), 5 sold
    # at 0.50 realizing 5 × (0.50 − 0.434) = 0.33.
    position = Position.objects.get(user=alice, mode=TradingMode.LIVE, outcome=yes)
    theirs = venue_positions(sandbox, wallet_address(alice))[yes.token_id]
    assert (position.size, position.cost_basis, position.average_entry_price) == (
        D("20"),
        D("8.68"),
        D("0.434"),
    )
    assert (position.realized_pnl, position.fees_paid) == (D("0.33"), D("0.14882"))
    assert (theirs.size, theirs.avg_price, theirs.realized, theirs.fees) == (
        position.size,
        position.average_entry_price,
        position.realized_pnl,
        position.fees_paid,
    )
    # Unrealized at the midpoint: 20 × 0.44 − 8.68 = 0.12, as the venue says.
    figures = portfolio_figures(alice, TradingMode.LIVE)
    assert (theirs.current_price, theirs.unrealized) == (D("0.44"), D("0.12"))
    assert (figures.unrealized, figures.realized, figures.fees) == (
        D("0.12"),
        D("0.33"),
        D("0.14882"),
    )
    # Cash moved exactly by what the ledger says was paid and received.
    spent = sum(
        (
            f.price * f.size * (1 if f.side == "BUY" else -1) + f.fee
            for f in Fill.objects.filter(user=alice)
        ),
        D("0"),
    )
    assert spent == D("8.49882")
    assert venue_collateral(sandbox, wallet_address(alice)) == STARTING_BALANCE - spent

    # Settlement runs to CONFIRMED; reconciling again adds nothing.
    assert eventually(
        lambda: all(t.status is TradeStatus.CONFIRMED for t in client.trades())
    )
    again = reconcile_user(alice.pk)
    assert (again.fills_added, again.states_healed) == (0, [])
    assert set(
        Fill.objects.filter(user=alice).values_list("settlement_status", flat=True)
    ) == {SettlementStatus.CONFIRMED}
    assert our_fills(alice) == fills


def test_the_kill_switch_leaves_no_open_order_at_the_venue(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    bob = counterparty(venue_config)
    control.post(
        "/fund",
        json={"address": bob.maker_address, "amount": "100", "token_id": yes.token_id},
    )

    # Two resting orders posted as one venue batch.
    batch = submit(
        lambda: order_place_batch(
            user=alice,
            requests=[
                request(market, yes, "BUY", "0.30", "10"),
                request(market, no, "BUY", "0.30", "10"),
            ],
        )
    )
    # One partially filled.
    partial = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.35", "20")
        )
    )
    counterparty_order(bob, market, yes, Side.SELL, "0.35", "5")
    reconcile_user(alice.pk)
    assert refreshed(partial).status == OrderStatus.PARTIAL
    # One the venue holds while our record still says ``submitting``: the
    # worker died between the venue's answer and recording it.
    CHECKPOINT_HOOKS.append(die_at("posted"))
    try:
        with pytest.raises(WorkerDied):
            submit(
                lambda: order_place(
                    user=alice, request=request(market, yes, "BUY", "0.20", "10")
                )
            )
    finally:
        CHECKPOINT_HOOKS.clear()
    crashed = Order.objects.get(user=alice, price=D("0.20"))
    assert crashed.status == OrderStatus.SUBMITTING
    # And one committed but never sent.
    pending = order_place(user=alice, request=request(market, no, "BUY", "0.25", "10"))
    assert refreshed(pending).status == OrderStatus.PENDING
    assert len(client.open_orders()) == 4

    result = kill_switch_engage(user=alice)

    assert result.cancelled == 5
    assert client.open_orders() == []
    statuses = dict(Order.objects.filter(user=alice).values_list("pk", "status"))
    assert statuses == {
        o.pk: OrderStatus.CANCELLED for o in [*batch, partial, crashed, pending]
    }
    assert refreshed(partial).filled_size == D("5")
    bot = BotSettings.objects.get(user=alice)
    assert (bot.trading_halted, bot.halt_reason) == (True, "kill_switch")
    with pytest.raises(OrderRejectedError) as refused:
        order_place(user=alice, request=request(market, yes, "BUY", "0.30", "10"))
    assert [v.code for v in refused.value.violations] == [KILL_SWITCH]


def test_an_order_signed_when_the_kill_switch_engages_is_cancelled_and_never_posted(
    live, sandbox: SandboxThread, venue_config: VenueConfig, submit
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    engaged: list[int] = []

    def kill_switch_meanwhile(name: str, order_id: int) -> None:
        # Another process engages the kill switch while this worker holds a
        # signed order it has not posted yet.
        if name == "signed":
            engaged.append(kill_switch_engage(user=alice).cancelled)

    CHECKPOINT_HOOKS.append(kill_switch_meanwhile)
    try:
        order = submit(
            lambda: order_place(
                user=alice, request=request(market, yes, "BUY", "0.30", "10")
            )
        )
    finally:
        CHECKPOINT_HOOKS.clear()

    order = refreshed(order)
    assert engaged == [1]
    assert (order.status, order.post_started_at) == (OrderStatus.CANCELLED, None)
    assert client.open_orders() == []
    assert venue_order_ids(sandbox, client) == []


def test_a_signed_order_is_not_posted_once_the_kill_switch_has_halted_trading(
    live, sandbox: SandboxThread, venue_config: VenueConfig, submit
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)

    def halted_meanwhile(name: str, order_id: int) -> None:
        # The kill switch has committed its halt in another process and has
        # not read the orders to cancel yet.
        if name == "signed":
            BotSettings.objects.filter(user=alice).update(
                trading_halted=True, halt_reason="kill_switch"
            )

    CHECKPOINT_HOOKS.append(halted_meanwhile)
    try:
        order = submit(
            lambda: order_place(
                user=alice, request=request(market, yes, "BUY", "0.30", "10")
            )
        )
    finally:
        CHECKPOINT_HOOKS.clear()

    order = refreshed(order)
    assert (order.status, order.post_started_at, order.error_code) == (
        OrderStatus.CANCELLED,
        None,
        "kill_switch",
    )
    assert kill_switch_engage(user=alice).cancelled == 0
    assert venue_order_ids(sandbox, client) == []


def test_a_cancel_while_the_order_is_signed_but_unsent_stops_it(
    live, sandbox: SandboxThread, venue_config: VenueConfig, submit
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    cancelled: list[str] = []

    def user_cancels(name: str, order_id: int) -> None:
        if name == "signed":
            order = Order.objects.get(pk=order_id)
            cancelled.append(order_cancel(user=alice, order=order).status)

    CHECKPOINT_HOOKS.append(user_cancels)
    try:
        order = submit(
            lambda: order_place(
                user=alice, request=request(market, yes, "BUY", "0.30", "10")
            )
        )
    finally:
        CHECKPOINT_HOOKS.clear()

    assert cancelled == [OrderStatus.CANCELLED]
    order = refreshed(order)
    assert (order.status, order.post_started_at) == (OrderStatus.CANCELLED, None)
    assert venue_order_ids(sandbox, client) == []


# Settlement slow enough that the failure always comes before CONFIRMED,
# however loaded the machine (a confirmed trade is final).
SLOW_SETTLEMENT = replace(QUIET, mined_after=30.0, confirmed_after=60.0)


@pytest.mark.parametrize("sandbox", [SLOW_SETTLEMENT], indirect=True)
def test_a_failed_settlement_reverses_the_fill_and_the_position(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    bob = counterparty(venue_config)
    control.post(
        "/fund",
        json={"address": bob.maker_address, "amount": "100", "token_id": yes.token_id},
    )
    kept = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.40", "10")
        )
    )
    counterparty_order(bob, market, yes, Side.SELL, "0.40", "10")
    assert reconcile_user(alice.pk).fills_added == 1
    counterparty_order(bob, market, yes, Side.SELL, "0.45", "10")
    book_publish(venue_config, yes)
    lift = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.45", "10")
        )
    )
    lift = refreshed(lift)
    assert (lift.status, lift.filled_size, lift.fees_paid) == (
        OrderStatus.FILLED,
        D("10"),
        D("0.099"),
    )
    position = Position.objects.get(user=alice, outcome=yes)
    assert (position.size, position.cost_basis, position.fees_paid) == (
        D("20"),
        D("8.50"),
        D("0.099"),
    )

    # The taker trade fails on chain: the venue undoes it.
    [failed] = Fill.objects.filter(order=lift)
    answer = control.post(f"/trades/{failed.venue_trade_id}/fail")
    assert answer.json()["status"] == "FAILED"

    report = reconcile_user(alice.pk)

    assert report.fills_added == 0
    failed.refresh_from_db()
    assert (failed.settlement_status, failed.reversed_at is not None) == (
        SettlementStatus.FAILED,
        True,
    )
    lift = refreshed(lift)
    assert (lift.status, lift.filled_size, lift.fees_paid, lift.average_fill_price) == (
        OrderStatus.CANCELLED,
        D("0"),
        D("0"),
        None,
    )
    assert (refreshed(kept).status, refreshed(kept).filled_size) == (
        OrderStatus.FILLED,
        D("10"),
    )
    position.refresh_from_db()
    assert (
        position.size,
        position.cost_basis,
        position.average_entry_price,
        position.fees_paid,
    ) == (
        D("10"),
        D("4.00"),
        D("0.40"),
        D("0"),
    )
    assert position.status == PositionStatus.OPEN
    # The venue agrees: its position excludes the failed trade, and its cash
    # is what the standing fill cost.
    theirs = venue_positions(sandbox, wallet_address(alice))[yes.token_id]
    assert (theirs.size, theirs.avg_price, theirs.fees) == (D("10"), D("0.40"), D("0"))
    assert venue_collateral(sandbox, wallet_address(alice)) == STARTING_BALANCE - D(
        "4.00"
    )
    standing = [
        row
        for row in venue_fills(sandbox, client, market)
        if row[0] != failed.venue_trade_id
    ]
    assert our_fills(alice) == sorted(
        [
            *standing,
            (failed.venue_trade_id, "BUY", D("0.45"), D("10"), D("0.099"), "taker"),
        ]
    )
    # Failing it again, or reconciling again, changes nothing.
    reconcile_user(alice.pk)
    position.refresh_from_db()
    assert (position.size, position.cost_basis) == (D("10"), D("4.00"))


def test_the_same_trade_from_the_user_channel_and_the_backfill_is_recorded_once(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    assert client.credentials is not None
    bob = counterparty(venue_config)
    control.post(
        "/fund",
        json={"address": bob.maker_address, "amount": "100", "token_id": yes.token_id},
    )
    bid = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.40", "10")
        )
    )

    with UserChannel(
        venue_config, client.credentials, [market.condition_id]
    ) as channel:
        counterparty_order(bob, market, yes, Side.SELL, "0.40", "10")
        matched = channel.next_trade()
        assert matched.status is TradeStatus.MATCHED
        assert trades_apply([matched], user_id=alice.pk) == 1
        assert trades_apply([matched], user_id=alice.pk) == 0
        # The backfill reads the same trade from /data/trades.
        assert reconcile_user(alice.pk).fills_added == 0
        # Settlement updates of the same trade move its status, nothing else.
        updates = [channel.next_trade(), channel.next_trade()]

    assert [(t.id, t.status) for t in updates] == [
        (matched.id, TradeStatus.MINED),
        (matched.id, TradeStatus.CONFIRMED),
    ]
    for update in updates:
        assert trades_apply([update], user_id=alice.pk) == 0
    [fill] = Fill.objects.filter(user=alice)
    assert (fill.order_id, fill.size, fill.price, fill.settlement_status) == (
        bid.pk,
        D("10"),
        D("0.40"),
        SettlementStatus.CONFIRMED,
    )
    assert (refreshed(bid).status, refreshed(bid).filled_size) == (
        OrderStatus.FILLED,
        D("10"),
    )
    position = Position.objects.get(user=alice, outcome=yes)
    assert (position.size, position.cost_basis) == (D("10"), D("4.00"))


def test_a_maker_bid_on_no_filled_by_a_taker_buying_yes_is_a_fill_on_no(
    live, sandbox: SandboxThread, venue_config: VenueConfig, submit
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, no = outcomes(market)
    alice = live_user("alice")
    bob = counterparty(venue_config)
    bid = submit(
        lambda: order_place(
            user=alice, request=request(market, no, "BUY", "0.60", "10")
        )
    )
    # Bob buys YES at 0.40: with Alice's NO bid at 0.60 that mints a pair.
    assert (
        counterparty_order(bob, market, yes, Side.BUY, "0.40", "10").status == "matched"
    )

    assert reconcile_user(alice.pk).fills_added == 1

    [fill] = Fill.objects.filter(user=alice)
    assert (fill.outcome_id, fill.side, fill.price, fill.size, fill.role) == (
        no.pk,
        "BUY",
        D("0.60"),
        D("10"),
        LiquidityRole.MAKER,
    )
    assert (refreshed(bid).status, refreshed(bid).filled_size) == (
        OrderStatus.FILLED,
        D("10"),
    )
    position = Position.objects.get(user=alice, mode=TradingMode.LIVE)
    theirs = venue_positions(sandbox, wallet_address(alice))
    assert list(theirs) == [no.token_id]
    assert (position.outcome_id, position.size, position.average_entry_price) == (
        no.pk,
        D("10"),
        D("0.60"),
    )
    assert (theirs[no.token_id].size, theirs[no.token_id].avg_price) == (
        position.size,
        position.average_entry_price,
    )


def test_a_fill_of_an_order_resting_for_days_is_found_by_reconciliation(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    bob = counterparty(venue_config)
    control.post(
        "/fund",
        json={"address": bob.maker_address, "amount": "100", "token_id": yes.token_id},
    )
    bid = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.40", "10")
        )
    )
    # Placed two days ago and untouched since; filled just now.
    Order.objects.filter(pk=bid.pk).update(updated_at=utc_now() - timedelta(days=2))
    counterparty_order(bob, market, yes, Side.SELL, "0.40", "10")

    assert reconcile_user(alice.pk).fills_added == 1

    bid = refreshed(bid)
    assert (bid.status, bid.filled_size) == (OrderStatus.FILLED, D("10"))


def test_a_post_refused_for_the_rate_limit_is_rejected_at_once(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    control.post("/faults", json={"http_429_share": 1.0, "services": ["/clob/order"]})

    order = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.30", "10")
        )
    )

    order = refreshed(order)
    assert (order.status, order.error_code) == (OrderStatus.REJECTED, "rate_limited")
    assert venue_order_ids(sandbox, client) == []
