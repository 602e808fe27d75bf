"""POST /api/v1/auth/connect-wallet: the same service as Settings, behind
the API's envelope and scopes. The key goes in once and never comes out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from eth_account import Account

from accounts.models import AuditAction, AuditLog, User, VenueCredential, Wallet
from accounts.wallets import (
    ADDRESS_INVALID,
    FUNDER_REQUIRED,
    PRIVATE_KEY_INVALID,
    PRIVATE_KEY_MISMATCH,
    SIGNATURE_TYPE_INVALID,
    WALLET_INVALID,
)
from polybot.api.permissions import SCOPE_TRADE_REQUIRED
from polybot.lib import crypto
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/connect-wallet"
PRIVATE_KEY = "0x" + "7e" * 32
SIGNER = Account.from_key(PRIVATE_KEY).address
OTHER_SIGNER = Account.from_key("0x" + "7f" * 32).address
SAFE = "0x" + "cd" * 20
BODY = {
    "address": SIGNER,
    "signatureType": 0,
    "funder": "",
    "privateKey": PRIVATE_KEY,
    "label": "api bot",
}


def post(client: Client, body: dict, **kwargs) -> object:
    return client.post(URL, body, content_type="application/json", **kwargs)


def test_a_read_key_is_refused_and_nothing_is_stored(
    client: Client, make_api_key: Callable[..., str]
) -> None:
    response = post(client, BODY, headers=bearer(make_api_key(scopes=("read",))))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["error"] == SCOPE_TRADE_REQUIRED
    assert Wallet.objects.count() == 0


def test_anonymous_callers_are_401(client: Client) -> None:
    assert post(client, BODY).status_code == 401


def test_a_trade_key_connects_the_wallet_and_the_write_is_audit_logged(
    client: Client, user: User, make_api_key: Callable[..., str]
) -> None:
    raw = make_api_key(scopes=("trade",))

    response = post(
        client, BODY, headers={**bearer(raw), "X-Request-ID": "connect-wallet-1"}
    )

    assert response.status_code == 201
    body = response.json()
    wallet = Wallet.objects.get(user=user)
    assert body["success"] is True
    assert body["data"] == {
        "id": wallet.pk,
        "address": SIGNER,
        "signatureType": 0,
        "funder": "",
        "label": "api bot",
        "privateKeyFingerprint": crypto.fingerprint(PRIVATE_KEY),
        "apiCredentialsDerived": False,
    }
    entry = AuditLog.objects.get(
        action=AuditAction.CREDENTIAL_CHANGE, message__startswith="Wallet"
    )
    assert entry.request_id == "connect-wallet-1"
    assert entry.user == user


def test_the_key_is_nowhere_in_the_answer_or_the_rows(
    client_logged_in: Client, user: User
) -> None:
    response = post(client_logged_in, BODY)

    digits = PRIVATE_KEY.removeprefix("0x")
    assert response.status_code == 201
    assert digits not in response.content.decode().lower()
    assert 'privateKey"' not in response.content.decode()
    credential = VenueCredential.objects.get(wallet__user=user)
    rows = str(model_to_dict(credential)) + str(list(AuditLog.objects.values()))
    assert digits not in rows.lower()


def test_a_safe_wallet_names_its_funder(client_logged_in: Client) -> None:
    response = post(
        client_logged_in, {**BODY, "signatureType": 2, "funder": SAFE, "label": ""}
    )

    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["signatureType"], data["funder"]) == (
        2,
        "0xCdCDCdCdcdcdcdCdcDcDCdcDcDCdCdcdCdcDCDcD",
    )


@pytest.mark.parametrize(
    ("change", "details"),
    [
        ({"privateKey": "0x" + "7f" * 32}, {"privateKey": [
            PRIVATE_KEY_MISMATCH.format(key_address=OTHER_SIGNER)]}),
        ({"privateKey": "0xabc"}, {"privateKey": [PRIVATE_KEY_INVALID]}),
        ({"address": "0xabc"}, {"address": [ADDRESS_INVALID]}),
        ({"signatureType": 5}, {"signatureType": [SIGNATURE_TYPE_INVALID]}),
        ({"signatureType": 1}, {"funder": [FUNDER_REQUIRED]}),
    ],
    ids=["key-of-another-address", "bad-key", "bad-address", "type-5", "no-funder"],
)  # fmt: skip
def test_bad_input_is_a_400_with_details_per_field(
    client_logged_in: Client, change: dict, details: dict
) -> None:
    response = post(client_logged_in, {**BODY, **change})

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["error"]) == ("validation_error", WALLET_INVALID)
    assert body["details"] == details
    assert Wallet.objects.count() == 0
    assert VenueCredential.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"address": ["This field is required."],
              "signatureType": ["This field is required."],
              "privateKey": ["This field is required."]}),
        ({**BODY, "signatureType": "zero"},
         {"signatureType": ["A valid integer is required."]}),
        ({**BODY, "privateKey": "0x" + "7e" * 40},
         {"privateKey": ["Ensure this field has no more than 66 characters."]}),
    ],
    ids=["empty", "type-not-a-number", "key-too-long"],
)  # fmt: skip
def test_a_malformed_request_is_a_400_and_never_echoes_the_key(
    client_logged_in: Client, body: dict, details: dict
) -> None:
    response = post(client_logged_in, body)

    assert response.status_code == 400
    assert response.json()["details"] == details
    assert "7e7e7e" not in response.content.decode()
    assert Wallet.objects.count() == 0


def test_malformed_json_is_a_400(client_logged_in: Client) -> None:
    response = client_logged_in.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert Wallet.objects.count() == 0


def test_the_schema_documents_the_key_as_write_only(client_logged_in: Client):
    schema = client_logged_in.get("/api/v1/schema/", {"format": "json"}).json()

    operation = schema["paths"][URL]["post"]
    assert "201" in operation["responses"]
    components = schema["components"]["schemas"]
    request_name = next(
        name for name in components if name.startswith("WalletConnectInput")
    )
    output_name = next(
        name for name in components if name.startswith("WalletConnectOutput")
    )
    assert "privateKey" in components[request_name]["properties"]
    assert "privateKey" not in components[output_name]["properties"]
    assert "privateKeyFingerprint" in components[output_name]["properties"]
