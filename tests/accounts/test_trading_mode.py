"""accounts.trading_mode: live only with the server switch on, a wallet that
can sign, and the venue saying that wallet can trade."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import AuditAction, AuditLog, User
from accounts.services import LIVE_NEEDS_WALLET, LIVE_TRADING_DISABLED
from accounts.trading_mode import LIVE_CHECKS_FAILED, trading_mode_switch
from accounts.venue_checks import NO_ALLOWANCE, NO_API_CREDENTIALS, NO_PUSD
from polybot.exceptions import ApplicationError
from tests.accounts.conftest import EXCHANGE, SIGNER, D, connect, status

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_enabled(settings: Any) -> None:
    settings.LIVE_TRADING_ENABLED = True


def refusal(user: User) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        trading_mode_switch(user=user, mode="live")
    user.refresh_from_db()
    assert user.trading_mode == "paper"
    assert not AuditLog.objects.filter(action=AuditAction.MODE_CHANGE).exists()
    return exc.value


def test_it_refuses_live_when_the_server_disables_it(
    user: User, settings: Any, venue: Callable[[Any], None]
) -> None:
    settings.LIVE_TRADING_ENABLED = False
    connect(user)
    venue(status())

    error = refusal(user)

    assert (error.code, error.message) == (
        "live_trading_disabled",
        LIVE_TRADING_DISABLED,
    )


def test_it_refuses_live_without_a_wallet(user: User, live_enabled: None) -> None:
    error = refusal(user)

    assert (error.code, error.message) == ("live_needs_wallet", LIVE_NEEDS_WALLET)


def test_it_refuses_live_with_what_the_venue_says_is_missing(
    user: User, live_enabled: None, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(status(balance="0", exchange=D("0")))

    error = refusal(user)

    assert (error.code, error.message) == (
        "live_wallet_checks_failed",
        LIVE_CHECKS_FAILED,
    )
    assert error.details == {
        "problems": [
            NO_PUSD.format(address=SIGNER),
            NO_ALLOWANCE.format(contract="CTF exchange", address=EXCHANGE),
        ]
    }


def test_it_refuses_live_before_the_api_credentials_are_derived(
    user: User, live_enabled: None, venue: Callable[[Any], None]
) -> None:
    connect(user, derived=False)
    venue(status())

    error = refusal(user)

    assert error.details == {"problems": [NO_API_CREDENTIALS]}


def test_it_switches_to_live_when_the_checks_pass(
    user: User, live_enabled: None, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(status())

    trading_mode_switch(user=user, mode="live")

    user.refresh_from_db()
    assert user.trading_mode == "live"
    entry = AuditLog.objects.get(action=AuditAction.MODE_CHANGE)
    assert entry.data == {"from": "paper", "to": "live"}


def test_switching_back_to_paper_never_asks_the_venue(
    user: User, live_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(user)
    User.objects.filter(pk=user.pk).update(trading_mode="live")
    user.refresh_from_db()

    def never(**kwargs: Any) -> None:
        raise AssertionError("the venue must not be asked")

    monkeypatch.setattr("accounts.trading_mode.wallet_checks", never)

    trading_mode_switch(user=user, mode="paper")

    user.refresh_from_db()
    assert user.trading_mode == "paper"
