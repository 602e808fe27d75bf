"""The stream process trading end to end against the sandbox (STYLE A3):
resting paper orders filled by the market channel's trades, and live
accounts' fills arriving over their user channel (and, after a reconnect,
by the REST backfill), each recorded once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async

from accounts.models import User
from accounts.selectors import bot_settings_get
from accounts.services import user_set_trading_mode
from markets.live import book_view_get
from markets.models import Market, Outcome
from markets.stream.runner import RunnerSettings, StreamRunner
from orders.models import Fill, Order, OrderStatus, SettlementStatus
from orders.reconcile import reconcile_user
from orders.services import order_place
from polybot.lib.types import TradingMode
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import OrderType, Side
from polybot.polymarket.ws import StreamSettings
from polybot.sandbox.server import SandboxThread
from tests.e2e.conftest import QUIET
from tests.e2e.live_venue import (
    FEE_MARKET,
    counterparty,
    counterparty_order,
    live_settings,
    live_user,
    market_synced,
    outcomes,
    request,
    venue_client,
)
from tests.factories.accounts import UserFactory

D = Decimal
# The stream's threads write what the test reads: rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

FAST = RunnerSettings(
    publish_interval=0.05, snapshot_interval=60.0, interest_refresh=0.2,
    stream=StreamSettings(ping_interval=0.2, stale_after=2.0, reconnect_base=0.05,
                          reconnect_max=0.5),
    paper_refresh=0.1, accounts_refresh=0.2,
)  # fmt: skip


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    # A venue per test: no resting order of another test is left to match.
    thread = SandboxThread(QUIET).start()
    yield thread
    thread.stop()


async def _wait(
    predicate: Callable[[], Awaitable[bool]], timeout: float = 15.0
) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)


class Running:
    """The stream runner on the test's event loop."""

    def __init__(self, config: VenueConfig) -> None:
        self.runner = StreamRunner(config, FAST)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> StreamRunner:
        self.task = asyncio.create_task(self.runner.run())
        return self.runner

    async def __aexit__(self, *exc_info: object) -> None:
        self.runner.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout=10)


def _fills(order: Order) -> list[tuple[str, Decimal, Decimal, str]]:
    return [
        (f.venue_trade_id, f.price, f.size, f.role)
        for f in Fill.objects.filter(order=order).order_by("venue_trade_id")
    ]


def _paper_trader() -> User:
    user = UserFactory(username="paula")
    bot = bot_settings_get(user=user)
    bot.paper_starting_balance = D("1000")
    bot.max_bet_amount = D("500")
    bot.max_position_per_market = D("800")
    bot.save()
    return user


def _seller(config: VenueConfig, control: httpx.Client, outcome: Outcome, shares: str):  # noqa: ANN202
    """A trader at the venue holding ``shares`` of ``outcome``."""
    client = counterparty(config)
    funded = control.post(
        "/fund",
        json={"address": client.maker_address, "amount": shares, "token_id": outcome.token_id},
    )  # fmt: skip
    assert funded.status_code == 200
    return client


async def test_resting_paper_order_fills_when_sandbox_traders_trade_through_its_price(
    settings: Any, venue_config: VenueConfig, control: httpx.Client
) -> None:
    settings.POLYBOT_STREAM_WATCH_ALL_UP_TO = 100
    market: Market = await sync_to_async(market_synced)(venue_config, FEE_MARKET)
    yes, _ = await sync_to_async(outcomes)(market)
    # Venue bids: 50 at 0.40 (ahead of our paper bid) and 30 at 0.39.
    bob = await asyncio.to_thread(counterparty, venue_config)
    for price, size in (("0.40", "50"), ("0.39", "30")):
        await asyncio.to_thread(
            counterparty_order, bob, market, yes, Side.BUY, price, size
        )

    async with Running(venue_config) as runner:

        async def book_shows_the_bids() -> bool:
            view = await sync_to_async(book_view_get)(yes.token_id)
            return view is not None and view.trusted and view.bids[:2] == [
                (D("0.40"), D("50")), (D("0.39"), D("30")),
            ]  # fmt: skip

        await _wait(book_shows_the_bids)
        trader = await sync_to_async(_paper_trader)()
        order = await sync_to_async(order_place)(
            user=trader, request=request(market, yes, "BUY", "0.40", "20")
        )
        await sync_to_async(order.refresh_from_db)()
        assert (order.mode, order.status, order.paper_queue_ahead) == (
            TradingMode.PAPER, OrderStatus.OPEN, D("50"),
        )  # fmt: skip

        async def resting() -> bool:
            return order.pk in runner.paper.resting_ids()

        await _wait(resting)
        # Carol sells 60 down to 0.39: 50 at 0.40 clear the venue bids ahead
        # of ours, 10 at 0.39 trade through our price: all 20 fill at 0.40.
        carol = await asyncio.to_thread(_seller, venue_config, control, yes, "60")
        placed = await asyncio.to_thread(
            counterparty_order, carol, market, yes, Side.SELL, "0.39", "60",
            OrderType.FAK,
        )  # fmt: skip
        assert placed.status == "matched"

        async def filled() -> bool:
            await sync_to_async(order.refresh_from_db)()
            return order.status == OrderStatus.FILLED

        await _wait(filled)

    assert await sync_to_async(_fills)(order) == [
        (f"paper-{order.pk}-m0", D("0.40"), D("20"), "maker")
    ]
    assert (order.filled_size, order.fees_paid) == (D("20"), D("0"))


async def _live_account_resting_bid(
    settings: Any,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    runner: StreamRunner,
) -> tuple[User, Market, Outcome, Order]:
    """A live user listened to by ``runner``, with BUY 20 @ 0.30 resting."""
    live_settings(settings, sandbox)
    user = await sync_to_async(live_user)("livia")
    await sync_to_async(venue_client)(user)  # derives and stores the API key
    market = await sync_to_async(market_synced)(venue_config, FEE_MARKET)
    yes, _ = await sync_to_async(outcomes)(market)

    async def listening() -> bool:
        account = runner.user_streams.accounts.get(user.pk)
        # Up, and the first REST backfill behind it.
        return account is not None and runner.user_streams.backfills >= 1

    await _wait(listening)
    order = await sync_to_async(order_place)(
        user=user, request=request(market, yes, "BUY", "0.30", "20")
    )
    await sync_to_async(order.refresh_from_db)()
    assert (order.mode, order.status) == (TradingMode.LIVE, OrderStatus.OPEN)
    return user, market, yes, order


async def test_live_fill_arrives_over_the_user_channel_once_even_if_reconcile_sees_it(
    settings: Any,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
) -> None:
    async with Running(venue_config) as runner:
        user, market, yes, order = await _live_account_resting_bid(
            settings, sandbox, venue_config, runner
        )
        backfills = runner.user_streams.backfills
        bob = await asyncio.to_thread(_seller, venue_config, control, yes, "20")
        await asyncio.to_thread(
            counterparty_order, bob, market, yes, Side.SELL, "0.30", "20"
        )

        async def fill_confirmed() -> bool:
            fills = await sync_to_async(list)(Fill.objects.filter(order=order))
            return [f.settlement_status for f in fills] == [SettlementStatus.CONFIRMED]

        # MATCHED, then MINED and CONFIRMED: each a trade event on the channel.
        await _wait(fill_confirmed)
        assert runner.user_streams.backfills == backfills  # the channel did it
        report = await sync_to_async(reconcile_user)(user.pk)

        # Back to paper with nothing live resting: the channel is closed.
        await sync_to_async(user_set_trading_mode)(user=user, mode=TradingMode.PAPER)

        async def closed() -> bool:
            return user.pk not in runner.user_streams.accounts

        await _wait(closed)

    assert report.fills_added == 0
    [fill] = await sync_to_async(list)(Fill.objects.filter(order=order))
    assert (fill.price, fill.size, fill.role, fill.fee) == (
        D("0.30"), D("20"), "maker", D("0"),
    )  # fmt: skip
    await sync_to_async(order.refresh_from_db)()
    assert (order.status, order.filled_size) == (OrderStatus.FILLED, D("20"))


async def test_a_fill_missed_while_the_user_channel_was_down_is_backfilled_on_reconnect(
    settings: Any,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
) -> None:
    async with Running(venue_config) as runner:
        _, market, yes, order = await _live_account_resting_bid(
            settings, sandbox, venue_config, runner
        )
        backfills = runner.user_streams.backfills
        # The venue stops talking (sockets open, nothing sent), and meanwhile
        # Bob's sell fills our bid: the channel never says so.
        assert control.post("/ws/freeze", json={"frozen": True}).status_code == 200
        bob = await asyncio.to_thread(_seller, venue_config, control, yes, "20")
        await asyncio.to_thread(
            counterparty_order, bob, market, yes, Side.SELL, "0.30", "20"
        )
        await asyncio.sleep(0.3)
        assert await sync_to_async(Fill.objects.filter(order=order).count)() == 0
        control.post("/ws/freeze", json={"frozen": False})
        assert control.post("/ws/drop").status_code == 200

        async def filled() -> bool:
            await sync_to_async(order.refresh_from_db)()
            return order.status == OrderStatus.FILLED

        async def backfilled() -> bool:
            # Counted when the backfill returns, a moment after its fill
            # has committed: wait for it rather than race it.
            return runner.user_streams.backfills > backfills

        await _wait(filled)
        await _wait(backfilled)

    [fill] = await sync_to_async(list)(Fill.objects.filter(order=order))
    assert (fill.price, fill.size, fill.role) == (D("0.30"), D("20"), "maker")
