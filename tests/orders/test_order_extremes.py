"""Numbers far outside any order (issue 6 review): a size or price of
±1e100 is refused as bad input (a 400 with the reason next to the field)
on the ticket, on the API and by the services, never a 500, with nothing
persisted and nothing sent."""

from __future__ import annotations

import json
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import api_key_create
from markets.models import Market, Outcome
from orders import risk
from orders.errors import OrderRejectedError
from orders.models import Order
from orders.preview import order_preview
from orders.services import MSG_SIZE_TOO_LARGE, SIZE_TOO_LARGE, order_place
from orders.validation import OrderRequest
from tests.api.conftest import bearer
from tests.orders.conftest import set_book
from tests.orders.test_ticket_views import (
    HTMX,
    field_errors,
    preview_url,
    submit_url,
    text,
    ticket,
)

D = Decimal
pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders"
OVER_THE_MAX = "Ensure this value is less than or equal to 1000000000."
TOO_MANY_DIGITS = "Ensure that there are no more than 20 digits in total."


@pytest.fixture(autouse=True)
def no_submission():
    with mock.patch("orders.services.submission_enqueue") as enqueue:
        yield enqueue


@pytest.fixture
def book(yes: Outcome, no: Outcome) -> None:
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "100")])
    set_book(no.token_id, bids=[("0.47", "100")], asks=[("0.49", "100")])


@pytest.fixture
def trading(client: Client, trader: User, book: None) -> Client:
    client.force_login(trader)
    return client


# --- the ticket ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"size": "-1e100"}, [risk.RISK_SIZE_NOT_POSITIVE]),
        ({"size": "-1e100", "size_mode": "amount"}, [risk.RISK_SIZE_NOT_POSITIVE]),
        ({"size": "1e100"}, [OVER_THE_MAX]),
        ({"size": "1e100", "size_mode": "amount"}, [OVER_THE_MAX]),
        ({"size": "-1e10", "size_mode": "amount"}, [risk.RISK_SIZE_NOT_POSITIVE]),
        ({"size": "10.1234567", "size_mode": "amount"}, ["Ensure that there are no more than 6 decimal places."]),
    ],
)  # fmt: skip
def test_the_ticket_refuses_a_size_far_out_of_range_next_to_the_field(
    trading: Client, market: Market, yes: Outcome, no_submission, changes, errors
) -> None:
    response = trading.post(submit_url(market), ticket(yes, **changes), **HTMX)

    assert response.status_code == 400
    assert field_errors(text(response), "size") == errors
    assert Order.objects.count() == 0
    no_submission.assert_not_called()


@pytest.mark.parametrize("size", ["-1e100", "1e100"])
@pytest.mark.parametrize("mode", ["shares", "amount"])
def test_the_preview_of_a_size_far_out_of_range_shows_the_error_not_a_500(
    trading: Client, market: Market, yes: Outcome, size: str, mode: str
) -> None:
    data = ticket(yes, size=size, size_mode=mode)

    response = trading.post(preview_url(market), data, **HTMX)

    assert response.status_code == 200
    html = text(response)
    assert "Fix the fields marked in red." in html
    assert field_errors(html, "size") != []


def test_the_ticket_refuses_a_price_of_1e100_with_the_bounds(
    trading: Client, market: Market, yes: Outcome
) -> None:
    response = trading.post(submit_url(market), ticket(yes, price="1e100"), **HTMX)

    assert response.status_code == 400
    assert field_errors(text(response), "price") == [
        "Price must be between 0.01 and 0.99."
    ]
    assert Order.objects.count() == 0


# --- the API ------------------------------------------------------------------------


def api_post(client: Client, trader: User, body: dict):
    key = api_key_create(user=trader, name="script", scopes=["trade"]).raw_key
    return client.post(
        ORDERS, json.dumps(body), content_type="application/json", headers=bearer(key)
    )


def order_body(market: Market, outcome: Outcome, **changes: object) -> dict:
    body = {"marketId": market.pk, "tokenId": outcome.token_id, "side": "BUY",
            "type": "GTC", "price": "0.52", "size": "10"}  # fmt: skip
    return {**body, **changes}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"size": "-1e100"}, "size", TOO_MANY_DIGITS),
        ({"size": "1e100"}, "size", TOO_MANY_DIGITS),
        ({"size": -1e100}, "size", TOO_MANY_DIGITS),  # a JSON number
        ({"price": "-1e100"}, "price", "Ensure that there are no more than 10 digits in total."),
    ],
)  # fmt: skip
def test_the_api_answers_a_number_far_out_of_range_with_a_400(
    client: Client, trader: User, market: Market, yes: Outcome, book: None,
    change, field, message,
) -> None:  # fmt: skip
    response = api_post(client, trader, order_body(market, yes, **change))

    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["code"]) == (False, "validation_error")
    assert body["details"] == {field: [message]}
    assert Order.objects.count() == 0


def test_the_api_refuses_a_large_negative_size_with_the_rule(
    client: Client, trader: User, market: Market, yes: Outcome, book: None
) -> None:
    # 20 digits fit the API's shape; the size rule refuses it.
    response = api_post(client, trader, order_body(market, yes, size="-1e13"))

    assert response.status_code == 400
    details = response.json()["details"]
    assert [(d["code"], d["field"]) for d in details] == [
        (risk.SIZE_NOT_POSITIVE, "size")
    ]
    assert Order.objects.count() == 0


# --- the services (strategies call them with numbers no form checked) -----------------


def request(market: Market, outcome: Outcome, price: str, size: str) -> OrderRequest:
    return OrderRequest(market_id=market.pk, token_id=outcome.token_id, side="BUY",
                        price=D(price), size=D(size))  # fmt: skip


def test_the_services_refuse_a_size_of_minus_1e40_as_not_positive(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    with pytest.raises(OrderRejectedError) as refused:
        order_place(user=trader, request=request(market, yes, "0.52", "-1e40"))

    assert [(v.code, v.field) for v in refused.value.violations] == [
        (risk.SIZE_NOT_POSITIVE, "size")
    ]
    preview = order_preview(user=trader, request=request(market, yes, "0.52", "-1e40"))
    assert preview.fee == D("0")
    assert Order.objects.count() == 0


def test_the_services_refuse_a_size_the_order_column_cannot_hold(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    with pytest.raises(OrderRejectedError) as refused:
        order_place(user=trader, request=request(market, yes, "0.52", "1e40"))

    assert list(refused.value.violations) == [
        risk.RiskViolation(SIZE_TOO_LARGE, MSG_SIZE_TOO_LARGE, "size")
    ]
    preview = order_preview(user=trader, request=request(market, yes, "0.52", "1e14"))
    assert [v.message for v in preview.violations] == [MSG_SIZE_TOO_LARGE]
    assert (preview.size, preview.fee, preview.cost) == (D("0"), D("0"), D("0"))


def test_the_services_refuse_a_price_of_1e30_with_the_bounds(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    with pytest.raises(OrderRejectedError) as refused:
        order_place(user=trader, request=request(market, yes, "1e30", "10"))

    assert list(refused.value.violations) == [
        risk.RiskViolation(
            risk.PRICE_BOUNDS, "Price must be between 0.01 and 0.99.", "price"
        )
    ]
    assert Order.objects.count() == 0


def test_a_marketable_price_out_of_bounds_is_estimated_no_fee(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    # 1.5 crosses the 0.52 ask, but no order trades at it.
    preview = order_preview(user=trader, request=request(market, yes, "1.5", "10"))

    assert preview.fee == D("0")
    assert [v.code for v in preview.violations] == [risk.PRICE_BOUNDS]
