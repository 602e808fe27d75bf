"""Gamma: markets and events with filters, offset and keyset paging, single
objects, JSON-encoded string fields, the neg-risk event group."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from polybot.sandbox.server import SandboxThread

BINARY = 24
NEG_RISK = 5


@pytest.fixture(scope="module")
def gamma(sandbox: SandboxThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.urls.gamma, timeout=10) as client:
        yield client


def get(client: httpx.Client, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_markets_page_by_offset(gamma: httpx.Client) -> None:
    everything = get(gamma, "/markets", limit=100)
    first, second = (
        get(gamma, "/markets", limit=10),
        get(gamma, "/markets", limit=10, offset=10),
    )

    assert len(everything) == BINARY + NEG_RISK
    assert len(get(gamma, "/markets")) == 20  # default page
    assert [m["id"] for m in first + second] == [m["id"] for m in everything[:20]]
    assert get(gamma, "/markets", limit=10, offset=100) == []


def test_a_market_has_the_documented_fields(gamma: httpx.Client) -> None:
    market = get(gamma, "/markets/slug/eth-above-5k-end-of-month")

    assert json.loads(market["outcomes"]) == ["Yes", "No"]
    tokens = json.loads(market["clobTokenIds"])
    assert len(tokens) == 2 and all(t.isdigit() and len(t) > 70 for t in tokens)
    yes, no = (float(p) for p in json.loads(market["outcomePrices"]))
    assert yes + no == pytest.approx(1)
    assert market["conditionId"].startswith("0x") and len(market["conditionId"]) == 66
    assert (
        market["negRisk"],
        market["orderPriceMinTickSize"],
        market["orderMinSize"],
    ) == (False, 0.01, 5)
    assert (market["feesEnabled"], market["feeSchedule"]) == (
        True, {"exponent": 1, "rate": 0.04, "takerOnly": True, "rebateRate": 0},
    )  # fmt: skip
    assert isinstance(market["volume"], str) and market["volumeNum"] == float(
        market["volume"]
    )
    assert (
        market["category"] == "Crypto" and market["events"][0]["slug"] == market["slug"]
    )
    assert get(gamma, f"/markets/{market['id']}") == market


def test_market_filters(gamma: httpx.Client) -> None:
    crypto = get(gamma, "/markets", tag_id="21", limit=100)
    assert sorted(m["slug"] for m in crypto) == [
        "btc-above-120k-today",
        "btc-new-ath-this-quarter",
        "eth-above-5k-end-of-month",
        "sol-etf-approved-this-year",
    ]
    two = get(gamma, "/markets", slug=["lakers-win-tonight", "chiefs-make-playoffs"])
    assert {m["slug"] for m in two} == {"lakers-win-tonight", "chiefs-make-playoffs"}
    one = two[0]
    token = json.loads(one["clobTokenIds"])[1]
    assert [m["id"] for m in get(gamma, "/markets", clob_token_ids=token)] == [
        one["id"]
    ]
    assert [
        m["id"] for m in get(gamma, "/markets", condition_ids=one["conditionId"])
    ] == [one["id"]]
    assert [m["id"] for m in get(gamma, "/markets", id=one["id"])] == [one["id"]]
    big = get(gamma, "/markets", volume_num_min=5_000_000, limit=100)
    assert big and all(m["volumeNum"] >= 5_000_000 for m in big)
    soon = get(gamma, "/markets", end_date_max=one["endDate"], limit=100)
    assert all(m["endDate"] <= one["endDate"] for m in soon) and one["id"] in {
        m["id"] for m in soon
    }
    ordered = get(gamma, "/markets", order="volumeNum", ascending="false", limit=100)
    volumes = [m["volumeNum"] for m in ordered]
    assert volumes == sorted(volumes, reverse=True)
    ascending = get(gamma, "/markets", order="volumeNum", ascending="true", limit=3)
    assert [m["volumeNum"] for m in ascending] == sorted(volumes)[:3]


def test_keyset_paging_walks_every_market_once(gamma: httpx.Client) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 8}
    while True:
        page = get(gamma, "/markets/keyset", **params)
        seen += [m["id"] for m in page["markets"]]
        if page["next_cursor"] is None:
            break
        params["after_cursor"] = page["next_cursor"]

    assert seen == [m["id"] for m in get(gamma, "/markets", limit=100)]
    refused = gamma.get("/markets/keyset", params={"offset": 5})
    assert refused.status_code == 400 and "after_cursor" in refused.json()["error"]


def test_the_neg_risk_event_groups_its_outcomes(gamma: httpx.Client) -> None:
    event = get(gamma, "/events/slug/next-fed-chair")

    assert (event["negRisk"], event["enableNegRisk"], event["negRiskAugmented"]) == (
        True,
        True,
        False,
    )
    assert len(event["markets"]) == NEG_RISK
    assert {m["negRiskMarketID"] for m in event["markets"]} == {
        event["negRiskMarketID"]
    }
    assert all(m["negRisk"] for m in event["markets"])
    assert [m["groupItemTitle"] for m in event["markets"]][:2] == [
        "Kevin Hassett",
        "Kevin Warsh",
    ]
    assert get(gamma, f"/events/{event['id']}")["slug"] == "next-fed-chair"


def test_events_list_and_filter(gamma: httpx.Client) -> None:
    events = get(gamma, "/events", limit=100)
    assert len(events) == BINARY + 1
    assert all(len(e["markets"]) == 1 for e in events if not e["negRisk"])
    sports = get(gamma, "/events", tag_id="1", limit=100)
    assert {e["category"] for e in sports} == {"Sports"} and len(sports) == 4
    found = get(gamma, "/events", title_search="fed chair")
    assert [e["slug"] for e in found] == ["next-fed-chair"]
    keyset = get(gamma, "/events/keyset", limit=100)
    assert len(keyset["events"]) == BINARY + 1 and keyset["next_cursor"] is None


def test_closed_markets_are_hidden_unless_asked_for(
    sandbox: SandboxThread, gamma: httpx.Client
) -> None:
    market = get(gamma, "/markets/slug/lakers-win-tonight")
    resolve = f"{sandbox.urls.control}/markets/{market['conditionId']}/resolve"
    httpx.post(resolve, json={"winning_outcome": "No"}, timeout=10).raise_for_status()

    closed = get(gamma, "/markets", closed="true")
    assert [m["slug"] for m in closed] == ["lakers-win-tonight"]
    assert closed[0]["outcomePrices"] == '["0", "1"]'
    assert closed[0]["umaResolutionStatus"] == "resolved"
    assert market["id"] not in {m["id"] for m in get(gamma, "/markets", limit=100)}


def test_unknown_ids_are_404(gamma: httpx.Client) -> None:
    assert gamma.get("/markets/1").status_code == 404
    assert gamma.get("/events/slug/nope").status_code == 404
