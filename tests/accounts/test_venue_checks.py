"""accounts.venue_checks with the venue client faked at the edge (STYLE R36);
tests/e2e/test_wallet_connect.py runs the same checks against the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User, VenueCredential
from accounts.services import credential_reveal
from accounts.venue_checks import (
    DERIVE_FAILED,
    NO_ALLOWANCE,
    NO_API_CREDENTIALS,
    NO_PUSD,
    NO_WALLET,
    VENUE_REFUSED,
    VENUE_UNREACHABLE,
    wallet_checks,
    wallet_credentials_derive,
)
from polybot.exceptions import ApplicationError, VenueError
from polybot.lib import crypto
from polybot.polymarket.errors import RejectCode, RejectedError, RetryableError
from tests.accounts.conftest import (
    EXCHANGE,
    NEG_RISK_ADAPTER,
    PROXY,
    D,
    connect,
    status,
)

pytestmark = pytest.mark.django_db


def problems(user: User) -> list[str]:
    return [p.message for p in wallet_checks(user=user).problems]


def test_without_a_wallet_the_check_says_to_connect_one(user: User) -> None:
    checks = wallet_checks(user=user)

    assert checks.ok is False
    assert checks.wallet is None
    assert [p.message for p in checks.problems] == [NO_WALLET]


def test_without_api_credentials_the_check_says_to_derive_them(
    user: User, venue: Callable[[Any], None]
) -> None:
    connect(user, derived=False)
    venue(status())

    checks = wallet_checks(user=user)

    assert [p.message for p in checks.problems] == [NO_API_CREDENTIALS]
    assert checks.balance is None


def test_a_funded_and_approved_wallet_passes(
    user: User, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(status(balance="250.5"))

    checks = wallet_checks(user=user)

    assert checks.ok is True
    assert checks.problems == ()
    assert checks.balance == D("250.5")
    assert [(a.label, a.ok, a.unlimited) for a in checks.allowances] == [
        ("CTF exchange", True, True),
        ("neg-risk exchange", True, True),
        ("neg-risk adapter", True, True),
    ]


def test_no_pusd_is_explained_with_the_funder_address(
    user: User, venue: Callable[[Any], None]
) -> None:
    connect(user, signature_type=2, funder=PROXY)
    venue(status(balance="0"))

    checks = wallet_checks(user=user)

    assert checks.ok is False
    assert checks.funder_address == "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    assert [p.message for p in checks.problems] == [
        NO_PUSD.format(address="0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB")
    ]
    assert [p.code for p in checks.problems] == ["no_pusd"]


def test_a_missing_allowance_is_named_with_its_contract(
    user: User, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(status(exchange=D("0"), adapter=D("0")))

    assert problems(user) == [
        NO_ALLOWANCE.format(contract="CTF exchange", address=EXCHANGE),
        NO_ALLOWANCE.format(contract="neg-risk adapter", address=NEG_RISK_ADAPTER),
    ]


def test_a_small_allowance_counts_as_granted_and_shows_its_amount(
    user: User, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(status(exchange=D("25")))

    checks = wallet_checks(user=user)

    assert checks.ok is True
    assert (checks.allowances[0].amount, checks.allowances[0].unlimited) == (
        D("25"),
        False,
    )


def test_a_venue_that_does_not_answer_is_a_problem_not_an_error(
    user: User, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(RetryableError("GET /balance-allowance: timed out"))

    checks = wallet_checks(user=user)

    assert checks.ok is False
    assert checks.balance is None
    assert [p.message for p in checks.problems] == [
        VENUE_UNREACHABLE.format(detail="GET /balance-allowance: timed out")
    ]


def test_a_venue_refusal_is_explained(user: User, venue: Callable[[Any], None]) -> None:
    connect(user)
    venue(RejectedError("Unauthorized/Invalid api key", code=RejectCode.UNAUTHORIZED))

    assert problems(user) == [
        VENUE_REFUSED.format(detail="Unauthorized/Invalid api key")
    ]


def test_a_venue_that_is_down_reads_as_unreachable(user: User) -> None:
    # No fake: the adapter itself meets the closed port of tests/accounts.
    connect(user)

    checks = wallet_checks(user=user)

    assert [p.code for p in checks.problems] == ["venue_unreachable"]
    assert checks.problems[0].message.startswith("The venue did not answer (")


def test_an_unexpected_failure_is_logged_and_refuses(
    user: User, venue: Callable[[Any], None], caplog: pytest.LogCaptureFixture
) -> None:
    connect(user)
    venue(KeyError("surprise"))

    checks = wallet_checks(user=user)

    assert [p.code for p in checks.problems] == ["check_failed"]
    assert "wallet check of user" in caplog.text


def test_deriving_stores_the_credentials_encrypted(
    user: User, venue: Callable[[Any], None]
) -> None:
    connect(user, derived=False)
    venue(status())

    credential = wallet_credentials_derive(user=user)

    row = VenueCredential.objects.get(pk=credential.pk)
    assert row.has_api_credentials is True
    assert "k-123" not in row.api_key_encrypted
    assert row.api_key_fingerprint == crypto.fingerprint("k-123")
    assert credential_reveal(credential=row, field="api_key") == "k-123"
    assert credential_reveal(credential=row, field="api_passphrase") == "pass"


def test_deriving_when_the_venue_fails_stores_nothing(
    user: User, venue: Callable[[Any], None]
) -> None:
    connect(user, derived=False)
    venue(RetryableError("GET /auth/derive-api-key: connection refused"))

    with pytest.raises(VenueError) as exc:
        wallet_credentials_derive(user=user)

    assert exc.value.message == DERIVE_FAILED.format(
        detail="GET /auth/derive-api-key: connection refused"
    )
    assert exc.value.status_code == 502
    assert VenueCredential.objects.get().has_api_credentials is False


def test_deriving_without_a_wallet_says_to_connect_one(user: User) -> None:
    with pytest.raises(ApplicationError) as exc:
        wallet_credentials_derive(user=user)

    assert exc.value.message == NO_WALLET
