"""Build the seeded market place: markets, events, and the simulator's anchors.

Identifiers (condition ids, token ids, question ids) are hashes of the seed
and the slug, so ``--seed 1`` always lists the same markets with the same ids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from eth_utils import keccak

from polybot.sandbox.catalog_data import (
    BINARY_LISTINGS,
    NEG_RISK_GROUP,
    TAG_ALL,
    TAGS,
    Listing,
)
from polybot.sandbox.models import Event, FeeSchedule, Market, Outcome

TICK = Decimal("0.01")
MIN_SIZE = Decimal("5")
# Taker fee curves per category (API.md §5.2); other categories are fee-free.
FEES = {
    "Crypto": FeeSchedule(rate=Decimal("0.04"), exponent=1),
    "Sports": FeeSchedule(rate=Decimal("0.02"), exponent=1),
}
IMAGE = "https://polymarket-upload.s3.us-east-2.amazonaws.com/sandbox/{slug}.png"
MARKET_ID_BASE = 600_000
EVENT_ID_BASE = 40_000


@dataclass(frozen=True)
class SimParams:
    anchor: float
    vol: float


@dataclass
class Catalog:
    markets: list[Market]
    events: list[Event]
    params: dict[str, SimParams]  # by condition id
    resolves_soon: str | None  # condition id of the market resolving after start


def _hash(*parts: object) -> bytes:
    return keccak(text=":".join(str(p) for p in parts))


def hex_id(*parts: object) -> str:
    return "0x" + _hash(*parts).hex()


def token_id(*parts: object) -> str:
    return str(int.from_bytes(_hash("token", *parts), "big"))


def _market(
    seed: int,
    index: int,
    listing: Listing,
    start: datetime,
    end: datetime,
    event_id: str,
    rng: random.Random,
    *,
    outcomes: tuple[str, str] = ("Yes", "No"),
) -> Market:
    slug = listing.slug
    tags = (TAGS[listing.category], TAG_ALL)
    volume = Decimal(listing.volume) * Decimal(str(round(rng.uniform(0.9, 1.1), 4)))
    return Market(
        gamma_id=str(MARKET_ID_BASE + index),
        condition_id=hex_id("condition", seed, slug),
        question_id=hex_id("question", seed, slug),
        slug=slug,
        question=listing.question,
        description=(
            f'This market will resolve to "Yes" if {listing.rule}. '
            'Otherwise, this market will resolve to "No".'
        ),
        category=listing.category,
        tags=tags,
        event_id=event_id,
        image=IMAGE.format(slug=slug),
        resolution_source="https://example.org/sandbox-resolution",
        created_at=start - timedelta(days=30),
        start_date=start - timedelta(days=30),
        end_date=end,
        outcomes=(
            Outcome(outcomes[0], token_id(seed, slug, 0), 0),
            Outcome(outcomes[1], token_id(seed, slug, 1), 1),
        ),
        tick_size=TICK,
        base_tick_size=TICK,
        min_order_size=MIN_SIZE,
        fee=FEES.get(listing.category, FeeSchedule()),
        base_volume=volume.quantize(Decimal("0.000001")),
        base_volume_24h=(volume * Decimal("0.03")).quantize(Decimal("0.000001")),
    )


def _event_for(market: Market, listing: Listing, index: int) -> Event:
    return Event(
        id=str(EVENT_ID_BASE + index),
        slug=listing.slug,
        ticker=listing.slug,
        title=listing.question,
        description=market.description,
        category=listing.category,
        tags=market.tags,
        condition_ids=[market.condition_id],
        created_at=market.created_at,
        start_date=market.start_date,
        end_date=market.end_date,
        image=market.image,
        comment_count=37 * (index + 3),
    )


def build_catalog(seed: int, start: datetime, resolve_after: float | None) -> Catalog:
    rng = random.Random(f"catalog:{seed}")
    markets: list[Market] = []
    events: list[Event] = []
    params: dict[str, SimParams] = {}
    resolves_soon: str | None = None
    for index, listing in enumerate(BINARY_LISTINGS):
        if listing.resolves_soon and resolve_after is not None:
            end = start + timedelta(seconds=resolve_after)
        else:
            end = start + timedelta(days=max(listing.days, 0.5))
        event_id = str(EVENT_ID_BASE + index)
        market = _market(seed, index, listing, start, end, event_id, rng)
        markets.append(market)
        events.append(_event_for(market, listing, index))
        jitter = rng.uniform(-0.03, 0.03) if 0.1 < listing.anchor < 0.9 else 0.0
        params[market.condition_id] = SimParams(listing.anchor + jitter, listing.vol)
        if listing.resolves_soon and resolve_after is not None:
            resolves_soon = market.condition_id
    events.append(_neg_risk_event(seed, start, rng, markets, params))
    return Catalog(markets, events, params, resolves_soon)


def _neg_risk_event(
    seed: int,
    start: datetime,
    rng: random.Random,
    markets: list[Market],
    params: dict[str, SimParams],
) -> Event:
    group = NEG_RISK_GROUP
    index = len(markets)
    event_id = str(EVENT_ID_BASE + index)
    neg_risk_id = hex_id("negrisk", seed, group.slug)
    end = start + timedelta(days=group.days)
    condition_ids: list[str] = []
    for offset, (name, anchor) in enumerate(group.candidates):
        slug = f"{group.slug}-{name.lower().replace(' ', '-')}"
        listing = Listing(
            slug=slug,
            question=f"Will {name} be the next Fed Chair?",
            category=group.category,
            days=group.days,
            anchor=anchor,
            vol=0.4,
            volume=group.volume // len(group.candidates),
            rule=f"{name} is confirmed as the next Chair of the Federal Reserve",
        )
        market = _market(seed, index + offset, listing, start, end, event_id, rng)
        market.neg_risk = True
        market.neg_risk_market_id = neg_risk_id
        # Neg-risk question ids are the market id with the outcome index in the last byte.
        market.neg_risk_request_id = neg_risk_id[:-2] + f"{offset:02x}"
        market.question_id = market.neg_risk_request_id
        market.group_item_title = name
        markets.append(market)
        condition_ids.append(market.condition_id)
        params[market.condition_id] = SimParams(anchor, 0.4)
    return Event(
        id=event_id,
        slug=group.slug,
        ticker=group.slug,
        title=group.title,
        description=(
            "This market will resolve to the person confirmed as the next Chair of the "
            "Federal Reserve."
        ),
        category=group.category,
        tags=(TAGS[group.category], TAG_ALL),
        condition_ids=condition_ids,
        created_at=start - timedelta(days=60),
        start_date=start - timedelta(days=60),
        end_date=end,
        image=IMAGE.format(slug=group.slug),
        neg_risk=True,
        neg_risk_market_id=neg_risk_id,
        comment_count=1204,
    )
