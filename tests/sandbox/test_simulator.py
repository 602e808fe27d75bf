"""The simulated market place: the seeded catalog, determinism, populated and
moving books, tick-size changes near the extremes, the scheduled resolution."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.events import MarketResolved, TickSizeChanged, VenueEvent
from polybot.sandbox.models import OrderStatus, Side
from polybot.sandbox.venue import Venue, build_venue
from tests.sandbox.conftest import Clock

CONFIG = SandboxConfig(simulator_enabled=True, resolve_after=30, history_days=2)


def venue(
    seed: int = 1, config: SandboxConfig = CONFIG
) -> tuple[Venue, Clock, list[VenueEvent]]:
    clock = Clock()
    built = build_venue(SandboxConfig(**{**vars(config), "seed": seed}), clock=clock)
    events: list[VenueEvent] = []
    built.engine.bus.subscribe(events.extend)
    return built, clock, events


def run(built: Venue, clock: Clock, steps: int) -> None:
    for _ in range(steps):
        clock.advance(1)
        built.simulator.step(1.0)
        built.engine.maintenance()


def snapshot(built: Venue) -> dict[str, tuple[list, list]]:
    return {
        cid: (book.levels(Side.BUY), book.levels(Side.SELL))
        for cid, book in built.engine.books.items()
    }


def test_the_catalog() -> None:
    built, _, _ = venue()
    markets = list(built.engine.markets.values())
    neg_risk = [m for m in markets if m.neg_risk]

    assert len(markets) - len(neg_risk) == 24
    assert len(neg_risk) == 5 and len({m.neg_risk_market_id for m in neg_risk}) == 1
    assert {m.category for m in markets} == {
        "Crypto", "Economy", "Politics", "Elections", "Sports", "Tech", "Science", "Culture",
        "Geopolitics",
    }  # fmt: skip
    tokens = [t for m in markets for t in m.token_ids]
    assert len(set(tokens)) == 58 and len({m.condition_id for m in markets}) == 29
    assert all(
        m.base_volume > 100_000 and m.end_date.timestamp() > 1_800_000_000
        for m in markets
    )
    [group] = [e for e in built.engine.events.values() if e.neg_risk]
    assert group.condition_ids == [m.condition_id for m in neg_risk]


def test_the_same_seed_gives_the_same_market_place() -> None:
    first, first_clock, _ = venue(seed=7)
    second, second_clock, _ = venue(seed=7)
    other, other_clock, _ = venue(seed=8)

    for built, clock in (
        (first, first_clock),
        (second, second_clock),
        (other, other_clock),
    ):
        run(built, clock, 25)

    assert snapshot(first) == snapshot(second)
    assert len(first.engine.recent_trades) == len(second.engine.recent_trades) > 0
    assert [m.condition_id for m in first.engine.markets.values()] != [
        m.condition_id for m in other.engine.markets.values()
    ]


def test_every_open_market_has_both_sides_quoted_and_prices_move() -> None:
    built, clock, _ = venue()
    before = {cid: book.midpoint() for cid, book in built.engine.books.items()}

    run(built, clock, 60)

    for market in built.engine.markets.values():
        if market.closed:
            continue
        book = built.engine.book_for(market)
        bid, ask = book.best_bid(), book.best_ask()
        assert (
            bid is not None and ask is not None and Decimal(0) < bid < ask < Decimal(1)
        )
        assert len(book.levels(Side.BUY)) >= 3 and len(book.levels(Side.SELL)) >= 3
    moved = [
        cid for cid, mid in before.items() if built.engine.books[cid].midpoint() != mid
    ]
    assert len(moved) >= 20
    # Asks are offered on the complement as well: the NO book is not just a mirror of YES sells.
    sides = Counter(o.asset_id == built.engine.markets[o.market].no.token_id
                    for o in built.engine.orders.values() if o.status is OrderStatus.LIVE)  # fmt: skip
    assert sides[True] > 0 and sides[False] > 0


def test_the_tick_gets_finer_when_a_market_nears_certainty() -> None:
    built, clock, events = venue()

    run(built, clock, 300)

    changes = [e for e in events if isinstance(e, TickSizeChanged)]
    assert any(
        e.market.slug == "sp500-above-4000-year-end" and e.new == Decimal("0.001")
        for e in changes
    )


def test_one_market_resolves_on_schedule() -> None:
    built, clock, events = venue()
    [condition] = built.engine.scheduled_resolutions
    market = built.engine.markets[condition]

    run(built, clock, 29)
    assert not market.closed
    run(built, clock, 2)

    [resolved] = [e for e in events if isinstance(e, MarketResolved)]
    assert resolved.market is market and market.slug == "btc-above-120k-today"
    assert market.closed and market.winner_token in market.token_ids
    assert list(built.engine.book_for(market).orders()) == []
    run(built, clock, 5)
    assert list(built.engine.book_for(market).orders()) == []  # no more quotes


def test_price_history_covers_the_generated_days_and_grows_live() -> None:
    built, clock, _ = venue()
    market = next(
        m for m in built.engine.markets.values() if m.slug == "lakers-win-tonight"
    )
    start = int(clock.now)
    yes = market.yes.token_id

    generated = built.history.query(market, yes, start - 2 * 86400, start, 1)
    run(built, clock, 130)
    live = built.history.query(market, yes, start + 1, int(clock.now), 1)

    assert len(generated) == 2 * 144 + 1  # one point per 10 minutes
    # Live points every 10 s, then the last one per 1-minute fidelity bucket.
    assert [t - start for t, _ in live] == [50, 110, 130]
