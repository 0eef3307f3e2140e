"""Tracking codes people can read aloud (``HN-2026-004217``) and tracking secrets.

The number comes from a PostgreSQL sequence per province prefix and year
(``tracking_hn_2026``, made on first use by the SQL function ``tracking_number``, migration
0250). ``nextval`` takes no row lock, so concurrent intakes never queue on the number: intake
is not serialised. The price is that an intake that rolls back leaves its number unused (a
gap): acceptable for a tracking code, which must be unique and readable, not gapless (it is
not a register number; the register is the petition table and its history). Codes are
guessable on purpose (they are read over the phone); the secret is what protects a petition.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.petitions.repository import intake as repository

# Official abbreviations of the provinces most likely to use the platform first; any other
# province gets "P" + its two-digit code.
PROVINCE_PREFIXES = {
    "01": "HN",  # Hà Nội
    "79": "HCM",  # Thành phố Hồ Chí Minh
    "31": "HP",  # Hải Phòng
    "48": "DN",  # Đà Nẵng
    "92": "CT",  # Cần Thơ
    "46": "HUE",  # Huế
}


def province_prefix(province_code: str | None) -> str:
    if province_code is None:
        return "VN"
    return PROVINCE_PREFIXES.get(province_code, f"P{province_code}")


async def next_tracking_code(
    session: AsyncSession, province_code: str | None, at: datetime, timezone: str
) -> str:
    prefix = province_prefix(province_code)
    year = at.astimezone(ZoneInfo(timezone)).year
    number = await repository.next_number(session, prefix, year)
    return f"{prefix}-{year}-{number:06d}"


def normalise_code(code: str) -> str:
    return code.strip().upper()


def new_secret() -> str:
    """128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(stored_digest: str | None, secret: str | None) -> bool:
    """Constant-time; with no petition (``stored_digest`` None) it still does the work."""
    candidate = secret_digest(secret or "")
    expected = stored_digest or ("0" * 64)
    return hmac.compare_digest(expected, candidate) and stored_digest is not None
