"""AES-256-GCM encryption of secrets at rest (DESIGN §8).

A ciphertext is stored as ``<key id>$<urlsafe base64 of nonce || ciphertext>``
and the key id is also kept in its own column, so a key can be rotated: new
writes use ``ENCRYPTION_KEY``/``ENCRYPTION_KEY_ID``, old rows stay readable
through ``ENCRYPTION_OLD_KEYS`` (``{"k1": "<b64>"}``) until re-encrypted.

Decryption never falls back to anything: a missing or wrong key raises
:class:`SecretKeyError` with a message an operator can act on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12
SECRET_KEY_MISSING = (
    "ENCRYPTION_KEY is not set: polybot cannot store or read wallet secrets. "
    "Generate one with `python -m polybot.lib.crypto` and set it (or ENCRYPTION_KEY_FILE)."
)
SECRET_KEY_INVALID = "ENCRYPTION_KEY must be 32 bytes encoded as urlsafe base64."
SECRET_KEY_UNKNOWN = (
    "This secret was encrypted with key id {key_id!r}, which is not configured "
    "(set it in ENCRYPTION_OLD_KEYS to read it)."
)
SECRET_WRONG_KEY = (
    "This secret cannot be decrypted with key id {key_id!r}: the key is wrong or "
    "the data was altered."
)


class SecretKeyError(Exception):
    """The master key is missing, malformed, unknown or wrong."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    token: str


def _decode_key(raw: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw.encode())
    except (binascii.Error, ValueError) as exc:
        raise SecretKeyError(SECRET_KEY_INVALID) from exc
    if len(key) != 32:
        raise SecretKeyError(SECRET_KEY_INVALID)
    return key


def _current_key() -> tuple[str, bytes]:
    if not settings.ENCRYPTION_KEY:
        raise SecretKeyError(SECRET_KEY_MISSING)
    return settings.ENCRYPTION_KEY_ID, _decode_key(settings.ENCRYPTION_KEY)


def _key_for(key_id: str) -> bytes:
    current_id, current = _current_key()
    if key_id == current_id:
        return current
    old = settings.ENCRYPTION_OLD_KEYS.get(key_id)
    if not old:
        raise SecretKeyError(SECRET_KEY_UNKNOWN.format(key_id=key_id))
    return _decode_key(old)


def encrypt(plaintext: str, *, context: str) -> Sealed:
    """Encrypt ``plaintext``. ``context`` (e.g. ``"credential:42:private_key"``)
    is bound as associated data, so a ciphertext copied to another row or
    field fails to decrypt instead of leaking the wrong secret."""
    key_id, key = _current_key()
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    body = base64.urlsafe_b64encode(nonce + ciphertext).decode()
    return Sealed(key_id=key_id, token=f"{key_id}${body}")


def decrypt(token: str, *, context: str) -> str:
    key_id, _, body = token.partition("$")
    if not body:
        raise SecretKeyError(SECRET_WRONG_KEY.format(key_id=key_id))
    key = _key_for(key_id)
    try:
        raw = base64.urlsafe_b64decode(body.encode())
    except (binascii.Error, ValueError) as exc:
        raise SecretKeyError(SECRET_WRONG_KEY.format(key_id=key_id)) from exc
    try:
        plaintext = AESGCM(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
        )
    except InvalidTag as exc:
        raise SecretKeyError(SECRET_WRONG_KEY.format(key_id=key_id)) from exc
    return plaintext.decode()


def fingerprint(secret: str) -> str:
    """A short, non-reversible label for a secret, safe to show in the UI."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


if __name__ == "__main__":
    print(generate_key())  # noqa: T201
