"""The shared HTTP layer: timeouts, read retries, write safety, classification.

Every test runs against ``httpx.MockTransport``; sleeping goes to a recorder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import (
    PolymarketParseError,
    RateLimitedError,
    RejectCode,
    RejectedError,
    RetryableError,
    UnknownOutcomeError,
)
from polybot.polymarket.http import (
    HttpClient,
    code_from_message,
    error_for_status,
    message_from_body,
    parse_retry_after,
    reject_code,
)
from polybot.polymarket.ratelimit import Limit, RateLimiter

FAMILY = "clob.general"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Requests seen by the mock transport, and sleeps taken by the client."""

    def __init__(self, *responses: httpx.Response | Exception | Handler) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.now = 0.0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        # The last response repeats, so "always 503" needs one entry.
        item = self.responses[min(len(self.requests), len(self.responses)) - 1]
        if isinstance(item, Exception):
            raise item
        if callable(item) and not isinstance(item, httpx.Response):
            return item(request)
        return item

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_client(
    recorder: Recorder,
    *,
    retries: int = 3,
    jitter: float = 0.0,
    limiter: RateLimiter | None = None,
    **kwargs: Any,
) -> HttpClient:
    config = VenueConfig(
        clob_url="https://clob.test",
        connect_timeout=2.0,
        read_timeout=7.0,
        read_retries=retries,
    )
    return HttpClient(
        config.clob_url,
        config,
        transport=httpx.MockTransport(recorder.handle),
        sleep=recorder.sleep,
        clock=recorder.clock,
        jitter=lambda: jitter,
        limiter=limiter,
        **kwargs,
    )


def ok(body: object) -> httpx.Response:
    return httpx.Response(200, json=body)


def err(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


# --- plumbing -----------------------------------------------------------------------


def test_every_request_carries_the_configured_timeouts():
    recorder = Recorder(ok({}))
    client = make_client(recorder)
    client.get("/ok", family=FAMILY)
    timeout = recorder.requests[0].extensions["timeout"]
    assert timeout == {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}


def test_get_returns_decoded_json_and_encodes_params():
    recorder = Recorder(ok({"price": "0.5"}))
    client = make_client(recorder)
    result = client.get(
        "/markets",
        family=FAMILY,
        params={
            "active": True,
            "closed": False,
            "skip": None,
            "id": [1, 2],
            "end_date_min": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "limit": 100,
        },
    )
    assert result == {"price": "0.5"}
    url = recorder.requests[0].url
    assert url.path == "/markets"
    assert url.params.multi_items() == [
        ("active", "true"),
        ("closed", "false"),
        ("id", "1"),
        ("id", "2"),
        ("end_date_min", "2026-01-02T03:04:05Z"),
        ("limit", "100"),
    ]
    assert recorder.requests[0].headers["user-agent"] == "polybot"


def test_non_json_bodies_come_back_as_text_and_empty_ones_as_none():
    recorder = Recorder(httpx.Response(200, text="OK"), httpx.Response(200))
    client = make_client(recorder)
    assert client.get("/ok", family=FAMILY) == "OK"
    assert client.get("/ok", family=FAMILY) is None


def test_it_takes_a_rate_limit_token_before_each_request():
    recorder = Recorder(ok({}))
    limiter = RateLimiter(
        1.0,
        limits={FAMILY: (Limit(1, 10.0),)},
        clock=recorder.clock,
        sleep=recorder.sleep,
    )
    client = make_client(recorder, limiter=limiter)
    client.get("/a", family=FAMILY)
    client.get("/b", family=FAMILY)
    assert recorder.sleeps == [pytest.approx(10.0)]
    assert len(recorder.requests) == 2


def test_an_unknown_family_fails_before_any_request():
    recorder = Recorder(ok({}))
    with pytest.raises(KeyError):
        make_client(recorder).get("/a", family="nope")
    assert recorder.requests == []


# --- reads: retries -----------------------------------------------------------------


def test_429_with_retry_after_is_waited_out_then_the_read_succeeds():
    recorder = Recorder(
        err(429, {"error": "slow down"}, {"Retry-After": "2"}), ok({"a": 1})
    )
    client = make_client(recorder)
    assert client.get("/book", family=FAMILY) == {"a": 1}
    assert recorder.sleeps == [2.0]
    assert len(recorder.requests) == 2


def test_429_after_the_last_retry_raises_rate_limited_with_retry_after():
    recorder = Recorder(err(429, {"error": "slow down"}, {"Retry-After": "2"}))
    client = make_client(recorder, retries=3)
    with pytest.raises(RateLimitedError) as caught:
        client.get("/book", family=FAMILY)
    assert caught.value.retry_after == 2.0
    assert caught.value.status == 429
    assert caught.value.retryable is True
    assert recorder.sleeps == [2.0, 2.0, 2.0]
    assert len(recorder.requests) == 4


def test_a_retry_after_longer_than_the_cap_is_not_waited_inside_the_read():
    recorder = Recorder(err(429, None, {"Retry-After": "600"}))
    client = make_client(recorder, max_retry_after=60.0)
    with pytest.raises(RateLimitedError) as caught:
        client.get("/book", family=FAMILY)
    assert caught.value.retry_after == 600.0
    assert recorder.sleeps == []
    assert len(recorder.requests) == 1


def test_503_is_retried_with_backoff():
    recorder = Recorder(err(503, "<html>busy</html>"), ok({"a": 1}))
    client = make_client(recorder, jitter=0.0)
    assert client.get("/book", family=FAMILY) == {"a": 1}
    # base 0.5 s * 2**0, jitter 0 → half of it.
    assert recorder.sleeps == [0.25]


def test_backoff_is_exponential_jittered_and_capped():
    recorder = Recorder(err(500))
    client = make_client(
        recorder, retries=5, jitter=1.0, backoff_base=1.0, backoff_cap=5.0
    )
    with pytest.raises(RetryableError) as caught:
        client.get("/book", family=FAMILY)
    assert caught.value.status == 500
    assert recorder.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert len(recorder.requests) == 6


def test_jitter_spreads_the_delay_between_half_and_all_of_the_step():
    recorder = Recorder(err(502), ok({}))
    make_client(recorder, jitter=0.5, backoff_base=2.0).get("/x", family=FAMILY)
    assert recorder.sleeps == [1.5]  # 2.0 * (0.5 + 0.5 * 0.5)


def test_a_read_timeout_is_retried():
    recorder = Recorder(httpx.ReadTimeout("slow"), ok({"a": 1}))
    assert make_client(recorder).get("/book", family=FAMILY) == {"a": 1}
    assert len(recorder.requests) == 2


def test_connection_errors_on_reads_end_as_retryable_after_the_retries():
    recorder = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(RetryableError) as caught:
        make_client(recorder, retries=2).get("/book", family=FAMILY)
    assert "connection failed" in caught.value.message
    assert caught.value.endpoint == "GET /book"
    assert len(recorder.requests) == 3


def test_post_reads_are_retried_like_gets():
    recorder = Recorder(err(503), ok([{"asset_id": "1"}]))
    client = make_client(recorder)
    result = client.post_read("/books", family=FAMILY, json=[{"token_id": "1"}])
    assert result == [{"asset_id": "1"}]
    assert len(recorder.requests) == 2
    assert json.loads(recorder.requests[1].content) == [{"token_id": "1"}]


def test_a_4xx_read_is_not_retried():
    recorder = Recorder(
        err(404, {"error": "No orderbook exists for the requested token id"})
    )
    with pytest.raises(RejectedError) as caught:
        make_client(recorder).get("/book", family=FAMILY)
    assert caught.value.code is RejectCode.NOT_FOUND
    assert caught.value.status == 404
    assert len(recorder.requests) == 1
    assert recorder.sleeps == []


def test_zero_retries_means_one_attempt():
    recorder = Recorder(err(503))
    with pytest.raises(RetryableError):
        make_client(recorder, retries=0).get("/book", family=FAMILY)
    assert len(recorder.requests) == 1


# --- writes: never retried ----------------------------------------------------------


def test_a_write_timeout_is_an_unknown_outcome_and_is_not_retried():
    recorder = Recorder(httpx.ReadTimeout("no answer"), ok({"success": True}))
    client = make_client(recorder)
    with pytest.raises(UnknownOutcomeError) as caught:
        client.write("POST", "/order", family=FAMILY, content='{"order":{}}')
    assert caught.value.endpoint == "POST /order"
    assert caught.value.kind == "unknown_outcome"
    assert len(recorder.requests) == 1
    assert recorder.sleeps == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow connect"),
        httpx.RemoteProtocolError("peer closed"),
        httpx.ReadError("reset"),
    ],
)
def test_a_write_connection_failure_is_an_unknown_outcome(failure):
    recorder = Recorder(failure, ok({}))
    with pytest.raises(UnknownOutcomeError):
        make_client(recorder).write("DELETE", "/order", family=FAMILY, content="{}")
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    "response",
    [err(503), err(502, "<html>Bad gateway</html>"), err(500, {"error": "internal"})],
)
def test_a_write_5xx_without_a_venue_reason_is_an_unknown_outcome(response):
    recorder = Recorder(response)
    with pytest.raises(UnknownOutcomeError) as caught:
        make_client(recorder).write("POST", "/order", family=FAMILY, content="{}")
    assert caught.value.status == response.status_code
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {
                "error": "Trading is currently disabled. Check polymarket.com for updates"
            },
            RejectCode.TRADING_DISABLED,
        ),
        (
            {
                "error": "Trading is currently cancel-only. New orders are not "
                "accepted, but cancels are allowed."
            },
            RejectCode.CANCEL_ONLY,
        ),
        (
            {
                "error": "post-only mode: only post-only orders and cancels are allowed",
                "code": "post_only_mode",
                "retry_after_seconds": 79,
            },
            RejectCode.TRADING_DISABLED,
        ),
    ],
)
def test_a_write_503_naming_a_venue_state_is_a_rejection(body, code):
    recorder = Recorder(err(503, body))
    with pytest.raises(RejectedError) as caught:
        make_client(recorder).write("POST", "/order", family=FAMILY, content="{}")
    assert caught.value.code is code
    assert caught.value.status == 503


def test_a_write_500_could_not_insert_is_a_rejection():
    recorder = Recorder(err(500, {"error": "could not insert order"}))
    with pytest.raises(RejectedError) as caught:
        make_client(recorder).write("POST", "/order", family=FAMILY, content="{}")
    assert caught.value.code is RejectCode.EXECUTION_ERROR


def test_a_write_429_is_rate_limited_and_not_retried():
    recorder = Recorder(err(429, None, {"Retry-After": "3"}), ok({}))
    with pytest.raises(RateLimitedError) as caught:
        make_client(recorder).write("POST", "/order", family=FAMILY, content="{}")
    assert caught.value.retry_after == 3.0
    assert len(recorder.requests) == 1
    assert recorder.sleeps == []


def test_write_content_is_sent_byte_for_byte():
    recorder = Recorder(ok({"ok": True}))
    body = '{"b":1,"a":"é"}'
    make_client(recorder).write(
        "POST", "/order", family=FAMILY, content=body, headers={"POLY_API_KEY": "k"}
    )
    request = recorder.requests[0]
    assert request.content == body.encode("utf-8")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["poly_api_key"] == "k"
    assert request.method == "POST"


def test_a_2xx_write_answer_is_returned():
    recorder = Recorder(ok({"canceled": ["0x1"]}))
    result = make_client(recorder).write(
        "DELETE", "/order", family=FAMILY, content="{}"
    )
    assert result == {"canceled": ["0x1"]}


def test_request_dispatches_on_write():
    recorder = Recorder(err(503), ok({}))
    client = make_client(recorder)
    assert client.request("POST", "/books", family=FAMILY, write=False, json=[]) == {}
    recorder2 = Recorder(err(503), ok({}))
    with pytest.raises(UnknownOutcomeError):
        make_client(recorder2).request(
            "POST", "/order", family=FAMILY, write=True, content="{}"
        )


def test_redirects_are_not_followed():
    recorder = Recorder(httpx.Response(302, headers={"Location": "https://elsewhere/"}))
    with pytest.raises(PolymarketParseError):
        make_client(recorder).get("/x", family=FAMILY)
    assert len(recorder.requests) == 1


# --- classification -----------------------------------------------------------------


REJECTIONS = [
    (
        "order 0xabc... is invalid. Price (100) breaks minimum tick size rule: 0.1",
        RejectCode.INVALID_TICK_SIZE,
    ),
    ("INVALID_ORDER_MIN_TICK_SIZE", RejectCode.INVALID_TICK_SIZE),
    (
        "order 0xabc is invalid. Size (1.73) lower than the minimum: 5",
        RejectCode.INVALID_MIN_SIZE,
    ),
    (
        "invalid amount for a marketable BUY order ($0.17), min size: $1",
        RejectCode.INVALID_MIN_SIZE,
    ),
    ("INVALID_ORDER_MIN_SIZE", RejectCode.INVALID_MIN_SIZE),
    ("not enough balance / allowance", RejectCode.NOT_ENOUGH_BALANCE),
    (
        "not enough balance / allowance: balance: 8101422, order amount: 21684640",
        RejectCode.NOT_ENOUGH_BALANCE,
    ),
    ("order 0xabc is invalid. Duplicated.", RejectCode.DUPLICATED),
    ("INVALID_ORDER_DUPLICATED", RejectCode.DUPLICATED),
    (
        "order couldn't be fully filled. FOK orders are fully filled or killed.",
        RejectCode.FOK_NOT_FILLED,
    ),
    ("FOK_ORDER_NOT_FILLED_ERROR", RejectCode.FOK_NOT_FILLED),
    ("order_version_mismatch", RejectCode.VERSION_MISMATCH),
    (
        "invalid order version, please use the latest clob-client",
        RejectCode.VERSION_MISMATCH,
    ),
    ("market not ready", RejectCode.MARKET_NOT_READY),
    ("MARKET_NOT_READY", RejectCode.MARKET_NOT_READY),
    ("invalid signature", RejectCode.INVALID_SIGNATURE),
    ("invalid POLY_PROXY signature", RejectCode.INVALID_SIGNATURE),
    ("invalid post-only order: order crosses book", RejectCode.POST_ONLY_CROSSES),
    ("INVALID_ORDER_EXPIRATION", RejectCode.INVALID_EXPIRATION),
    ("invalid expiration", RejectCode.INVALID_EXPIRATION),
    ("Invalid order payload", RejectCode.INVALID_ORDER),
    ("the order owner has to be the owner of the API KEY", RejectCode.INVALID_ORDER),
    (
        "the order signer address has to be the address of the API KEY",
        RejectCode.INVALID_ORDER,
    ),
    (
        "maker address not allowed, please use the deposit wallet flow",
        RejectCode.INVALID_ORDER,
    ),
    ("'0x1234...' address banned", RejectCode.UNAUTHORIZED),
    ("'0x1234...' address in closed only mode", RejectCode.TRADING_DISABLED),
    (
        "Trading is currently disabled. Check polymarket.com for updates",
        RejectCode.TRADING_DISABLED,
    ),
    (
        "Trading is currently cancel-only. New orders are not accepted",
        RejectCode.CANCEL_ONLY,
    ),
    ("DELAYING_ORDER_ERROR", RejectCode.ORDER_DELAYED),
    ("EXECUTION_ERROR", RejectCode.EXECUTION_ERROR),
    ("something nobody documented", RejectCode.BAD_REQUEST),
]


@pytest.mark.parametrize(("message", "code"), REJECTIONS)
def test_each_venue_message_maps_to_its_reject_code(message, code):
    assert reject_code(400, message) is code


@pytest.mark.parametrize(("message", "code"), REJECTIONS[:12])
def test_a_400_answer_is_classified_from_its_error_body(message, code):
    recorder = Recorder(err(400, {"error": message}))
    with pytest.raises(RejectedError) as caught:
        make_client(recorder).write("POST", "/order", family=FAMILY, content="{}")
    assert caught.value.code is code
    assert message in caught.value.message
    assert caught.value.status == 400


def test_401_is_unauthorized_whatever_it_says():
    assert reject_code(401, "Invalid API key") is RejectCode.UNAUTHORIZED
    assert reject_code(401, "invalid signature") is RejectCode.UNAUTHORIZED
    recorder = Recorder(err(401, {"error": "Unauthorized/Invalid api key"}))
    with pytest.raises(RejectedError) as caught:
        make_client(recorder).get("/data/orders", family=FAMILY)
    assert caught.value.code is RejectCode.UNAUTHORIZED


def test_404_is_not_found():
    assert reject_code(404, "") is RejectCode.NOT_FOUND


def test_code_from_message_is_none_for_unknown_text():
    assert code_from_message("all good") is None


def test_error_for_status_reads_vs_writes():
    read = error_for_status(502, "", write=False, endpoint="GET /x", retry_after=1.5)
    assert isinstance(read, RetryableError) and read.retry_after == 1.5
    write = error_for_status(502, "", write=True, endpoint="POST /order")
    assert isinstance(write, UnknownOutcomeError)
    assert write.message == "HTTP 502 from POST /order: "


def test_message_from_body_reads_the_usual_keys():
    assert message_from_body({"error": "nope"}) == "nope"
    assert message_from_body({"errorMsg": "bad"}) == "bad"
    assert message_from_body({"error": {"detail": 1}}) == "{'detail': 1}"
    assert message_from_body("plain") == "plain"
    assert message_from_body(None) == ""


def test_retry_after_accepts_an_http_date_and_the_503_body():
    date = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:05 GMT"})
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after(date, None, now=lambda: now) == 5.0
    body = {"error": "post-only mode", "retry_after_seconds": 79}
    assert parse_retry_after(httpx.Response(503), body) == 79.0
    assert (
        parse_retry_after(httpx.Response(503, headers={"Retry-After": "junk"}), None)
        is None
    )


def test_a_read_503_uses_the_body_retry_after():
    recorder = Recorder(err(503, {"error": "busy", "retry_after_seconds": 4}), ok({}))
    make_client(recorder).get("/x", family=FAMILY)
    assert recorder.sleeps == [4.0]
