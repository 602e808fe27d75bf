"""Catalogue sync from the sandbox's Gamma over real HTTP (issue 4)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from markets import sync
from markets.models import Event, Market
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.gamma import GammaClient
from polybot.sandbox.server import SandboxThread
from tests.factories.markets import MarketFactory

pytestmark = pytest.mark.django_db


def test_a_full_sync_loads_the_catalogue_and_a_resolved_market_is_re_read(
    sandbox: SandboxThread, venue_config: VenueConfig, control: httpx.Client
) -> None:
    gamma = GammaClient(replace(venue_config, read_retries=1))
    listed = list(gamma.markets(active=True, closed=False))
    done: list[int] = []
    result = sync.markets_sync_full(gamma=gamma, progress=done.append)
    assert (result.created, result.updated) == (len(listed), 0)
    assert Market.objects.filter(status="active").count() == len(listed) >= 24
    assert done[-1] == len(listed)
    neg_risk = Event.objects.get(neg_risk=True)
    assert neg_risk.markets.count() >= 4

    target = Market.objects.filter(neg_risk=False).order_by("condition_id").first()
    assert target is not None
    winner = target.outcomes.get(index=0)
    resolved = control.post(
        f"/markets/{target.condition_id}/resolve",
        json={"winning_token": winner.token_id},
    )
    assert resolved.status_code == 200, resolved.text

    delisted = MarketFactory(
        condition_id="0x" + "d" * 64
    )  # a market Gamma does not know at all
    again = sync.markets_sync_full(gamma=gamma)
    assert again.created == 0
    delisted.refresh_from_db()
    assert (delisted.status, delisted.accepting_orders) == ("closed", False)
    assert again.skipped == [
        f"market {delisted.condition_id}: no longer listed by Gamma"
    ]
    target.refresh_from_db()
    assert (target.status, target.winning_outcome_id, target.accepting_orders) == (
        "resolved",
        winner.pk,
        False,
    )


def test_an_incremental_sync_adds_only_new_markets(
    sandbox: SandboxThread, venue_config: VenueConfig, control: httpx.Client
) -> None:
    gamma = GammaClient(venue_config)
    sync.markets_sync_full(gamma=gamma)
    before = Market.objects.count()
    assert sync.markets_sync_incremental(gamma=gamma).created == 0
    added = control.post("/markets", json={"question": "Will the new market list?"})
    assert added.status_code == 200, added.text
    result = sync.markets_sync_incremental(gamma=gamma)
    assert result.created == 1
    assert Market.objects.count() == before + 1
    assert Market.objects.filter(question="Will the new market list?").exists()
