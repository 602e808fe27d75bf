"""The trading API end to end: a key, a batch, list, cancel, positions;
read-scoped keys refused on writes; bad input a 400 with nothing kept."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import AuditAction, AuditLog
from accounts.services import api_key_create
from orders.models import Order, OrderStatus
from polybot.api.permissions import SCOPE_TRADE_REQUIRED
from tests.api.conftest import bearer
from tests.orders.conftest import set_book

D = Decimal
pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders"


@pytest.fixture
def make_api_key(trader):
    def make(*, scopes=("read",)) -> str:
        return api_key_create(user=trader, name="script", scopes=list(scopes)).raw_key

    return make


def post(client: Client, url: str, body: object, key: str, **extra: str):
    return client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        headers={**bearer(key), **extra},
    )


def order_body(market, outcome, *, side="BUY", price="0.45", size="10", **kw) -> dict:
    return {
        "marketId": market.pk,
        "tokenId": outcome.token_id,
        "side": side,
        "type": "GTC",
        "price": price,
        "size": size,
        **kw,
    }


def test_api_flow_batch_list_cancel_positions(
    client, client_logged_in, trader, market, yes, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.45", "100")], asks=[("0.50", "40")])
    created = client_logged_in.post(
        "/api/v1/auth/api-keys",
        json.dumps({"name": "bot", "scopes": ["read", "trade"]}),
        content_type="application/json",
    )
    key = created.json()["data"]["key"]

    response = run_commits(
        lambda: post(
            client,
            f"{ORDERS}/batch",
            {
                "orders": [
                    order_body(market, yes, price="0.44", size="10"),
                    # Marketable: takes 20 of the 40 at 0.50.
                    order_body(market, yes, price="0.50", size="20"),
                ]
            },
            key,
            **{"X-Request-ID": "req-batch-1"},
        )
    )

    assert response.status_code == 201, response.content
    ids = [o["id"] for o in response.json()["data"]["orders"]]
    listed = client.get(ORDERS, headers=bearer(key)).json()["data"]
    assert [o["id"] for o in listed["data"]] == sorted(ids, reverse=True)
    by_id = {o["id"]: o for o in listed["data"]}
    assert by_id[ids[0]]["status"] == "open"
    assert by_id[ids[1]]["status"] == "filled"
    assert by_id[ids[1]]["averageFillPrice"] == "0.500000"
    assert (
        AuditLog.objects.filter(
            action=AuditAction.ORDER_PLACE, request_id="req-batch-1"
        ).count()
        == 2
    )

    cancel = client.delete(f"{ORDERS}/{ids[0]}", headers=bearer(key))
    assert cancel.status_code == 200
    assert cancel.json()["data"]["status"] == "cancelled"

    positions = client.get("/api/v1/positions", headers=bearer(key)).json()["data"]
    [position] = positions["positions"]
    # 20 @ 0.50 = 10.00 cost; mark = mid (0.45 + 0.50) / 2 = 0.475 → 9.50
    assert position["size"] == "20.000000"
    assert position["costBasis"] == "10.000000"
    assert position["mark"] == "0.475"
    assert position["unrealizedPnl"] == "-0.500000"
    # fee 20 * 0.02 * 0.25 = 0.10
    assert positions["totals"]["feesPaid"] == "0.100000"
    assert positions["totals"]["netPnl"] == "-0.600000"
    trades = client.get("/api/v1/trades", headers=bearer(key)).json()["data"]["data"]
    assert [(t["side"], t["size"], t["role"]) for t in trades] == [
        ("BUY", "20.000000", "taker")
    ]


def test_a_read_key_cannot_place_or_cancel(
    client, make_api_key, trader, market, yes
) -> None:
    key = make_api_key(scopes=("read",))
    placed = post(client, ORDERS, order_body(market, yes), key)
    cancelled = post(client, f"{ORDERS}/cancel-all", {}, key)

    assert placed.status_code == 403
    assert placed.json()["error"] == SCOPE_TRADE_REQUIRED
    assert cancelled.status_code == 403
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"price": "0"}, "price_out_of_bounds", "price"),
        ({"price": "1"}, "price_out_of_bounds", "price"),
        ({"price": "0.455"}, "off_tick", "price"),
        ({"size": "-5"}, "size_not_positive", "size"),
        ({"size": "4"}, "below_min_size", "size"),
        ({"size": "10.555"}, "size_precision", "size"),
        (
            {"type": "GTD", "expiration": "2020-01-01T00:00:00Z"},
            "expiration_too_soon",
            "expiration",
        ),
        ({"tokenId": "999999"}, "unknown_outcome", "outcome"),
    ],
)
def test_bad_orders_are_400_with_the_rule_and_nothing_kept(
    client, make_api_key, trader, market, yes, change, code, field
) -> None:
    set_book(yes.token_id, bids=[("0.45", "100")], asks=[("0.50", "40")])
    key = make_api_key(scopes=("trade",))

    response = post(client, ORDERS, {**order_body(market, yes), **change}, key)

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["code"] == "order_rejected"
    assert [(d["code"], d["field"]) for d in body["details"]] == [(code, field)]
    assert Order.objects.count() == 0


def test_a_batch_of_16_is_refused(client, make_api_key, trader, market, yes) -> None:
    key = make_api_key(scopes=("trade",))
    response = post(
        client, f"{ORDERS}/batch", {"orders": [order_body(market, yes)] * 16}, key
    )

    assert response.status_code == 400
    assert Order.objects.count() == 0


def test_malformed_json_and_wrong_content_type_are_4xx(
    client, make_api_key, trader
) -> None:
    key = make_api_key(scopes=("trade",))
    malformed = client.post(
        ORDERS, "{", content_type="application/json", headers=bearer(key)
    )
    form = client.post(ORDERS, "a=1", content_type="text/plain", headers=bearer(key))

    assert malformed.status_code == 400
    assert form.status_code == 415
    assert Order.objects.count() == 0


def test_another_users_order_is_404(
    client, make_api_key, other_user, trader, market, yes
) -> None:
    theirs = Order.objects.create(
        user=other_user,
        mode="paper",
        client_order_id="theirs",
        market=market,
        outcome=yes,
        side="BUY",
        price=D("0.40"),
        size=D("10"),
        status=OrderStatus.OPEN,
    )
    key = make_api_key(scopes=("trade",))

    assert client.get(f"{ORDERS}/{theirs.pk}", headers=bearer(key)).status_code == 404
    assert (
        client.delete(f"{ORDERS}/{theirs.pk}", headers=bearer(key)).status_code == 404
    )
    assert client.get(f"{ORDERS}/99999999999", headers=bearer(key)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.OPEN
