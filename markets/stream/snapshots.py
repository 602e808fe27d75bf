"""Periodic MarketSnapshot rows and live outcome prices from the stream's books."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from markets.live import BookView
from markets.models import MarketSnapshot, Outcome
from polybot.lib.time import utc_now


def display_price(view: BookView) -> Decimal | None:
    """What a list shows as "the price": the midpoint, else the last trade."""
    return view.midpoint if view.midpoint is not None else view.last_trade_price


@transaction.atomic
def snapshots_record(*, views: list[BookView]) -> int:
    """Record one snapshot per trusted view and move outcome prices (keeping
    the old one in ``previous_price``). Untrusted books are skipped: a book
    we do not believe must not become history."""
    trusted = {v.token_id: v for v in views if v.trusted}
    if not trusted:
        return 0
    taken_at = utc_now().replace(microsecond=0)
    outcomes = list(
        Outcome.objects.filter(token_id__in=trusted).only(
            "id", "token_id", "price", "previous_price"
        )
    )
    snapshots = []
    moved = []
    for outcome in outcomes:
        view = trusted[outcome.token_id]
        snapshots.append(
            MarketSnapshot(
                outcome=outcome,
                taken_at=taken_at,
                best_bid=view.best_bid,
                best_ask=view.best_ask,
                midpoint=view.midpoint,
                last_trade_price=view.last_trade_price,
                bid_depth=sum((size for _, size in view.bids), Decimal("0")),
                ask_depth=sum((size for _, size in view.asks), Decimal("0")),
            )  # fmt: skip
        )
        price = display_price(view)
        if price is not None and price != outcome.price:
            outcome.previous_price, outcome.price, outcome.price_updated_at = (
                outcome.price,
                price,
                taken_at,
            )
            moved.append(outcome)
    MarketSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
    Outcome.objects.bulk_update(moved, ["price", "previous_price", "price_updated_at"])
    return len(snapshots)
