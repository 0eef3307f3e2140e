"""Rate limits on the citizen tracking routes, which never lock a citizen out.

A tracking secret is 128 random bits: no rate of guessing finds one, so these limits are not
what keeps a petition private, and they must never stand between citizens and their own
petition. Tracking codes are sequential; a limit that refused the right secret after wrong
guesses on a code would let anyone lock any citizen out. So:

- the secret is always checked first, and the right one is always answered, whatever the
  counters say (nothing is counted for it);
- a wrong secret or an unknown code (the same 404) counts once for the client address and
  once for the code; past either limit such a failure is answered 429 with ``Retry-After``
  instead of 404, which tells a scanner to stop while the citizen, who has the right secret,
  still gets through from anywhere.

The counters are shared by every API process and replica (``service.ratelimit``) and key on
the client address as resolved through the trusted proxies only.
"""

from __future__ import annotations

from service.i18n import msg
from service.ratelimit import Counters, Limit, too_many

PER_ADDRESS = Limit(allowed=20, window_seconds=600)
PER_CODE = Limit(allowed=10, window_seconds=600)


async def record_failure(counters: Counters, address: str, code: str) -> None:
    """Count a failed look-up; raises RateLimited when the address or the code is past its limit."""
    by_address = await counters.hit(f"track:address:{address}", PER_ADDRESS.window_seconds)
    by_code = await counters.hit(f"track:code:{code[:64]}", PER_CODE.window_seconds)
    if by_address.exceeds(PER_ADDRESS):
        raise too_many(
            msg("tracking_rate_limited_ip"),
            by_address,
        )
    if by_code.exceeds(PER_CODE):
        raise too_many(msg("tracking_rate_limited_code"), by_code)
