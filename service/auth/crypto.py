"""The Fernet keys that encrypt confidential data at rest, and their rotation.

One place builds the cipher: ``GIAMSAT_ENCRYPTION_KEY`` encrypts, and it or any of
``GIAMSAT_ENCRYPTION_OLD_KEYS`` decrypts (``MultiFernet``). To rotate: generate a key
(``giamsat secrets generate``), move the current key into the old keys, set the new one,
restart, then run ``giamsat secrets reencrypt``; once it reports nothing left under an old
key, drop the old keys.

``ENCRYPTED_COLUMNS`` lists every column holding a Fernet token (by table name: this
infrastructure module imports no domain package); ``tests/auth`` fails when a model adds
an encrypted column that is not listed here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from service.settings import Settings

__all__ = ["InvalidToken"]


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    key: str  # primary key column, for keyset batches
    key_type: str  # its PostgreSQL type
    column: str


ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn("petitioner", "petition_id", "uuid", "identity_ciphertext"),
    EncryptedColumn("idempotency_key", "id", "bigint", "response_body_encrypted"),
    EncryptedColumn("channel_account", "id", "uuid", "token_ciphertext"),
    EncryptedColumn("reception_booking", "id", "uuid", "national_id_ciphertext"),
)


def generate_key() -> str:
    return Fernet.generate_key().decode()


def key_problem(value: str) -> str | None:
    """Why ``value`` is not a usable Fernet key, or None."""
    try:
        Fernet(value.encode())
    except (ValueError, TypeError):
        return "is not a valid Fernet key (32 random bytes, url-safe base64)"
    return None


def _keys(settings: Settings) -> tuple[str, ...]:
    return (
        settings.encryption_key.get_secret_value(),
        *(key.get_secret_value() for key in settings.encryption_old_keys),
    )


@functools.lru_cache(maxsize=16)
def _build(keys: tuple[str, ...]) -> tuple[Fernet, MultiFernet]:
    fernets = [Fernet(key.encode()) for key in keys]
    return fernets[0], MultiFernet(fernets)


def cipher(settings: Settings) -> MultiFernet:
    """Encrypts with the current key, decrypts with the current or any old key."""
    return _build(_keys(settings))[1]


def current_cipher(settings: Settings) -> Fernet:
    """The current key alone: tells a token already under it from one to re-encrypt."""
    return _build(_keys(settings))[0]
