"""What live trading needs from the venue, asked of the venue itself: L2 API
credentials, pUSD on the funder address, and the funder's pUSD allowance
for every contract that settles orders (API.md §3, §4.2, §4.4).

The checks never raise for what the venue does: a venue that is down, slow
or refusing becomes one more problem with a plain explanation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from accounts.models import User, VenueCredential, Wallet
from accounts.selectors import wallet_active
from orders.exchange.venue_client import (
    api_credentials_derive,
    venue_config,
    wallet_client,
)
from polybot.exceptions import ApplicationError, VenueError
from polybot.lib import crypto
from polybot.lib.time import utc_now
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import PolymarketError, RejectedError

logger = logging.getLogger(__name__)

NO_WALLET = "No wallet connected: add one with its private key first."
NO_API_CREDENTIALS = (
    "API credentials not derived: use “Derive API credentials”. The venue "
    "needs them to report balances and to accept orders."
)
NO_PUSD = (
    "No pUSD on the funder address {address}: deposit pUSD there (USDC.e is "
    "no longer collateral; wrap it into pUSD), then check again."
)
NO_ALLOWANCE = (
    "Allowance for the {contract} ({address}) is 0: approve pUSD spending for "
    "it from the funder address (polymarket.com does this when you enable "
    "trading), then check again."
)
VENUE_UNREACHABLE = (
    "The venue did not answer ({detail}): the balance and allowances could not "
    "be checked. Try again in a moment."
)
VENUE_REFUSED = (
    "The venue refused the check ({detail}). If it names the API key, derive "
    "the API credentials again."
)
SECRETS_UNREADABLE = (
    "The stored wallet secrets cannot be decrypted with this server's "
    "ENCRYPTION_KEY: connect the wallet again."
)
CHECK_FAILED = "The venue check failed unexpectedly; the error has been logged."
DERIVE_FAILED = (
    "The venue did not give the API credentials ({detail}). Nothing was stored; "
    "try again in a moment."
)

CONTRACT_LABELS = {
    "exchange": "CTF exchange",
    "neg_risk_exchange": "neg-risk exchange",
    "neg_risk_adapter": "neg-risk adapter",
}
# A page waits for these checks: fail fast rather than retry for long.
_CHECK_RETRIES = 1
_CHECK_CONNECT_TIMEOUT = 3.0
_CHECK_READ_TIMEOUT = 8.0
ZERO = Decimal(0)
# More pUSD than exists: an approval of 2**256 - 1 base units, or close to it.
UNLIMITED = Decimal(10) ** 15


@dataclass(frozen=True)
class WalletProblem:
    code: str
    message: str


@dataclass(frozen=True)
class AllowanceCheck:
    name: str
    label: str
    address: str
    amount: Decimal

    @property
    def ok(self) -> bool:
        return self.amount > 0

    @property
    def unlimited(self) -> bool:
        """Approved "for everything" (the usual MAX_UINT256 approval)."""
        return self.amount >= UNLIMITED


@dataclass(frozen=True)
class WalletChecks:
    """``ok`` when a wallet is connected and nothing is missing. ``balance``
    is ``None`` when the venue could not be asked."""

    wallet: Wallet | None
    problems: tuple[WalletProblem, ...] = ()
    balance: Decimal | None = None
    allowances: tuple[AllowanceCheck, ...] = ()
    checked_at: datetime = field(default_factory=utc_now)

    @property
    def ok(self) -> bool:
        return self.wallet is not None and not self.problems

    @property
    def funder_address(self) -> str:
        if self.wallet is None:
            return ""
        return self.wallet.funder or self.wallet.address


def wallet_checks(*, user: User) -> WalletChecks:
    """Ask the venue whether the user's active wallet can trade live. Reads
    only; never moves money and never raises for the venue's behaviour."""
    wallet = wallet_active(user=user)
    if wallet is None:
        return WalletChecks(wallet=None, problems=(_problem("no_wallet", NO_WALLET),))
    if not wallet.credential.has_api_credentials:
        return WalletChecks(
            wallet=wallet,
            problems=(_problem("no_api_credentials", NO_API_CREDENTIALS),),
        )
    try:
        status = wallet_client(wallet, _check_config()).collateral_status()
    except RejectedError as exc:
        return _failed(wallet, "venue_refused", VENUE_REFUSED.format(detail=exc))
    except PolymarketError as exc:
        return _failed(
            wallet, "venue_unreachable", VENUE_UNREACHABLE.format(detail=exc)
        )
    except crypto.SecretKeyError:
        return _failed(wallet, "secrets_unreadable", SECRETS_UNREADABLE)
    except Exception:
        # A page must still render and the live switch must still refuse.
        logger.exception("wallet check of user %s failed", user.pk)
        return _failed(wallet, "check_failed", CHECK_FAILED)
    allowances = tuple(
        AllowanceCheck(
            name=a.name,
            label=CONTRACT_LABELS.get(a.name, a.name),
            address=a.address,
            amount=a.amount,
        )
        for a in status.allowances
    )
    problems = []
    funder = wallet.funder or wallet.address
    if status.balance <= ZERO:
        problems.append(_problem("no_pusd", NO_PUSD.format(address=funder)))
    problems.extend(
        _problem(
            f"no_allowance_{a.name}",
            NO_ALLOWANCE.format(contract=a.label, address=a.address),
        )
        for a in allowances
        if not a.ok
    )
    return WalletChecks(
        wallet=wallet,
        problems=tuple(problems),
        balance=status.balance,
        allowances=allowances,
    )


def wallet_credentials_derive(*, user: User) -> VenueCredential:
    """Create or derive the active wallet's L2 API credentials at the venue
    (L1-signed with its key) and store them encrypted. Raises
    ``ApplicationError`` without a wallet and ``VenueError`` (502) when the
    venue does not give them."""
    wallet = wallet_active(user=user)
    if wallet is None:
        raise ApplicationError(NO_WALLET, code="no_wallet")
    try:
        return api_credentials_derive(wallet, wallet_client(wallet, _check_config()))
    except PolymarketError as exc:
        raise VenueError(DERIVE_FAILED.format(detail=exc)) from exc


def _check_config() -> VenueConfig:
    config = venue_config()
    return replace(
        config,
        read_retries=min(config.read_retries, _CHECK_RETRIES),
        connect_timeout=min(config.connect_timeout, _CHECK_CONNECT_TIMEOUT),
        read_timeout=min(config.read_timeout, _CHECK_READ_TIMEOUT),
    )


def _problem(code: str, message: str) -> WalletProblem:
    return WalletProblem(code=code, message=message)


def _failed(wallet: Wallet, code: str, message: str) -> WalletChecks:
    return WalletChecks(wallet=wallet, problems=(_problem(code, message),))
