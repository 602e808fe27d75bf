from __future__ import annotations

import pytest
from django.test import override_settings

from accounts import services
from accounts.models import VenueCredential
from polybot.lib import crypto
from tests.factories.accounts import WalletFactory

pytestmark = pytest.mark.django_db

PRIVATE_KEY = "0x" + "4f" * 32
OTHER_KEY = crypto.generate_key()


def test_it_round_trips_a_secret() -> None:
    sealed = crypto.encrypt("s3cret", context="wallet:1:api_secret")
    assert sealed.key_id == "test"
    assert sealed.token.startswith("test$")
    assert "s3cret" not in sealed.token
    assert crypto.decrypt(sealed.token, context="wallet:1:api_secret") == "s3cret"


def test_it_uses_a_fresh_nonce_each_time() -> None:
    first = crypto.encrypt("same", context="c")
    second = crypto.encrypt("same", context="c")
    assert first.token != second.token


def test_it_refuses_a_ciphertext_moved_to_another_field() -> None:
    sealed = crypto.encrypt("s3cret", context="wallet:1:api_secret")
    with pytest.raises(
        crypto.SecretKeyError, match="cannot be decrypted with key id 'test'"
    ):
        crypto.decrypt(sealed.token, context="wallet:2:api_secret")


def test_it_refuses_to_encrypt_without_a_master_key() -> None:
    with (
        override_settings(ENCRYPTION_KEY=""),
        pytest.raises(crypto.SecretKeyError) as exc,
    ):
        crypto.encrypt("s3cret", context="c")
    assert str(exc.value) == crypto.SECRET_KEY_MISSING


def test_it_refuses_a_malformed_master_key() -> None:
    with (
        override_settings(ENCRYPTION_KEY="too-short"),
        pytest.raises(crypto.SecretKeyError) as exc,
    ):
        crypto.encrypt("s3cret", context="c")
    assert str(exc.value) == crypto.SECRET_KEY_INVALID


def test_it_refuses_the_wrong_key_with_a_clear_error() -> None:
    sealed = crypto.encrypt("s3cret", context="c")
    with (
        override_settings(ENCRYPTION_KEY=OTHER_KEY),
        pytest.raises(crypto.SecretKeyError) as exc,
    ):
        crypto.decrypt(sealed.token, context="c")
    assert str(exc.value) == crypto.SECRET_WRONG_KEY.format(key_id="test")


def test_it_reads_old_keys_during_rotation() -> None:
    sealed = crypto.encrypt("s3cret", context="c")
    from django.conf import settings

    with override_settings(ENCRYPTION_KEY=OTHER_KEY, ENCRYPTION_KEY_ID="k2",
                           ENCRYPTION_OLD_KEYS={"test": settings.ENCRYPTION_KEY}):  # fmt: skip
        assert crypto.decrypt(sealed.token, context="c") == "s3cret"
    with (
        override_settings(ENCRYPTION_KEY=OTHER_KEY, ENCRYPTION_KEY_ID="k2"),
        pytest.raises(crypto.SecretKeyError) as exc,
    ):
        crypto.decrypt(sealed.token, context="c")
    assert str(exc.value) == crypto.SECRET_KEY_UNKNOWN.format(key_id="test")


def test_it_stores_wallet_secrets_only_as_ciphertext() -> None:
    wallet = WalletFactory()
    services.credential_store(wallet=wallet, private_key=PRIVATE_KEY, api_key="key-1",
                              api_secret="c2VjcmV0", api_passphrase="phrase")  # fmt: skip
    row = VenueCredential.objects.get(wallet=wallet)
    stored = " ".join([row.private_key_encrypted, row.api_key_encrypted,
                       row.api_secret_encrypted, row.api_passphrase_encrypted])  # fmt: skip
    for plaintext in (PRIVATE_KEY, "key-1", "c2VjcmV0", "phrase"):
        assert plaintext not in stored
    assert row.key_id == "test"
    assert row.private_key_fingerprint == crypto.fingerprint(PRIVATE_KEY)
    assert (
        services.credential_reveal(credential=row, field="private_key") == PRIVATE_KEY
    )
    assert (
        services.credential_reveal(credential=row, field="api_passphrase") == "phrase"
    )


def test_it_rotates_credentials_to_the_current_key() -> None:
    from django.conf import settings

    wallet = WalletFactory()
    row = services.credential_store(wallet=wallet, private_key=PRIVATE_KEY)
    with override_settings(ENCRYPTION_KEY=OTHER_KEY, ENCRYPTION_KEY_ID="k2",
                           ENCRYPTION_OLD_KEYS={"test": settings.ENCRYPTION_KEY}):  # fmt: skip
        services.credential_rotate(credential=row)
        row.refresh_from_db()
        assert row.key_id == "k2"
        assert row.private_key_encrypted.startswith("k2$")
    with override_settings(ENCRYPTION_KEY=OTHER_KEY, ENCRYPTION_KEY_ID="k2"):
        assert (
            services.credential_reveal(credential=row, field="private_key")
            == PRIVATE_KEY
        )


def test_a_mangled_ciphertext_is_a_clear_key_error() -> None:
    with pytest.raises(crypto.SecretKeyError) as exc:
        crypto.decrypt("test$not*base64", context="c")
    assert str(exc.value) == crypto.SECRET_WRONG_KEY.format(key_id="test")
