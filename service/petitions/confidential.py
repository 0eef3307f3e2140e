"""Encryption of a denouncer's identity (Law on Denunciations, Art. 9 and 47) and of the
stored idempotent responses (they carry the tracking secret).

Fernet (AES-128-CBC + HMAC-SHA256) with ``settings.encryption_key``. Decrypted identities are
handed only to the few callers that may show them (see ``service.petitions.access``); they
are never logged, audited, listed or exported.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet

from service.auth.crypto import cipher
from service.settings import Settings


@dataclass(frozen=True)
class Identity:
    full_name: str | None = None
    phone: str | None = None
    email: str | None = None
    national_id: str | None = None
    address: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def __repr__(self) -> str:  # never print the values (logs, tracebacks)
        return "Identity(<confidential>)"

    __str__ = __repr__


def _fernet(settings: Settings) -> MultiFernet:
    """The current key encrypts; it and the old keys decrypt (``service.auth.crypto``)."""
    return cipher(settings)


def encrypt_json(settings: Settings, value: Any) -> str:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return _fernet(settings).encrypt(data).decode()


def decrypt_json(settings: Settings, token: str) -> Any:
    try:
        return json.loads(_fernet(settings).decrypt(token.encode()))
    except InvalidToken as exc:
        # A changed key: say so without echoing anything of the ciphertext.
        raise RuntimeError("confidential data cannot be decrypted with the current key") from exc


def encrypt_identity(settings: Settings, identity: Identity) -> str:
    return encrypt_json(settings, identity.as_dict())


def decrypt_identity(settings: Settings, token: str) -> Identity:
    data = decrypt_json(settings, token)
    return Identity(**{key: data.get(key) for key in Identity.__dataclass_fields__})
