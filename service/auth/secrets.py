"""Passwords (argon2) and API keys / refresh tokens (random, stored as SHA-256).

API keys and refresh tokens carry 256 random bits, so a fast hash is enough and keeps the
per-request check cheap; argon2's deliberate slowness is for guessable passwords.
"""

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def configure_password_hashing(*, time_cost: int, memory_kib: int) -> None:
    """Sets the argon2 cost for new hashes (existing hashes carry their own parameters).

    Called by the app factory from settings; the tests lower the cost to stay fast.
    """
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


API_KEY_PREFIX = "gs"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def decoy_hash() -> str:
    """A well-formed hash of the current cost that no password matches, checked when the
    username is unknown so that both paths take the same time: argon2 verifies by computing
    with the parameters the string names. Built without hashing anything (an argon2 hash at
    import cost every process a fifth of a second of start-up)."""
    salt = base64.b64encode(bytes(_hasher.salt_len)).rstrip(b"=").decode()
    digest = base64.b64encode(bytes(_hasher.hash_len)).rstrip(b"=").decode()
    parameters = f"m={_hasher.memory_cost},t={_hasher.time_cost},p={_hasher.parallelism}"
    return f"$argon2{_hasher.type.name.lower()}$v=19${parameters}${salt}${digest}"


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str, str]:
    """Returns (full key shown once, lookup prefix, digest to store)."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, token_digest(key)


def split_api_key(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def digest_matches(stored: str, key: str) -> bool:
    return hmac.compare_digest(stored, token_digest(key))
