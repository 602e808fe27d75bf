"""A ``TradingClient`` for a user's active wallet.

The private key is decrypted here and nowhere else (DESIGN §8); the L2 API
credentials are derived once and stored encrypted, so a restart does not
ask the venue again.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from accounts.models import User, VenueCredential, Wallet
from accounts.selectors import wallet_active
from accounts.services import credential_reveal, credential_store
from polybot.exceptions import ApplicationError
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import ApiCredentials
from polybot.polymarket.trading import TradingClient

NO_WALLET = "Connect a wallet with its private key before trading live."


def active_wallet(user: User | int) -> Wallet:
    wallet = wallet_active(user=user)
    if wallet is None:
        raise ApplicationError(NO_WALLET, code="live_needs_wallet")
    return wallet


def venue_config() -> VenueConfig:
    """The venue as settings describe it. ``POLYMARKET_READ_TIMEOUT``
    (seconds, optional) bounds how long a trading call waits for an answer:
    past it, a post's outcome is unknown and the reconciler resolves it."""
    config = VenueConfig.from_settings(settings)
    timeout = getattr(settings, "POLYMARKET_READ_TIMEOUT", None)
    if timeout is not None:
        config = replace(config, read_timeout=float(timeout))
    return config


# One client per user and process, while the wallet, its credentials and the
# venue settings stay what they were: a submission then reuses the open
# connection and the rate-limit buckets instead of starting from nothing. A
# replaced client is not closed: another thread may still be posting on it.
_clients: dict[int, tuple[tuple[object, ...], TradingClient]] = {}


def trading_client_for(user: User | int) -> TradingClient:
    wallet = active_wallet(user)
    credential = wallet.credential
    config = venue_config()
    key = (wallet.pk, wallet.updated_at, credential.updated_at, config)
    cached = _clients.get(wallet.user_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    client = wallet_client(wallet, config)
    if client.credentials is None:
        credential = api_credentials_derive(wallet, client)
        key = (wallet.pk, wallet.updated_at, credential.updated_at, config)
    _clients[wallet.user_id] = (key, client)
    return client


def wallet_client(wallet: Wallet, config: VenueConfig | None = None) -> TradingClient:
    """A client that signs for ``wallet``, with its stored L2 credentials
    (``credentials`` is ``None`` until they are derived). Not cached."""
    credential = wallet.credential
    stored = ApiCredentials(
        api_key=credential_reveal(credential=credential, field="api_key"),
        secret=credential_reveal(credential=credential, field="api_secret"),
        passphrase=credential_reveal(credential=credential, field="api_passphrase"),
    )
    return TradingClient(
        config or venue_config(),
        private_key=credential_reveal(credential=credential, field="private_key"),
        credentials=stored if stored.api_key else None,
        signature_type=wallet.signature_type,
        funder=wallet.funder or None,
    )


def api_credentials_derive(wallet: Wallet, client: TradingClient) -> VenueCredential:
    """Create (or derive the existing) L2 API credentials at the venue with
    ``client`` and store them encrypted. Raises ``PolymarketError`` when the
    venue does not give them; nothing is stored then."""
    derived = client.create_or_derive_credentials()
    return credential_store(
        wallet=wallet,
        api_key=derived.api_key,
        api_secret=derived.secret,
        api_passphrase=derived.passphrase,
    )
