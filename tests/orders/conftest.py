"""A market with a live paper book, and a way to run what commits queue."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import User
from markets.live import BookView, book_view_set
from markets.models import Market, Outcome
from polybot.lib.time import utc_now
from tests.factories.markets import MarketFactory, OutcomeFactory

D = Decimal


@pytest.fixture
def market(db: None) -> Market:
    return MarketFactory(
        question="Will it rain in Paris tomorrow?",
        tick_size=D("0.01"),
        min_order_size=D("5"),
        accepting_orders=True,
        fees_enabled=True,
        fee_rate=D("0.02"),
        fee_exponent=D("1"),
    )


@pytest.fixture
def yes(market: Market) -> Outcome:
    return OutcomeFactory(market=market, label="Yes", index=0, token_id="1001")


@pytest.fixture
def no(market: Market) -> Outcome:
    return OutcomeFactory(market=market, label="No", index=1, token_id="1002")


def set_book(
    token_id: str,
    *,
    bids: list[tuple[str, str]],
    asks: list[tuple[str, str]],
    trusted: bool = True,
) -> BookView:
    bid_levels = [(D(p), D(s)) for p, s in bids]
    ask_levels = [(D(p), D(s)) for p, s in asks]
    best_bid = bid_levels[0][0] if bid_levels else None
    best_ask = ask_levels[0][0] if ask_levels else None
    mid = (
        (best_bid + best_ask) / 2
        if best_bid is not None and best_ask is not None
        else None
    )
    view = BookView(
        token_id=token_id,
        bids=bid_levels,
        asks=ask_levels,
        best_bid=best_bid,
        best_ask=best_ask,
        midpoint=mid,
        spread=(best_ask - best_bid) if mid is not None else None,
        last_trade_price=None,
        tick_size=D("0.01"),
        trusted=trusted,
        updated_at=utc_now().isoformat(),
    )
    book_view_set(view)
    return view


@pytest.fixture
def run_commits(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Callable[[Callable[[], Any]], Any]:
    """Run ``fn`` and then what its commits queued (the submission task runs
    eagerly in tests), as a worker would right after the commit."""

    def run(fn: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def trader(user: User) -> User:
    from accounts.selectors import bot_settings_get

    bot = bot_settings_get(user=user)
    bot.paper_starting_balance = D("1000")
    bot.max_bet_amount = D("500")
    bot.max_position_per_market = D("800")
    bot.save()
    return user
