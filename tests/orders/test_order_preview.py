"""The ticket's preview (``orders.preview.order_preview``): what an order
would cost, pay and risk against the live book, and the verdict of the same
checks placing runs, without persisting or sending anything."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import AuditLog, User
from accounts.selectors import bot_settings_get
from markets.models import Market, Outcome
from orders import risk
from orders.models import Order
from orders.preview import order_preview
from orders.validation import MSG_EXPIRATION_TOO_SOON, OrderRequest
from polybot.lib.time import utc_now
from tests.orders.conftest import set_book

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def book(yes: Outcome, no: Outcome) -> None:
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "100")])


def buy(market: Market, outcome: Outcome, price: str, size: str, **kw) -> OrderRequest:
    return OrderRequest(
        market_id=market.pk, token_id=outcome.token_id, side=kw.pop("side", "BUY"),
        price=D(price), size=D(size), **kw,
    )  # fmt: skip


def test_a_marketable_buy_previews_cost_fee_payout_and_worst_case_loss(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    preview = order_preview(user=trader, request=buy(market, yes, "0.52", "10"))

    assert preview.marketable is True
    assert preview.notional == D("5.20")
    # The fixture's curve: 10 shares x 0.02 x (0.52 x 0.48)^1.
    assert preview.fee == D("0.049920")
    assert preview.cost == D("5.249920")
    assert preview.payout_if_wins == D("10")
    assert preview.worst_case_loss == D("5.249920")
    assert preview.fillable == D("10")
    assert preview.average_price == D("0.520000")
    assert preview.violations == []
    assert preview.passes


def test_a_resting_buy_previews_no_fee(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    preview = order_preview(user=trader, request=buy(market, yes, "0.45", "10"))

    assert preview.marketable is False
    assert preview.fee == D("0")
    assert preview.cost == D("4.50")
    assert preview.worst_case_loss == D("4.50")
    assert preview.payout_if_wins == D("10")
    assert (preview.fillable, preview.average_price) == (D("0"), None)
    assert preview.passes


def test_a_buy_through_two_levels_previews_their_average_price(
    trader: User, market: Market, yes: Outcome
) -> None:
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "4"), ("0.53", "10"), ("0.55", "50")])  # fmt: skip

    preview = order_preview(user=trader, request=buy(market, yes, "0.53", "20"))

    # 4 at 0.52 and 10 at 0.53 are within the limit; 0.55 is not.
    assert preview.fillable == D("14")
    assert preview.average_price == D("0.527143")  # (2.08 + 5.30) / 14
    assert preview.fills_completely is False


def test_a_sell_previews_what_the_bids_fill_down_to_its_limit(
    trader: User, market: Market, yes: Outcome
) -> None:
    set_book(yes.token_id, bids=[("0.50", "4"), ("0.48", "10"), ("0.45", "50")], asks=[])  # fmt: skip

    preview = order_preview(user=trader, request=buy(market, yes, "0.48", "20", side="SELL"))  # fmt: skip

    # 4 at 0.50 and 10 at 0.48 are at or above the limit; 0.45 is not.
    assert preview.fillable == D("14")
    assert preview.average_price == D("0.485714")  # (2.00 + 4.80) / 14
    # The fee shown is the one the risk rules judged: all 20 at the limit.
    assert preview.fee == D("0.099840")  # 20 x 0.02 x 0.48 x 0.52


def test_a_sell_previews_its_proceeds_and_what_the_shares_could_pay(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    sell = buy(market, yes, "0.50", "10", side="SELL")

    preview = order_preview(user=trader, request=sell)

    assert preview.marketable is True
    assert preview.fee == D("0.050000")  # 10 x 0.02 x 0.25
    assert preview.cost == D("4.950000")  # proceeds
    assert preview.payout_if_wins == D("4.950000")
    assert preview.worst_case_loss == D("5.050000")  # 10 x 1 - 4.95
    # Nothing is held: the same rule placing applies says so.
    assert preview.violations == [
        risk.RiskViolation(
            risk.SELL_MORE_THAN_HELD,
            risk.RISK_SELL_MORE_THAN_HELD.format(held=D("0")),
            "size",
        )
    ]


def test_an_order_over_the_max_bet_previews_the_risk_violation(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    preview = order_preview(user=trader, request=buy(market, yes, "0.45", "1200"))

    assert preview.violations == [
        risk.RiskViolation(
            risk.MAX_NOTIONAL,
            "This order is worth $540.00, over your limit of $500.00 per order.",
            "size",
        )
    ]
    assert preview.passes is False


def test_a_halted_account_previews_the_halt(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    bot = bot_settings_get(user=trader)
    bot.trading_halted, bot.halt_reason = True, "kill_switch"
    bot.save()

    preview = order_preview(user=trader, request=buy(market, yes, "0.45", "10"))

    assert [v.message for v in preview.violations] == [risk.RISK_KILL_SWITCH]


def test_a_gtd_order_expiring_too_soon_previews_its_figures_and_the_reason(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    soon = utc_now() + timedelta(minutes=1)
    request = buy(market, yes, "0.45", "10", order_type="GTD", expiration=soon)

    preview = order_preview(user=trader, request=request)

    assert preview.cost == D("4.50")
    assert [v.message for v in preview.violations] == [MSG_EXPIRATION_TOO_SOON]


def test_a_preview_persists_and_sends_nothing(
    trader: User, market: Market, yes: Outcome, book: None
) -> None:
    audit_before = AuditLog.objects.count()

    order_preview(user=trader, request=buy(market, yes, "0.52", "10"))
    order_preview(user=trader, request=buy(market, yes, "0.45", "5000"))

    assert Order.objects.count() == 0
    assert AuditLog.objects.count() == audit_before
