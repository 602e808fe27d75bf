"""accounts.paper: resetting paper cash cancels the open paper orders first,
so no reservation outlives the balance it was made against."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditLog, User
from accounts.paper import PAPER_ORDERS_STILL_OPEN, PaperReset, paper_balance_reset
from orders.models import Order
from polybot.exceptions import ApplicationError
from portfolio.cash import paper_cash_balance, paper_cash_post, paper_cash_reserved
from portfolio.models import CashEntryKind, CashLedgerEntry
from tests.factories.accounts import BotSettingsFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def spent(user: User) -> User:
    """A paper account that started with 2,500 and has spent 1,234.56."""
    BotSettingsFactory(user=user, paper_starting_balance=D("2500"))
    paper_cash_post(user, kind=CashEntryKind.BUY, amount=D("-1234.56"))
    return user


def test_it_sets_the_paper_balance_to_the_starting_balance_exactly(
    spent: User,
) -> None:
    assert paper_cash_balance(spent) == D("1265.44")

    result = paper_balance_reset(user=spent)

    assert result == PaperReset(balance=D("2500"), cancelled_orders=0)
    assert paper_cash_balance(spent) == D("2500")
    entry = CashLedgerEntry.objects.filter(user=spent).latest("id")
    assert (entry.kind, entry.amount, entry.balance_after) == (
        CashEntryKind.RESET,
        D("1234.56"),
        D("2500"),
    )


def test_it_cancels_open_paper_orders_first_and_leaves_live_ones(
    spent: User,
) -> None:
    resting = OrderFactory(user=spent, status="open", price=D("0.40"), size=D("10"))
    partial = OrderFactory(user=spent, status="partial", size=D("10"))
    live = OrderFactory(user=spent, mode="live", status="open")
    assert paper_cash_reserved(spent) == D("8")

    result = paper_balance_reset(user=spent)

    assert result.cancelled_orders == 2
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        resting.pk: "cancelled",
        partial.pk: "cancelled",
        live.pk: "open",
    }
    assert paper_cash_reserved(spent) == D("0")
    assert paper_cash_balance(spent) == D("2500")


def test_it_refuses_while_an_order_could_not_be_cancelled(
    spent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    OrderFactory(user=spent, status="open")
    # A cancel that lost a race: the order is still open afterwards.
    monkeypatch.setattr("accounts.paper.order_cancel_all", lambda **kwargs: 0)

    with pytest.raises(ApplicationError) as exc:
        paper_balance_reset(user=spent)

    assert exc.value.message == PAPER_ORDERS_STILL_OPEN.format(count=1, s="")
    assert exc.value.status_code == 409
    assert paper_cash_balance(spent) == D("1265.44")


def test_the_reset_is_audit_logged(spent: User) -> None:
    paper_balance_reset(user=spent)

    entry = AuditLog.objects.get(message__startswith="Paper balance reset")
    assert entry.action == AuditAction.SETTINGS_CHANGE
    assert entry.message == "Paper balance reset to 2500"
    assert entry.data == {
        "paper_balance_reset": "2500",
        "previous_balance": "1265.44",
        "cancelled_orders": 0,
    }


def test_a_fresh_account_resets_to_its_starting_balance(user: User) -> None:
    BotSettingsFactory(user=user, paper_starting_balance=D("750.25"))

    result = paper_balance_reset(user=user)

    assert result.balance == D("750.25")
    assert paper_cash_balance(user) == D("750.25")
