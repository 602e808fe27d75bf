"""Trade records: one per price level a taker crosses (its ``bucket_index``)."""

from __future__ import annotations

from decimal import Decimal

from eth_utils import keccak

from polybot.sandbox.book import PlannedFill, own_price
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.fees import taker_fee
from polybot.sandbox.models import MakerFill, Market, Order, Trade, TradeStatus


def buckets_of(fills: list[PlannedFill]) -> list[list[PlannedFill]]:
    """Consecutive fills at one price form one trade."""
    buckets: list[list[PlannedFill]] = []
    for fill in fills:
        if buckets and buckets[-1][0].yes_price == fill.yes_price:
            buckets[-1].append(fill)
        else:
            buckets.append([fill])
    return buckets


def new_trade(
    market: Market,
    taker: Order,
    bucket: list[PlannedFill],
    index: int,
    now: float,
    trade_id: str,
    config: SandboxConfig,
) -> Trade:
    """The taker's side at the makers' price, the taker fee, and when the
    trade will be MINED and CONFIRMED."""
    size = sum((f.size for f in bucket), Decimal(0))
    price = own_price(market, taker.asset_id, bucket[0].yes_price)
    outcome = market.outcome_of(taker.asset_id)
    makers = [
        MakerFill(
            order_id=f.maker.id,
            owner=f.maker.owner,
            maker_address=f.maker.maker,
            matched_amount=f.size,
            price=f.maker.price,
            asset_id=f.maker.asset_id,
            outcome=f.maker.outcome,
            outcome_index=market.outcome_of(f.maker.asset_id).index,
            side=f.maker.side,
        )
        for f in bucket
    ]
    return Trade(
        id=trade_id,
        taker_order_id=taker.id,
        market=market.condition_id,
        asset_id=taker.asset_id,
        side=taker.side,
        size=size,
        price=price,
        fee_rate_bps=market.fee.base_fee_bps,
        fee=taker_fee(market.fee, price, size),
        status=TradeStatus.MATCHED,
        match_time=int(now),
        last_update=int(now),
        outcome=outcome.label,
        outcome_index=outcome.index,
        taker_owner=taker.owner,
        taker_address=taker.maker,
        # A fake but stable transaction hash, known at match time like the
        # venue's (the v2 client polls trades until it sees one).
        transaction_hash="0x" + keccak(text=f"tx:{trade_id}").hex(),
        bucket_index=index,
        maker_fills=makers,
        mined_at=now + config.mined_after,
        confirmed_at=now + config.confirmed_after,
    )
