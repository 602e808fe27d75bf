"""Accounts tests never reach a real venue: the adapter points at a closed
local port (a call fails at once, as a venue that is down), unless a test
puts a fake client or the sandbox in its place."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account

from accounts.models import User
from accounts.services import credential_store
from accounts.wallets import wallet_connect
from polybot.polymarket.models import ApiCredentials, CollateralStatus, SpenderAllowance

CLOSED_PORT = "http://127.0.0.1:9"

# A fixed throwaway key (never funded anywhere) and its address.
PRIVATE_KEY = "0x" + "4c" * 32
SIGNER = Account.from_key(PRIVATE_KEY).address
OTHER_KEY = "0x" + "5d" * 32
OTHER_SIGNER = Account.from_key(OTHER_KEY).address
PROXY = "0x" + "ab" * 20


@pytest.fixture(autouse=True)
def _no_real_venue(settings: Any) -> None:
    settings.POLYMARKET_CLOB_URL = f"{CLOSED_PORT}/clob"
    settings.POLYMARKET_GAMMA_URL = f"{CLOSED_PORT}/gamma"
    settings.POLYMARKET_DATA_URL = f"{CLOSED_PORT}/data"
    settings.POLYMARKET_WS_URL = "ws://127.0.0.1:9/ws"
    settings.POLYMARKET_READ_TIMEOUT = 1


D = Decimal
EXCHANGE = "0xE111180000d2663C0091e4f400237545B87B996B"
NEG_RISK_EXCHANGE = "0xe2222d279d744050d28e00520010520000310F59"
NEG_RISK_ADAPTER = "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296"
UNLIMITED = D(2**256 - 1) / D(10**6)


def status(
    balance: str = "250", exchange: Decimal = UNLIMITED, adapter: Decimal = UNLIMITED
) -> CollateralStatus:
    return CollateralStatus(
        balance=D(balance),
        allowances=(
            SpenderAllowance("exchange", EXCHANGE, exchange),
            SpenderAllowance("neg_risk_exchange", NEG_RISK_EXCHANGE, UNLIMITED),
            SpenderAllowance("neg_risk_adapter", NEG_RISK_ADAPTER, adapter),
        ),
    )


class FakeClient:
    """The part of ``TradingClient`` the checks use."""

    def __init__(self, answer: CollateralStatus | Exception) -> None:
        self.answer = answer

    def collateral_status(self) -> CollateralStatus:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def create_or_derive_credentials(self) -> ApiCredentials:
        if isinstance(self.answer, Exception):
            raise self.answer
        return ApiCredentials(api_key="k-123", secret="c2VjcmV0", passphrase="pass")


@pytest.fixture
def venue(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], None]:
    def answer(reply: CollateralStatus | Exception) -> None:
        monkeypatch.setattr(
            "accounts.venue_checks.wallet_client",
            lambda wallet, config=None: FakeClient(reply),
        )

    return answer


def connect(user: User, *, derived: bool = True, **fields: Any) -> None:
    wallet = wallet_connect(
        user=user,
        address=SIGNER,
        signature_type=fields.get("signature_type", 0),
        funder=fields.get("funder", ""),
        private_key=PRIVATE_KEY,
    )
    if derived:
        credential_store(
            wallet=wallet, api_key="k-1", api_secret="c2VjcmV0", api_passphrase="p"
        )
