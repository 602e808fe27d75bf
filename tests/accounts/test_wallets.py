"""accounts.wallets: connecting a wallet checks the key against the signer
address, stores it encrypted only, and never lets it out again."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from eth_utils import to_checksum_address

from accounts.models import AuditAction, AuditLog, User, VenueCredential, Wallet
from accounts.services import credential_reveal, credential_store
from accounts.wallets import (
    ADDRESS_INVALID,
    ENCRYPTION_UNAVAILABLE,
    FUNDER_INVALID,
    FUNDER_IS_SIGNER,
    FUNDER_NOT_FOR_EOA,
    FUNDER_REQUIRED,
    NO_WALLET_TO_DISCONNECT,
    PRIVATE_KEY_INVALID,
    PRIVATE_KEY_MISMATCH,
    SIGNATURE_TYPE_INVALID,
    WALLET_INVALID,
    WALLET_LOCKED_WHILE_LIVE,
    wallet_connect,
    wallet_disconnect,
)
from polybot.exceptions import ApplicationError
from polybot.lib import crypto
from tests.accounts.conftest import OTHER_KEY, OTHER_SIGNER, PRIVATE_KEY, PROXY, SIGNER
from tests.factories.accounts import WalletFactory

pytestmark = pytest.mark.django_db

KEY_DIGITS = PRIVATE_KEY.removeprefix("0x")


def _connect(user: User, **overrides: object) -> Wallet:
    values: dict[str, object] = {
        "address": SIGNER,
        "signature_type": 0,
        "funder": "",
        "private_key": PRIVATE_KEY,
        "label": "bot",
    }
    values.update(overrides)
    return wallet_connect(user=user, **values)  # type: ignore[arg-type]


def _details(exc: pytest.ExceptionInfo[ApplicationError]) -> dict[str, list[str]]:
    assert exc.value.code == "validation_error"
    assert exc.value.message == WALLET_INVALID
    return exc.value.details


def test_it_connects_an_eoa_wallet_and_stores_only_ciphertext(user: User) -> None:
    wallet = _connect(user)

    wallet = Wallet.objects.get(pk=wallet.pk)
    assert (wallet.address, wallet.signature_type, wallet.funder, wallet.label) == (
        SIGNER,
        0,
        "",
        "bot",
    )
    assert wallet.is_active is True
    assert wallet.chain_id == 137
    credential = VenueCredential.objects.get(wallet=wallet)
    row = str(model_to_dict(credential)) + str(model_to_dict(wallet))
    assert KEY_DIGITS not in row.lower()
    assert credential.private_key_encrypted.startswith("test$")
    assert credential.private_key_fingerprint == crypto.fingerprint(PRIVATE_KEY)
    assert credential_reveal(credential=credential, field="private_key") == PRIVATE_KEY
    user.refresh_from_db()
    assert user.wallet_address == SIGNER


def test_it_accepts_the_key_without_0x_in_any_case_with_one_fingerprint(
    user: User,
) -> None:
    wallet = _connect(user, private_key=f"  {KEY_DIGITS.upper()}  ")

    assert wallet.credential.private_key_fingerprint == crypto.fingerprint(PRIVATE_KEY)


def test_it_refuses_a_key_of_another_address_and_stores_nothing(user: User) -> None:
    with pytest.raises(ApplicationError) as exc:
        _connect(user, private_key=OTHER_KEY)

    assert _details(exc) == {
        "private_key": [PRIVATE_KEY_MISMATCH.format(key_address=OTHER_SIGNER)]
    }
    assert Wallet.objects.count() == 0
    assert VenueCredential.objects.count() == 0
    assert AuditLog.objects.count() == 0
    user.refresh_from_db()
    assert user.wallet_address == ""


@pytest.mark.parametrize(
    "key",
    [
        "",
        "0x1234",
        "0x" + "g" * 64,
        "0x" + "4c" * 33,
        "0x" + "00" * 32,  # not a usable secp256k1 key
        "0X" + "4c" * 32,
    ],
    ids=["empty", "short", "not-hex", "long", "zero", "upper-0X"],
)
def test_it_refuses_a_malformed_key(user: User, key: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        _connect(user, private_key=key)

    assert _details(exc) == {"private_key": [PRIVATE_KEY_INVALID]}
    assert Wallet.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "details"),
    [
        ({"address": "0x1234"}, {"address": [ADDRESS_INVALID]}),
        ({"address": "not an address"}, {"address": [ADDRESS_INVALID]}),
        ({"signature_type": 4}, {"signature_type": [SIGNATURE_TYPE_INVALID]}),
        ({"signature_type": -1}, {"signature_type": [SIGNATURE_TYPE_INVALID]}),
        ({"signature_type": "eoa"}, {"signature_type": [SIGNATURE_TYPE_INVALID]}),
        ({"funder": PROXY}, {"funder": [FUNDER_NOT_FOR_EOA]}),
        ({"signature_type": 1}, {"funder": [FUNDER_REQUIRED]}),
        ({"signature_type": 2, "funder": "0xnope"}, {"funder": [FUNDER_INVALID]}),
        ({"signature_type": 3, "funder": SIGNER}, {"funder": [FUNDER_IS_SIGNER]}),
    ],
    ids=[
        "short-address",
        "garbage-address",
        "type-4",
        "type-negative",
        "type-word",
        "funder-on-eoa",
        "proxy-without-funder",
        "safe-bad-funder",
        "deposit-funder-is-signer",
    ],
)
def test_it_refuses_bad_fields_with_an_error_on_each(
    user: User, overrides: dict[str, object], details: dict[str, list[str]]
) -> None:
    with pytest.raises(ApplicationError) as exc:
        _connect(user, **overrides)

    assert _details(exc) == details
    assert Wallet.objects.count() == 0
    assert VenueCredential.objects.count() == 0


def test_it_reports_every_bad_field_at_once(user: User) -> None:
    with pytest.raises(ApplicationError) as exc:
        _connect(user, address="0x12", signature_type=9, private_key="nope")

    assert _details(exc) == {
        "address": [ADDRESS_INVALID],
        "signature_type": [SIGNATURE_TYPE_INVALID],
        "private_key": [PRIVATE_KEY_INVALID],
    }


@pytest.mark.parametrize("signature_type", [1, 2, 3])
def test_a_proxy_safe_or_deposit_wallet_signs_with_its_owner_key_for_the_funder(
    user: User, signature_type: int
) -> None:
    wallet = _connect(user, signature_type=signature_type, funder=PROXY)

    wallet.refresh_from_db()
    assert wallet.address == SIGNER
    assert wallet.signature_type == signature_type
    assert wallet.funder == to_checksum_address(PROXY)


def test_an_eoa_funder_equal_to_the_address_is_dropped(user: User) -> None:
    wallet = _connect(user, funder=SIGNER.lower())

    assert Wallet.objects.get(pk=wallet.pk).funder == ""


def test_it_stores_the_address_checksummed_whatever_case_was_typed(
    user: User,
) -> None:
    wallet = _connect(user, address=SIGNER.lower())

    assert Wallet.objects.get(pk=wallet.pk).address == SIGNER


def test_the_new_wallet_becomes_the_only_active_one(user: User) -> None:
    old = WalletFactory(user=user, is_active=True)
    theirs = WalletFactory(is_active=True)

    wallet = _connect(user)

    assert list(
        Wallet.objects.filter(user=user, is_active=True).values_list("pk", flat=True)
    ) == [wallet.pk]
    old.refresh_from_db()
    theirs.refresh_from_db()
    assert old.is_active is False
    assert theirs.is_active is True


def test_connecting_the_same_address_again_updates_that_wallet(user: User) -> None:
    first = _connect(user)

    again = _connect(
        user, address=SIGNER.lower(), signature_type=2, funder=PROXY, label="safe"
    )

    assert again.pk == first.pk
    assert Wallet.objects.count() == 1
    again.refresh_from_db()
    assert (again.signature_type, again.funder, again.label) == (
        2,
        to_checksum_address(PROXY),
        "safe",
    )


def test_connecting_is_audit_logged_without_the_key(user: User) -> None:
    wallet = _connect(user)

    entry = AuditLog.objects.filter(message__startswith="Wallet").get()
    assert entry.action == AuditAction.CREDENTIAL_CHANGE
    assert entry.object_id == str(wallet.pk)
    assert entry.data == {
        "address": SIGNER,
        "signature_type": 0,
        "funder": "",
        "private_key_fingerprint": crypto.fingerprint(PRIVATE_KEY),
    }
    everything = str(list(AuditLog.objects.values()))
    assert KEY_DIGITS not in everything.lower()


def test_it_refuses_to_change_the_wallet_while_trading_live(user: User) -> None:
    User.objects.filter(pk=user.pk).update(trading_mode="live")
    user.refresh_from_db()

    with pytest.raises(ApplicationError) as exc:
        _connect(user)

    assert exc.value.message == WALLET_LOCKED_WHILE_LIVE
    assert exc.value.code == "wallet_locked"
    assert Wallet.objects.count() == 0


def test_without_a_master_key_nothing_is_stored(user: User, settings) -> None:
    settings.ENCRYPTION_KEY = ""

    with pytest.raises(ApplicationError) as exc:
        _connect(user)

    assert exc.value.message == ENCRYPTION_UNAVAILABLE
    assert exc.value.status_code == 503
    assert Wallet.objects.count() == 0
    assert VenueCredential.objects.count() == 0


def test_disconnecting_erases_the_secrets_and_keeps_the_address(user: User) -> None:
    wallet = _connect(user)

    wallet_disconnect(user=user)

    wallet.refresh_from_db()
    assert wallet.is_active is False
    assert VenueCredential.objects.count() == 0
    user.refresh_from_db()
    assert user.wallet_address == ""
    entry = AuditLog.objects.filter(message__endswith="disconnected").get()
    assert entry.data == {"address": SIGNER, "secrets_erased": True}


def test_disconnecting_without_a_wallet_says_so(user: User) -> None:
    with pytest.raises(ApplicationError) as exc:
        wallet_disconnect(user=user)

    assert exc.value.message == NO_WALLET_TO_DISCONNECT


def test_disconnecting_is_refused_while_trading_live(user: User) -> None:
    _connect(user)
    User.objects.filter(pk=user.pk).update(trading_mode="live")
    user.refresh_from_db()

    with pytest.raises(ApplicationError) as exc:
        wallet_disconnect(user=user)

    assert exc.value.message == WALLET_LOCKED_WHILE_LIVE
    assert VenueCredential.objects.count() == 1


def test_connecting_another_wallet_erases_the_old_ones_secrets(user: User) -> None:
    old = _connect(user)
    credential_store(wallet=old, api_key="k", api_secret="s", api_passphrase="p")

    new = _connect(user, address=OTHER_SIGNER, private_key=OTHER_KEY)

    assert not VenueCredential.objects.filter(wallet=old).exists()
    old.refresh_from_db()
    assert (old.is_active, old.address) == (False, SIGNER)
    credential = VenueCredential.objects.get(wallet=new)
    assert credential_reveal(credential=credential, field="private_key") == OTHER_KEY
    entry = AuditLog.objects.filter(message__endswith="replaced").get()
    assert entry.action == AuditAction.CREDENTIAL_CHANGE
    assert entry.object_id == str(old.pk)
    assert entry.data == {
        "address": SIGNER,
        "replaced_by": OTHER_SIGNER,
        "secrets_erased": True,
    }


def test_reconnecting_the_same_wallet_keeps_its_api_credentials(user: User) -> None:
    wallet = _connect(user)
    credential_store(wallet=wallet, api_key="k", api_secret="s", api_passphrase="p")

    _connect(user, label="renamed")

    credential = VenueCredential.objects.get(wallet=wallet)
    assert credential_reveal(credential=credential, field="api_key") == "k"
    assert not AuditLog.objects.filter(message__endswith="replaced").exists()
