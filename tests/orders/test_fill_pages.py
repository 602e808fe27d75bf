"""The Fills page and its CSV export: filters, exact values, formula
neutralising, streaming in batches, and nothing of another user's."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection, connections
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from markets.models import Market, Outcome
from orders import fills_csv
from orders import selectors as fills_selectors
from orders.models import Fill
from orders.selectors import FillFilters
from polybot.lib.time import utc_now
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.factories.orders import FillFactory, OrderFactory

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST_URL = "/fills/"
EXPORT_URL = "/fills/export.csv"
HEADER = [
    "matched_at", "mode", "market_question", "condition_id", "outcome", "token_id",
    "side", "price", "size", "notional", "fee", "net_cash_flow", "role",
    "settlement_status", "venue_trade_id", "tx_hash", "order_id",
]  # fmt: skip
pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client: Client, trader: User) -> Client:
    client.force_login(trader)
    return client


def _fill(user: User, outcome: Outcome, at: str, **fields) -> Fill:
    order = OrderFactory(user=user, outcome=outcome, mode=fields.get("mode", "paper"))
    fields.setdefault(
        "venue_trade_id", f"trade-{at}-{outcome.pk}-{fields.get('side', 'BUY')}"
    )
    return FillFactory(
        order=order,
        matched_at=datetime.fromisoformat(at).replace(tzinfo=UTC),
        **fields,
    )


def _rows(html: str) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'<tr id="fill-(\d+)" class="fill-row">', html)
    ]


def _get(client: Client, data: dict | None = None, **extra) -> str:
    response = client.get(LIST_URL, data or {}, **extra)
    assert response.status_code == 200
    return response.content.decode()


def _csv(response: StreamingHttpResponse) -> list[list[str]]:
    """Read the export the way the ASGI server does: asynchronously."""

    async def read() -> bytes:
        return b"".join([part async for part in response.streaming_content])

    assert response.is_async
    return list(csv.reader(io.StringIO(async_to_sync(read)().decode())))


# --- the page ------------------------------------------------------------------------


def test_it_lists_the_users_fills_of_the_current_mode_newest_first(
    browser: Client, trader: User, other_user: User, yes: Outcome
) -> None:
    older = _fill(trader, yes, "2026-03-01T10:00:00")
    newer = _fill(trader, yes, "2026-03-02T10:00:00")
    _fill(trader, yes, "2026-03-03T10:00:00", mode="live")
    _fill(other_user, yes, "2026-03-04T10:00:00")

    html = _get(browser)

    assert _rows(html) == [newer.pk, older.pk]
    assert "2 fills · traded $8.00 · fees $0.00" in html
    assert 'class="nav-link is-active" href="/fills/"' in html
    assert f'href="{EXPORT_URL}"' in html


def test_filters_narrow_the_ledger_to_exactly_the_matching_fills(
    browser: Client, trader: User, market: Market, yes: Outcome, no: Outcome
) -> None:
    other = OutcomeFactory(market=MarketFactory(), label="Yes", token_id="3001")
    maker_buy = _fill(trader, yes, "2026-03-01T09:00:00")
    taker_sell = _fill(trader, no, "2026-03-02T23:59:59", side="SELL", role="taker",
                       fee=D("0.05"), settlement_status="CONFIRMED")  # fmt: skip
    elsewhere = _fill(trader, other, "2026-03-03T00:00:00", settlement_status="MINED")
    live = _fill(trader, yes, "2026-03-04T00:00:00", mode="live")

    assert _rows(_get(browser, {"side": "SELL"})) == [taker_sell.pk]
    assert _rows(_get(browser, {"role": "maker"})) == [elsewhere.pk, maker_buy.pk]
    assert _rows(_get(browser, {"settlement": "MINED"})) == [elsewhere.pk]
    assert _rows(_get(browser, {"market": market.pk})) == [taker_sell.pk, maker_buy.pk]
    days = {"date_from": "2026-03-02", "date_to": "2026-03-03"}
    assert _rows(_get(browser, days)) == [elsewhere.pk, taker_sell.pk]
    assert _rows(_get(browser, {"mode": "live"})) == [live.pk]
    assert _rows(
        _get(browser, {"mode": "all", "market": market.pk, "role": "maker"})
    ) == [
        live.pk,
        maker_buy.pk,
    ]


def test_bad_filter_values_show_their_error_and_are_ignored(
    browser: Client, trader: User, yes: Outcome
) -> None:
    fill = _fill(trader, yes, "2026-03-01T09:00:00")

    html = _get(browser, {"settlement": "bogus", "date_to": "not-a-date",
                          "market": "abc", "mode": "both"})  # fmt: skip

    assert _rows(html) == [fill.pk]
    assert 'id="id_settlement_error"><li>Select a valid choice. bogus' in html
    assert 'id="id_date_to_error"><li>Enter a valid date.</li>' in html
    assert 'id="id_market_error"><li>Select a valid choice. abc' in html
    # An unknown mode lists the user's current one.
    assert 'id="id_mode_error"><li>Select a valid choice. both' in html


def test_the_farthest_dates_there_are_still_filter(
    browser: Client, trader: User, yes: Outcome
) -> None:
    fill = _fill(trader, yes, "2026-03-01T09:00:00")

    html = _get(browser, {"date_from": "0001-01-01", "date_to": "9999-12-31"})

    assert _rows(html) == [fill.pk]
    export = browser.get(EXPORT_URL, {"date_to": "9999-12-31"})
    assert len(_csv(export)) == 2


def test_htmx_gets_the_table_alone_with_the_filtered_address_pushed(
    browser: Client, trader: User, yes: Outcome
) -> None:
    fill = _fill(trader, yes, "2026-03-01T09:00:00", side="SELL")

    response = browser.get(LIST_URL, {"side": "SELL", "role": ""}, **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="fill-table"')
    assert _rows(html) == [fill.pk]
    assert response["HX-Push-Url"] == "/fills/?side=SELL"
    assert f'href="{EXPORT_URL}?side=SELL"' in html


def test_the_ledger_shows_cash_and_settlement(
    browser: Client, trader: User, yes: Outcome
) -> None:
    _fill(trader, yes, "2026-03-01T09:00:00", side="SELL", price=D("0.60"),
          size=D("15"), fee=D("0.072"), role="taker", settlement_status="FAILED",
          reversed_at=utc_now())  # fmt: skip

    html = _get(browser)

    # Struck through and no cash moved: the failed settlement reversed it.
    assert 'class="fill-row is-reversed"' in html
    assert (
        '<td class="num fill-cash flat" data-label="Cash" title="Reversed: the settlement failed, so '
        'this never happened">$0.00</td>'
    ) in html
    assert '<td class="num" data-label="Fee">0.072</td>' in html
    assert "Failed on chain: reversed out of the position" in html


def test_it_pages_by_25_or_50(browser: Client, trader: User, yes: Outcome) -> None:
    fills = [_fill(trader, yes, f"2026-03-01T09:00:{n:02d}") for n in range(30)]
    newest_first = [f.pk for f in reversed(fills)]

    assert _rows(_get(browser)) == newest_first[:25]
    assert _rows(_get(browser, {"page": "2"})) == newest_first[25:]
    assert _rows(_get(browser, {"per_page": "50"})) == newest_first


# --- the CSV export ------------------------------------------------------------------


def test_the_export_has_the_exact_header_and_values_of_a_known_fill(
    browser: Client, trader: User, market: Market, yes: Outcome
) -> None:
    buy = _fill(trader, yes, "2026-03-01T12:30:05", price=D("0.45"), size=D("10"),
                fee=D("0.09"), role="taker", venue_trade_id="T-buy",
                tx_hash="0x" + "cd" * 32)  # fmt: skip
    sell = _fill(trader, yes, "2026-03-02T08:00:00.250000", side="SELL",
                 price=D("0.123457"), size=D("3.5"), venue_trade_id="T-sell",
                 settlement_status="CONFIRMED")  # fmt: skip

    response = browser.get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = f"{utc_now():%Y-%m-%d}"
    assert response["Content-Disposition"] == (
        f'attachment; filename="polybot-fills-paper-{today}.csv"'
    )
    assert _csv(response) == [
        HEADER,
        [
            # 3.5 · 0.123457 = 0.4320995 → 0.432100 (pUSD has 6 decimals);
            # a maker sell pays no fee.
            "2026-03-02T08:00:00.250000Z", "paper", market.question,
            market.condition_id, "Yes", "1001", "SELL", "0.123457", "3.500000",
            "0.432100", "0.000000", "0.432100", "maker", "CONFIRMED", "T-sell", "",
            str(sell.order_id),
        ],
        [
            # A buy pays notional plus fee: −(4.50 + 0.09).
            "2026-03-01T12:30:05Z", "paper", market.question, market.condition_id,
            "Yes", "1001", "BUY", "0.450000", "10.000000", "4.500000", "0.090000",
            "-4.590000", "taker", "MATCHED", "T-buy", "0x" + "cd" * 32,
            str(buy.order_id),
        ],
    ]  # fmt: skip


def test_the_export_books_no_cash_for_a_reversed_fill(
    browser: Client, trader: User, yes: Outcome
) -> None:
    _fill(trader, yes, "2026-03-01T09:00:00", side="SELL", price=D("0.60"),
          size=D("15"), fee=D("0.072"), role="taker", settlement_status="FAILED",
          reversed_at=utc_now())  # fmt: skip

    row = _csv(browser.get(EXPORT_URL))[1]

    # notional 9.000000 is still shown; the net cash flow is zero.
    assert (row[9], row[10], row[11], row[13]) == (
        "9.000000", "0.072000", "0.000000", "FAILED",
    )  # fmt: skip


def test_the_export_honours_the_filters(
    browser: Client, trader: User, yes: Outcome, no: Outcome
) -> None:
    _fill(trader, yes, "2026-03-01T09:00:00", venue_trade_id="T-1")
    _fill(trader, no, "2026-03-02T09:00:00", side="SELL", venue_trade_id="T-2")
    _fill(trader, no, "2026-03-03T09:00:00", side="SELL", venue_trade_id="T-3")
    _fill(trader, no, "2026-03-01T12:00:00", mode="live", side="SELL",
          venue_trade_id="T-live")  # fmt: skip

    def trade_ids(data: dict) -> list[str]:
        return [row[14] for row in _csv(browser.get(EXPORT_URL, data))[1:]]

    assert trade_ids({}) == ["T-3", "T-2", "T-1"]
    assert trade_ids({"side": "SELL", "date_to": "2026-03-02"}) == ["T-2"]
    assert trade_ids({"mode": "all", "side": "SELL"}) == ["T-3", "T-2", "T-live"]
    live = browser.get(EXPORT_URL, {"mode": "live"})
    assert [row[14] for row in _csv(live)[1:]] == ["T-live"]
    assert "polybot-fills-live-" in live["Content-Disposition"]


def test_the_export_neutralises_formulas_in_text_cells(
    browser: Client, trader: User
) -> None:
    market = MarketFactory(question='=HYPERLINK("https://evil.example","Click")')
    outcome = OutcomeFactory(market=market, label="+1 more", token_id="4001")
    _fill(trader, outcome, "2026-03-01T09:00:00", venue_trade_id="@trade")

    row = _csv(browser.get(EXPORT_URL))[1]

    assert row[2] == '\'=HYPERLINK("https://evil.example","Click")'
    assert row[4] == "'+1 more"
    assert row[14] == "'@trade"
    assert row[11] == "-4.000000"  # numbers keep their sign


def test_the_export_streams_every_fill_once_across_batches(
    browser: Client, trader: User, yes: Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fills_csv, "BATCH_SIZE", 2)
    # Five fills, three of them at the same instant: the batches' keyset
    # must break the tie by id without skipping or repeating one.
    at = ["2026-03-01T09:00:00"] * 3 + ["2026-03-01T08:00:00", "2026-03-01T10:00:00"]
    fills = [_fill(trader, yes, t, venue_trade_id=f"T-{n}") for n, t in enumerate(at)]

    rows = _csv(browser.get(EXPORT_URL))[1:]

    assert [row[14] for row in rows] == ["T-4", "T-2", "T-1", "T-0", "T-3"]
    assert len(fills) == 5


def test_the_export_never_includes_another_users_fills(
    browser: Client, other_user: User, yes: Outcome
) -> None:
    _fill(other_user, yes, "2026-03-01T09:00:00")

    assert _csv(browser.get(EXPORT_URL, {"mode": "all"})) == [HEADER]


def test_an_export_with_a_bad_filter_goes_back_to_the_page_that_shows_it(
    browser: Client, trader: User, yes: Outcome
) -> None:
    _fill(trader, yes, "2026-03-01T09:00:00")

    response = browser.get(EXPORT_URL, {"date_from": "not-a-date", "side": "BUY"})

    assert response.status_code == 302
    assert response["Location"] == "/fills/?date_from=not-a-date&side=BUY"
    html = browser.get(response["Location"]).content.decode()
    assert "Fix the filters marked below before exporting: From (UTC)." in html
    assert 'id="id_date_from_error"><li>Enter a valid date.</li>' in html


def test_the_export_needs_a_login(client: Client) -> None:
    response = client.get(EXPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("error:StreamingHttpResponse must consume")
async def test_the_export_streams_over_asgi_without_buffering(
    async_client, trader, yes
):
    """Served by daphne, the export is read batch by batch: an async
    iterator, so Django does not first collect it into a list."""
    await sync_to_async(_fill)(trader, yes, "2026-03-01T09:00:00", venue_trade_id="T-a")
    await async_client.aforce_login(trader)
    try:
        response = await async_client.get(EXPORT_URL)

        assert response.is_async
        body = b"".join([part async for part in response.streaming_content])
    finally:
        # The sync thread's connection, so the test database can be dropped.
        await sync_to_async(connections.close_all)()
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert [row[14] for row in rows] == ["venue_trade_id", "T-a"]


def test_the_ledger_runs_the_same_queries_for_one_fill_or_thirty(
    browser: Client, trader: User, yes: Outcome
) -> None:
    _fill(trader, yes, "2026-03-01T09:00:00")
    with CaptureQueriesContext(connection) as one:
        _get(browser)
    for n in range(29):
        _fill(trader, yes, f"2026-03-02T09:00:{n:02d}")

    with CaptureQueriesContext(connection) as thirty:
        _get(browser, {"per_page": "50"})

    assert len(thirty) == len(one)


def test_a_superscript_digit_in_the_market_filter_is_a_field_error_not_a_500(
    browser: Client, trader: User, yes: Outcome
) -> None:
    fill = _fill(trader, yes, "2026-03-01T09:00:00")

    # "²".isdigit() is True but int("²") raises.
    html = _get(browser, {"market": "²"})
    export = browser.get(EXPORT_URL, {"market": "²"})

    assert _rows(html) == [fill.pk]
    assert 'id="id_market_error"><li>Select a valid choice. ² is not one of' in html
    assert export.status_code == 302
    assert export["Location"] == "/fills/?market=%C2%B2"


def test_the_summary_leaves_reversed_fills_out_of_the_money_and_rounds_like_the_csv(
    browser: Client, trader: User, yes: Outcome
) -> None:
    # 3.5 × 0.123457 = 0.4320995 → 0.432100 and 0.5 × 0.000005 = 0.0000025 →
    # 0.000002 (pUSD's 6 places, half to even, as the CSV's notional column).
    _fill(trader, yes, "2026-03-01T09:00:00", price=D("0.123457"), size=D("3.5"))
    _fill(trader, yes, "2026-03-01T09:00:01", price=D("0.000005"), size=D("0.5"))
    _fill(trader, yes, "2026-03-01T09:00:02", price=D("0.50"), size=D("9"),
          fee=D("0.10"), role="taker")  # fmt: skip
    _fill(trader, yes, "2026-03-01T09:00:03", side="SELL", price=D("0.60"),
          size=D("15"), fee=D("0.072"), role="taker", settlement_status="FAILED",
          reversed_at=utc_now())  # fmt: skip

    html = _get(browser)

    # 0.432100 + 0.000002 + 4.500000: the reversed 9.00 and its fee are out.
    assert "4 fills, 1 reversed · traded $4.93 · fees $0.10" in html
    totals = fills_selectors.fill_totals(
        fills=fills_selectors.fill_list(user=trader, filters=FillFilters(mode="paper"))
    )
    assert totals == fills_selectors.FillTotals(
        count=4, reversed=1, notional=D("4.932102"), fees=D("0.100000")
    )
