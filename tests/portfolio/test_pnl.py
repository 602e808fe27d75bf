"""Average-cost accounting (DESIGN §4 "Positions and P&L"), pure: exact
cost basis, realized on sells, fees apart, unrealized at a mark, settlement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portfolio.models import Position
from portfolio.pnl import (
    OversoldError,
    PositionBook,
    apply_buy,
    apply_sell,
    apply_settlement,
    micro,
)

D = Decimal
ZERO = D("0")


def buys(*fills: tuple[str, str, str]) -> PositionBook:
    book = PositionBook()
    for size, price, fee in fills:
        book = apply_buy(book, size=D(size), price=D(price), fee=D(fee))
    return book


# 10 @ 0.40 + 20 @ 0.55 + 30 @ 0.45 = 4.00 + 11.00 + 13.50 = 28.50 for 60
THREE_BUYS = (("10", "0.40", "0.048"), ("20", "0.55", "0.099"), ("30", "0.45", "0"))


def test_buys_at_several_prices_average_by_cost() -> None:
    book = buys(*THREE_BUYS)
    assert book.size == D("60")
    assert book.cost == D("28.50")
    assert book.average_price == D("0.475")  # 28.50 / 60
    assert book.realized == ZERO
    assert book.fees == D("0.147")  # 0.048 + 0.099 + 0 (maker)


def test_a_partial_sell_realizes_against_the_average_and_keeps_it() -> None:
    book = apply_sell(buys(*THREE_BUYS), size=D("15"), price=D("0.60"), fee=D("0.072"))
    # The 15 sold carry 28.50 · 15/60 = 7.125 of cost: realized 9.00 − 7.125.
    assert book.realized == D("1.875")
    assert book.size == D("45")
    assert book.cost == D("21.375")
    assert book.average_price == D("0.475")  # unchanged by a sell
    assert book.fees == D("0.219")  # 0.147 + 0.072
    assert book.net_realized == D("1.656")  # 1.875 − 0.219


def test_selling_everything_realizes_proceeds_minus_cost() -> None:
    book = apply_sell(buys(*THREE_BUYS), size=D("15"), price=D("0.60"), fee=ZERO)
    book = apply_sell(book, size=D("45"), price=D("0.30"), fee=ZERO)
    # 1.875 + (13.50 − 21.375) = −6.00 = (9.00 + 13.50) − 28.50
    assert book.realized == D("-6.00")
    assert (book.size, book.cost, book.average_price) == (ZERO, ZERO, ZERO)


def test_unrealized_is_size_times_mark_minus_cost() -> None:
    book = apply_sell(buys(*THREE_BUYS), size=D("15"), price=D("0.60"), fee=ZERO)
    assert book.unrealized(D("0.52")) == D("2.025")  # 45 · 0.52 − 21.375
    assert book.unrealized(D("0.40")) == D("-3.375")  # 18.00 − 21.375
    assert book.unrealized(None) is None  # no mark: unknown, not zero


def test_a_winning_resolution_pays_one_a_share() -> None:
    book = apply_sell(buys(*THREE_BUYS), size=D("15"), price=D("0.60"), fee=D("0.072"))
    settled, payout = apply_settlement(book, payout_per_share=D("1"))
    assert payout == D("45")
    # 1.875 + 45 − 21.375 = 25.50 = 9.00 + 45 − 28.50
    assert settled.realized == D("25.50")
    assert (settled.size, settled.cost) == (ZERO, ZERO)
    assert settled.fees == D("0.219")  # fees stay apart
    assert settled.net_realized == D("25.281")


def test_a_losing_resolution_pays_nothing() -> None:
    settled, payout = apply_settlement(buys(*THREE_BUYS), payout_per_share=ZERO)
    assert payout == ZERO
    assert settled.realized == D("-28.50")
    assert settled.net_realized == D("-28.647")  # −28.50 − 0.147


def test_selling_more_than_held_is_refused() -> None:
    with pytest.raises(OversoldError):
        apply_sell(buys(("10", "0.40", "0")), size=D("10.01"), price=D("0.5"), fee=ZERO)


def test_the_cost_basis_never_drifts_over_uneven_sells() -> None:
    # 0.01 + 0.02 + 0.02 = 0.05 for 3 shares: an average of 0.01666…
    book = buys(("1", "0.01", "0"), ("1", "0.02", "0"), ("1", "0.02", "0"))
    assert book.average_price == D("0.016667")
    book = apply_sell(book, size=D("1"), price=D("0.10"), fee=ZERO)
    assert book.cost == D("0.033333")  # 0.05 − micro(0.05/3)
    book = apply_sell(book, size=D("1"), price=D("0.10"), fee=ZERO)
    assert book.cost == D("0.016667")  # 0.033333 − 0.016666 (half-even)
    book = apply_sell(book, size=D("1"), price=D("0.10"), fee=ZERO)
    # The last share carries exactly what is left: 0.30 − 0.05, to the micro.
    assert book.cost == ZERO
    assert book.realized == D("0.25")


def test_micro_rounds_half_even_to_six_places() -> None:
    assert micro(D("0.0000005")) == D("0")
    assert micro(D("0.0000015")) == D("0.000002")
    assert micro(D("1.23456749")) == D("1.234567")


def test_a_positions_unrealized_uses_the_exact_cost_not_the_rounded_average() -> None:
    # 3 shares for 0.05: the stored average is 0.016667 (rounded).
    position = Position(
        size=D("3"), cost_basis=D("0.05"), average_entry_price=D("0.016667")
    )
    assert position.unrealized_pnl(D("0.02")) == D("0.01")  # 0.06 − 0.05, not 0.009999
    assert position.unrealized_pnl(None) is None
