"""The price_change hot path builds exactly what the validated path builds,
and hands anything doubtful to it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from polybot.polymarket.models import ParseStats
from polybot.polymarket.parsing import (
    _fast_price_change_event,
    _parse_price_change_event,
    parse_market_message,
)

FIXTURE = json.loads(
    (
        Path(__file__).parent.parent
        / "fixtures"
        / "polymarket"
        / "ws-market-price_change.json"
    ).read_text()
)


def test_it_agrees_with_the_validated_parser_on_the_documented_payload() -> None:
    assert _fast_price_change_event(FIXTURE) == _parse_price_change_event(FIXTURE)


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", "NaN"), ("price", "1.5"), ("size", "-1"), ("size", "Infinity"), ("best_bid", "2"),
     ("side", "buy"), ("asset_id", 7), ("price", 0.5)],
)  # fmt: skip
def test_it_defers_doubtful_values_to_the_validated_parser(
    field: str, value: object
) -> None:
    payload = copy.deepcopy(FIXTURE)
    payload["price_changes"][0][field] = value
    assert _fast_price_change_event(payload) is None


def test_a_bad_change_still_costs_the_whole_event_and_is_counted() -> None:
    payload = copy.deepcopy(FIXTURE)
    payload["price_changes"][1]["price"] = "NaN"
    stats = ParseStats()
    assert parse_market_message(json.dumps(payload), stats) == []
    assert (stats.parsed, stats.skipped_malformed) == (0, 1)
