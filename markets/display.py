"""Live books and price history shaped for templates.

Templates cannot do arithmetic, and the CSP forbids inline styles, so size
bars and chart lines are computed here and drawn as SVG attributes.

``book_context`` is the contract of ``markets/partials/_book.html``: the
market page, the polling view and the stream's websocket push all render the
partial with it, so the three can never disagree. ``ChartPanel`` and
``TradesPanel`` play the same part for the price chart and the recent
trades, each rendered by the page and by its own fragment view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from markets.history import PriceInterval, PriceSeries
from markets.live import BookView, RecentTrade
from markets.models import Outcome
from polybot.lib.money import ceil_to_tick, floor_to_tick

BOOK_TEMPLATE = "markets/partials/_book.html"
CHART_TEMPLATE = "markets/partials/_price_chart.html"
TRADES_TEMPLATE = "markets/partials/_trades.html"
CHART_WIDTH = 600
CHART_HEIGHT = 160
CHART_MAX_POINTS = 300
_DEFAULT_TICK = Decimal("0.01")


@dataclass(frozen=True)
class LadderLevel:
    price: Decimal
    size: Decimal
    total: Decimal  # cumulative size from the best price to this one
    bar: int  # size as a percentage of the largest level on either side

    @property
    def bar_x(self) -> int:
        """Where the bar starts: bars grow from the right edge."""
        return 100 - self.bar


@dataclass(frozen=True)
class BookLadder:
    asks: list[LadderLevel]  # highest price first, as a ladder reads top-down
    bids: list[LadderLevel]  # best (highest) first
    best_bid: Decimal | None
    best_ask: Decimal | None
    midpoint: Decimal | None
    spread: Decimal | None
    last_trade_price: Decimal | None
    trusted: bool
    updated_at: datetime | None


def book_ladder(book: BookView) -> BookLadder:
    largest = max((size for _, size in (*book.bids, *book.asks)), default=Decimal(0))
    asks = _levels(book.asks, largest)
    return BookLadder(
        asks=asks[::-1],
        bids=_levels(book.bids, largest),
        best_bid=book.best_bid,
        best_ask=book.best_ask,
        midpoint=book.midpoint,
        spread=book.spread,
        last_trade_price=book.last_trade_price,
        trusted=book.trusted,
        updated_at=_parse_time(book.updated_at),
    )


def _levels(
    levels: list[tuple[Decimal, Decimal]], largest: Decimal
) -> list[LadderLevel]:
    rows = []
    total = Decimal(0)
    for price, size in levels:
        total += size
        bar = int(size * 100 / largest) if largest > 0 else 0
        # A resting order, however small, gets a visible sliver.
        rows.append(LadderLevel(price, size, total, max(bar, 1 if size > 0 else 0)))
    return rows


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class BookPanel:
    """What ``BOOK_TEMPLATE`` shows for one outcome token."""

    market_id: int
    token_id: str
    label: str
    ladder: BookLadder | None  # None: no live view, the book is stale

    @property
    def stale(self) -> bool:
        return self.ladder is None

    @property
    def untrusted(self) -> bool:
        return self.ladder is not None and not self.ladder.trusted


def book_panel(
    *, market_id: int, token_id: str, book: BookView | None, label: str = ""
) -> BookPanel:
    ladder = book_ladder(book) if book is not None else None
    return BookPanel(market_id, token_id, label, ladder)


@dataclass(frozen=True)
class LiveQuote:
    """One outcome's live figures as the rest of the market page shows them:
    the outcomes table's cells, the ticket's outcome price and its quick
    price buttons. A pushed or polled book carries them out of band, so
    every panel shows the same book (``markets/partials/_book_extras.html``).

    ``last`` is the last trade the stream saw, else the synced price (None
    in a push, which then leaves that cell as it is). ``mid_buy`` and
    ``mid_sell`` are the mid on the tick, rounded away from the spread's far
    side: down for a buy, up for a sell (None without a tick)."""

    token_id: str
    stale: bool
    trusted: bool
    best_bid: Decimal | None
    best_ask: Decimal | None
    midpoint: Decimal | None
    last: Decimal | None
    mid_buy: Decimal | None
    mid_sell: Decimal | None
    mid_known: bool  # False: a mid but no tick to put it on (a push leaves it)


def live_quote(
    token_id: str,
    book: BookView | None,
    *,
    tick: Decimal | None,
    synced_price: Decimal | None = None,
) -> LiveQuote:
    midpoint = book.midpoint if book is not None else None
    on_tick = midpoint is not None and tick is not None and tick > 0
    last = book.last_trade_price if book is not None else None
    return LiveQuote(
        token_id=token_id,
        stale=book is None,
        trusted=book is not None and book.trusted,
        best_bid=book.best_bid if book is not None else None,
        best_ask=book.best_ask if book is not None else None,
        midpoint=midpoint,
        last=last if last is not None else synced_price,
        mid_buy=floor_to_tick(midpoint, tick).normalize() if on_tick else None,
        mid_sell=ceil_to_tick(midpoint, tick).normalize() if on_tick else None,
        mid_known=midpoint is None or on_tick,
    )


def outcome_live_quote(
    outcome: Outcome, book: BookView | None, *, market_tick: Decimal
) -> LiveQuote:
    """``live_quote`` of an outcome as its market page shows it: on the
    book's tick when it has one (it changes before the catalogue hears),
    the synced price standing in for a last trade the stream has not seen."""
    tick = book.tick_size if book is not None and book.tick_size else market_tick
    return live_quote(outcome.token_id, book, tick=tick, synced_price=outcome.price)


def book_context(
    *,
    market_id: int,
    token_id: str,
    book: BookView | None,
    label: str = "",
    extras: LiveQuote | None = None,
) -> dict[str, Any]:
    """The context to render ``BOOK_TEMPLATE`` alone (the polling view, the
    stream's push): the panel, and the same book's figures for the rest of
    the page (``book_extras``), swapped out of band. ``book`` is None when
    there is no live view; ``extras`` default to the book's alone (the
    stream knows no synced price, and only the book's own tick)."""
    panel = book_panel(market_id=market_id, token_id=token_id, book=book, label=label)
    if extras is None:
        tick = book.tick_size if book is not None else None
        extras = live_quote(token_id, book, tick=tick)
    return {"panel": panel, "book_extras": extras}


@dataclass(frozen=True)
class PriceChart:
    """One outcome's price line, in SVG user units (``CHART_WIDTH`` wide)."""

    label: str
    points: str  # "x,y x,y …" for <polyline>
    area: str  # the same line closed along the bottom, for <polygon>
    low: Decimal
    high: Decimal
    first: Decimal
    last: Decimal
    start: datetime
    end: datetime
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def change(self) -> Decimal:
        return self.last - self.first


class TimedPrice(Protocol):
    """A price at a time: the adapter's ``PricePoint`` or a ``HistoryPoint``."""

    @property
    def t(self) -> datetime: ...

    @property
    def p(self) -> Decimal: ...


def price_chart(*, label: str, points: Sequence[TimedPrice]) -> PriceChart | None:
    """A line through ``points`` (oldest first) scaled to fill the chart, or
    None when there are fewer than two."""
    series = [(point.t, point.p) for point in points]
    if len(series) < 2:
        return None
    # Thin long histories evenly; always keep the latest point.
    step = -(-len(series) // CHART_MAX_POINTS)
    series = series[:-1][::step] + series[-1:]
    prices = [p for _, p in series]
    low, high = min(prices), max(prices)
    # A flat line sits mid-chart; otherwise leave a little air above and below.
    pad = max((high - low) / 10, Decimal("0.005"))
    floor, ceiling = max(low - pad, Decimal(0)), min(high + pad, Decimal(1))
    start, end = series[0][0], series[-1][0]
    span = (end - start).total_seconds() or 1.0
    scale = float(ceiling - floor) or 1.0

    coords = [
        (
            (t - start).total_seconds() / span * CHART_WIDTH,
            CHART_HEIGHT - float(p - floor) / scale * CHART_HEIGHT,
        )
        for t, p in series
    ]
    points_attr = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    area = f"0,{CHART_HEIGHT} {points_attr} {CHART_WIDTH},{CHART_HEIGHT}"
    return PriceChart(
        label=label, points=points_attr, area=area, low=low, high=high,
        first=prices[0], last=prices[-1], start=start, end=end,
    )  # fmt: skip


@dataclass(frozen=True)
class ChartPanel:
    """What ``CHART_TEMPLATE`` shows for one outcome: its chart over one
    interval, with the tabs to switch to the others."""

    market_id: int
    outcome_id: int
    token_id: str
    label: str
    interval: str
    chart: PriceChart | None  # None: fewer than two points to draw
    local: bool  # drawn from our snapshots because the venue failed
    intervals: tuple[tuple[str, str], ...] = tuple(PriceInterval.choices)


def chart_panel(*, outcome: Outcome, series: PriceSeries) -> ChartPanel:
    return ChartPanel(
        market_id=outcome.market_id,
        outcome_id=outcome.pk,
        token_id=outcome.token_id,
        label=outcome.label,
        interval=series.interval,
        chart=price_chart(label=outcome.label, points=series.points),
        local=series.local,
    )


@dataclass(frozen=True)
class TradeRow:
    at: datetime | None
    side: str  # BUY or SELL: the taker's side
    price: Decimal
    size: Decimal

    @property
    def buy(self) -> bool:
        return self.side.upper() == "BUY"


@dataclass(frozen=True)
class TradesPanel:
    """What ``TRADES_TEMPLATE`` shows for one outcome token."""

    market_id: int
    token_id: str
    label: str
    trades: list[TradeRow]  # newest first


def trades_panel(
    *, market_id: int, token_id: str, label: str, trades: list[RecentTrade]
) -> TradesPanel:
    rows = [TradeRow(_parse_time(t.at), t.side, t.price, t.size) for t in trades]
    return TradesPanel(market_id, token_id, label, rows)
