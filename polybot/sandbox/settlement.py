"""How orders and matches move balances (the on-chain side of the venue).

A resting order reserves what it may spend; a maker pays from its reservation
at its own price and no fee; a taker pays or receives at the maker's price and
pays the fee in pUSD. A FAILED settlement reverses all of it.
"""

from __future__ import annotations

from decimal import Decimal

from polybot.sandbox.ledger import Ledger
from polybot.sandbox.models import Order, Side, Trade


def reserve(ledger: Ledger, order: Order) -> None:
    wallet = ledger.wallet(order.maker)
    if order.side is Side.BUY:
        wallet.collateral_reserved += order.price * order.remaining
    else:
        wallet.tokens_reserved[order.asset_id] += order.remaining


def release(ledger: Ledger, order: Order) -> None:
    wallet = ledger.wallet(order.maker)
    if order.side is Side.BUY:
        wallet.collateral_reserved -= order.price * order.remaining
    else:
        wallet.tokens_reserved[order.asset_id] -= order.remaining


def settle_maker(ledger: Ledger, maker: Order, shares: Decimal) -> None:
    """The maker pays from its reservation, at its own price."""
    wallet = ledger.wallet(maker.maker)
    cash = maker.price * shares
    if maker.side is Side.BUY:
        wallet.collateral_reserved -= cash
        wallet.collateral -= cash
        wallet.tokens[maker.asset_id] += shares
    else:
        wallet.tokens_reserved[maker.asset_id] -= shares
        wallet.tokens[maker.asset_id] -= shares
        wallet.collateral += cash


def settle_taker(ledger: Ledger, trade: Trade) -> None:
    wallet = ledger.wallet(trade.taker_address)
    cash = trade.price * trade.size
    if trade.side is Side.BUY:
        wallet.collateral -= cash + trade.fee
        wallet.tokens[trade.asset_id] += trade.size
    else:
        wallet.tokens[trade.asset_id] -= trade.size
        wallet.collateral += cash - trade.fee


def reverse(ledger: Ledger, trade: Trade) -> None:
    """Undo every balance move of a trade whose settlement failed."""
    taker = ledger.wallet(trade.taker_address)
    cash = trade.price * trade.size
    if trade.side is Side.BUY:
        taker.collateral += cash + trade.fee
        taker.tokens[trade.asset_id] -= trade.size
    else:
        taker.collateral -= cash - trade.fee
        taker.tokens[trade.asset_id] += trade.size
    for fill in trade.maker_fills:
        wallet = ledger.wallet(fill.maker_address)
        maker_cash = fill.price * fill.matched_amount
        sign = 1 if fill.side is Side.BUY else -1
        wallet.collateral += sign * maker_cash
        wallet.tokens[fill.asset_id] -= sign * fill.matched_amount
