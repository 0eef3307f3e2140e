"""Brute-force limits on staff login.

Passwords, unlike tracking secrets and API keys, can be guessed, so failed logins are
limited before the password is checked:

- per (client address, username): after 10 failures in 15 minutes that address may not try
  that account again until the window ends (429 with ``Retry-After``), right password or not.
  The officer logging in from anywhere else is not affected, so nobody can lock an account
  out by failing on purpose;
- per client address: 100 failures in 15 minutes (password spraying over many accounts)
  stop every login attempt from that address;
- per account, across all addresses, nothing is refused (that would be a lockout anyone
  could trigger); 50 failures in 15 minutes are logged as ``login_failures_for_account`` for
  the administrators to act on.

A successful login clears its (address, username) counter. Counters are shared by every
process (``service.ratelimit``); the address is resolved through the trusted proxies only.
"""

from __future__ import annotations

import structlog

from service.i18n import msg
from service.ratelimit import Counters, Limit, too_many

logger = structlog.get_logger(__name__)

TOO_MANY = msg("login_rate_limited")


PER_ADDRESS_AND_ACCOUNT = Limit(allowed=10, window_seconds=900)
PER_ADDRESS = Limit(allowed=100, window_seconds=900)
ACCOUNT_ALERT = Limit(allowed=50, window_seconds=900)


def _account(username: str) -> str:
    return username.strip().casefold()[:150]


def _keys(address: str, username: str) -> tuple[str, str, str]:
    account = _account(username)
    return (
        f"login:address-account:{address}:{account}",
        f"login:address:{address}",
        f"login:account:{account}",
    )


async def check(counters: Counters, address: str, username: str) -> None:
    """Raises RateLimited when this address may not try (this account) now."""
    pair, by_address, _ = _keys(address, username)
    for key, limit in ((pair, PER_ADDRESS_AND_ACCOUNT), (by_address, PER_ADDRESS)):
        usage = await counters.peek(key)
        if usage.reached(limit):
            raise too_many(TOO_MANY, usage)


async def record_failure(counters: Counters, address: str, username: str) -> None:
    pair, by_address, account = _keys(address, username)
    await counters.hit(pair, PER_ADDRESS_AND_ACCOUNT.window_seconds)
    await counters.hit(by_address, PER_ADDRESS.window_seconds)
    usage = await counters.hit(account, ACCOUNT_ALERT.window_seconds)
    if usage.count == ACCOUNT_ALERT.allowed:
        logger.warning(
            "login_failures_for_account", username=_account(username), failures=usage.count
        )


async def record_success(counters: Counters, address: str, username: str) -> None:
    pair, _, _ = _keys(address, username)
    await counters.reset(pair)
