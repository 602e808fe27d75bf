"""Writes for single markets (STYLE R5). Batch catalogue writes from Gamma
live in ``markets.catalogue``."""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from markets.models import Market, MarketStatus
from markets.tasks import markets_sync_full
from polybot.exceptions import ApplicationError
from polybot.lib.time import utc_now

logger = logging.getLogger(__name__)
SYNC_QUEUE_UNREACHABLE = "Could not queue the sync: the task queue is unreachable."


@transaction.atomic
def market_resolve(*, condition_id: str, winning_token_id: str) -> Market | None:
    """Mark a market resolved with its winner (from the venue's
    ``market_resolved``). Idempotent; unknown markets are ignored (None)."""
    market = (
        Market.objects.select_for_update().filter(condition_id=condition_id).first()
    )
    if market is None:
        return None
    winner = market.outcomes.filter(token_id=winning_token_id).first()
    if market.status == MarketStatus.RESOLVED and market.winning_outcome_id == (
        winner.pk if winner else None
    ):
        return market
    now = utc_now()
    market.status = MarketStatus.RESOLVED
    market.winning_outcome = winner
    market.accepting_orders = False
    market.resolved_at = now
    market.closed_at = market.closed_at or now
    market.save(
        update_fields=[
            "status",
            "winning_outcome",
            "accepting_orders",
            "resolved_at",
            "closed_at",
            "updated_at",
        ]
    )
    transaction.on_commit(_settle_positions)
    return market


def _settle_positions() -> None:
    """Positions in the market settle at 1 or 0 (a worker task; the sweep
    retries it every minute if the broker is away)."""
    from orders.tasks import portfolio_settle_resolved

    try:
        portfolio_settle_resolved.delay()
    except OperationalError:
        logger.warning("could not queue settlement; the minute sweep will")


def catalogue_sync_start() -> None:
    """Queue a full catalogue sync (``markets.sync_full``) for a worker. A
    second one while one runs is a no-op in the task itself.

    Raises ``ApplicationError(SYNC_QUEUE_UNREACHABLE)`` when the broker
    cannot be reached."""
    try:
        markets_sync_full.delay()
    except OperationalError as exc:
        raise ApplicationError(SYNC_QUEUE_UNREACHABLE, code="sync_unavailable") from exc
