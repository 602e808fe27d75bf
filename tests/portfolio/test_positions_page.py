"""The positions page (/positions/): open positions with their figures, the
closed and resolved ones under ?view=closed, the live fragment the account
socket pushes, and nobody else's positions."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from orders.fills import FillReport, fill_apply
from orders.services import OrderRequest, market_settle, order_place
from polybot.lib.time import utc_now
from portfolio import selectors
from portfolio.models import Position, PositionStatus
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.orders.conftest import (  # noqa: F401 (fixtures)
    market,
    no,
    run_commits,
    set_book,
    trader,
    yes,
)

D = Decimal
pytestmark = pytest.mark.django_db
URL = "/positions/"


def trade(user, outcome, trade_id, side, size, price, *, status, mode="paper"):
    return fill_apply(
        FillReport(
            venue_trade_id=trade_id,
            user_id=user.pk,
            mode=mode,
            outcome=outcome,
            side=side,
            price=D(price),
            size=D(size),
            fee=D("0"),
            role="maker",
            matched_at=utc_now(),
            settlement_status=status,
        )
    )


def field(html: str, row_id: str, name: str) -> str:
    """The text of one cell of one row, tags stripped."""
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row, f"row {row_id} not rendered"
    cell = re.search(rf'data-field="{name}">(.*?)</td>', row.group(1), re.S)
    assert cell, f"cell {name} not rendered in {row_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", cell.group(1)).split())


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, f"#{element_id} not rendered"
    return match.group(1).strip()


def page(client: Client, query: str = "", **headers: str) -> str:
    response = client.get(URL + query, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def logged_in(client: Client, trader) -> Client:  # noqa: F811
    client.force_login(trader)
    return client


@pytest.fixture
def ten_yes_at_52(trader, market, yes, run_commits) -> Position:  # noqa: F811
    """10 YES bought at 0.52 (cost 5.20, fee 0.04992), then bids 0.50×4 and
    0.48×100 against an ask of 0.56: mid 0.53."""
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "100")])
    run_commits(
        lambda: order_place(
            user=trader,
            request=OrderRequest(
                market_id=market.pk,
                token_id=yes.token_id,
                side="BUY",
                price=D("0.52"),
                size=D("10"),
                order_type="FAK",
            ),
        )
    )
    set_book(yes.token_id, bids=[("0.50", "4"), ("0.48", "100")], asks=[("0.56", "50")])
    return Position.objects.get(user=trader, outcome=yes)


def test_it_redirects_anonymous_users_to_login(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/positions/"


def test_it_is_the_positions_url(db) -> None:
    assert reverse("portfolio:positions") == URL


def test_an_empty_account_sees_an_empty_state_with_a_link_to_markets(
    logged_in: Client,
) -> None:
    html = page(logged_in)

    assert "No open positions" in html
    assert 'href="/markets/">Browse markets</a>' in html
    assert text_of(html, "total-value") == "$0.00"
    assert text_of(html, "total-cash") == "$1,000.00"
    assert '<section id="open-positions"' in html
    assert re.search(
        r'class="nav-link is-active" href="/positions/" aria-current="page"', html
    )


def test_it_shows_each_figure_of_an_open_position(
    logged_in: Client, ten_yes_at_52: Position
) -> None:
    html = page(logged_in)
    row = f"open-position-{ten_yes_at_52.pk}"

    assert f'href="/markets/{ten_yes_at_52.market_id}/"' in html
    assert field(html, row, "size") == "10"
    assert field(html, row, "avg") == "52¢"
    assert field(html, row, "mark") == "53¢"
    assert field(html, row, "value") == "$5.30"
    assert field(html, row, "cost") == "$5.20"
    assert field(html, row, "unrealized") == "+$0.10 1.92%"
    assert field(html, row, "realized") == "$0.00"
    assert field(html, row, "fees") == "$0.05"  # 0.04992
    assert field(html, row, "net-realized") == "-$0.05"
    assert field(html, row, "liquidation") == "$4.83"  # 4.88 − 0.049952
    assert field(html, row, "settlement") == "Final"
    assert "at bids, after fees" in html
    assert text_of(html, "total-value") == "$5.30"
    assert text_of(html, "total-unrealized") == "+$0.10"
    assert text_of(html, "total-unrealized-percent") == "1.92%"
    assert text_of(html, "total-liquidation") == "$4.83"
    assert text_of(html, "total-fees") == "$0.05"
    # 1000 − 5.20 − 0.04992 = 994.75008
    assert text_of(html, "total-cash") == "$994.75"
    assert text_of(html, "total-equity") == "$1,000.05"  # 994.75008 + 5.30


def test_it_says_when_the_bids_cannot_take_the_whole_position(
    logged_in: Client,
    yes,  # noqa: F811
    ten_yes_at_52: Position,
) -> None:
    set_book(yes.token_id, bids=[("0.50", "4")], asks=[("0.56", "50")])

    html = page(logged_in)

    assert (
        field(html, f"open-position-{ten_yes_at_52.pk}", "liquidation")
        == "$1.98 bids take 4 of 10"
    )


def test_it_shows_fills_still_settling(
    logged_in: Client,
    trader,  # noqa: F811
    market,  # noqa: F811
    yes,  # noqa: F811
) -> None:
    trade(trader, yes, "P-1", "BUY", "10", "0.40", status="MATCHED")
    trade(trader, yes, "P-2", "BUY", "5", "0.40", status="MINED")
    trade(trader, yes, "P-3", "BUY", "5", "0.40", status="CONFIRMED")
    position = Position.objects.get(user=trader, outcome=yes)

    html = page(logged_in)

    assert field(html, f"open-position-{position.pk}", "settlement") == "2 settling"
    assert 'title="2 fills (15 shares) matched but not final on chain"' in html
    assert text_of(html, "total-settling") == "2 fills settling"


def test_a_closed_position_is_listed_under_closed_not_open(
    logged_in: Client,
    trader,  # noqa: F811
    market,  # noqa: F811
    yes,  # noqa: F811
) -> None:
    trade(trader, yes, "B-1", "BUY", "10", "0.40", status="CONFIRMED")
    trade(trader, yes, "S-1", "SELL", "10", "0.55", status="CONFIRMED")
    position = Position.objects.get(user=trader, outcome=yes)

    open_html = page(logged_in)
    closed_html = page(logged_in, "?view=closed")

    assert f"position-{position.pk}" not in open_html
    assert "No open positions" in open_html
    row = f"closed-position-{position.pk}"
    assert field(closed_html, row, "result") == "Sold"
    assert field(closed_html, row, "realized") == "+$1.50"  # 10 × (0.55 − 0.40)
    assert field(closed_html, row, "fees") == "$0.00"
    assert field(closed_html, row, "net-realized") == "+$1.50"
    assert field(closed_html, row, "redeemable") == "—"
    assert position.closed_at is not None
    assert field(closed_html, row, "closed-at") == (
        position.closed_at.strftime("%b %-d, %Y %H:%M") + " UTC"
    )
    assert 'class="is-active" aria-current="page">Closed and resolved' in closed_html


def test_resolved_and_redeemable_positions_show_their_result(
    logged_in: Client,
    trader,  # noqa: F811
    market,  # noqa: F811
    yes,  # noqa: F811
    no,  # noqa: F811
) -> None:
    trader.trading_mode = "live"
    trader.save()
    trade(trader, yes, "Y-1", "BUY", "10", "0.40", status="CONFIRMED", mode="live")
    trade(trader, no, "N-1", "BUY", "20", "0.55", status="CONFIRMED", mode="live")
    market.status = "resolved"
    market.winning_outcome = yes
    market.resolved_at = utc_now()
    market.save()
    market_settle(market=market)
    won = Position.objects.get(user=trader, outcome=yes)
    lost = Position.objects.get(user=trader, outcome=no)

    html = page(logged_in, "?view=closed")

    assert won.status == PositionStatus.REDEEMABLE
    assert field(html, f"closed-position-{won.pk}", "result") == "Won · Redeemable"
    assert field(html, f"closed-position-{won.pk}", "redeemable") == "$10.00"
    assert field(html, f"closed-position-{won.pk}", "realized") == "+$6.00"
    assert field(html, f"closed-position-{lost.pk}", "result") == "Lost · Redeemable"
    assert field(html, f"closed-position-{lost.pk}", "redeemable") == "$0.00"
    assert field(html, f"closed-position-{lost.pk}", "realized") == "-$11.00"
    assert "total-cash" not in page(logged_in)  # live cash is on chain


def test_an_empty_closed_view_says_so(logged_in: Client) -> None:
    html = page(logged_in, "?view=closed")

    assert "No closed positions yet" in html
    assert '<section id="open-positions"' not in html


def test_it_never_shows_another_users_positions(
    logged_in: Client,
    other_user,
    yes,  # noqa: F811
) -> None:
    secret = OutcomeFactory(market=MarketFactory(question="Mallory's secret?"))
    trade(other_user, secret, "M-1", "BUY", "10", "0.40", status="MATCHED")
    trade(other_user, yes, "M-2", "BUY", "10", "0.40", status="CONFIRMED")
    trade(other_user, yes, "M-3", "SELL", "10", "0.60", status="CONFIRMED")

    open_html = page(logged_in)
    closed_html = page(logged_in, "?view=closed")

    assert "Mallory" not in open_html + closed_html
    assert "No open positions" in open_html
    assert "No closed positions yet" in closed_html
    assert text_of(open_html, "total-realized") == "$0.00"


def test_an_htmx_poll_gets_the_open_positions_fragment_alone(
    logged_in: Client, ten_yes_at_52: Position
) -> None:
    html = page(logged_in, **{"HX-Request": "true"}).strip()

    assert html.startswith('<section id="open-positions"')
    assert 'hx-get="/positions/" hx-trigger="every 5s"' in html
    assert f'<tr id="open-position-{ten_yes_at_52.pk}">' in html
    assert "<html" not in html


def test_the_pushed_fragment_renders_without_a_request(
    trader,  # noqa: F811
    ten_yes_at_52: Position,
) -> None:
    html = render_to_string(
        "portfolio/partials/_open_positions.html",
        selectors.open_positions_panel(user=trader),
    ).strip()

    assert html.startswith('<section id="open-positions"')
    assert field(html, f"open-position-{ten_yes_at_52.pk}", "liquidation") == "$4.83"
    assert text_of(html, "total-unrealized") == "+$0.10"


def test_the_dashboard_lists_open_positions_with_mark_and_unrealized(
    logged_in: Client, ten_yes_at_52: Position
) -> None:
    response = logged_in.get(reverse("portfolio:dashboard"))
    html = response.content.decode()

    row = re.search(rf'<tr id="position-{ten_yes_at_52.pk}">(.*?)</tr>', html, re.S)
    assert row
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells == [
        "Will it rain in Paris tomorrow?",
        "Yes",
        "10",
        "52¢",
        "53¢",
        "$5.20",
        "+$0.10",
        "-$0.05",
    ]
    # Net of fees, as the positions page's "Net realized" (its "Realized" is gross).
    headings = re.findall(r'<th scope="col" class="num">([^<]*)</th>', html)
    assert headings[-2:] == ["Unrealized", "Net realized"]


def test_an_unknown_view_or_page_falls_back_instead_of_failing(
    logged_in: Client,
) -> None:
    assert '<section id="open-positions"' in page(logged_in, "?view=bogus")
    assert "No closed positions yet" in page(logged_in, "?view=closed&page=abc")
