"""Numbers written the Vietnamese way: "." between thousands, "," before decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def format_number(value: int | float | Decimal, decimals: int = 0) -> str:
    """``1234567 -> "1.234.567"``, ``12.25 (decimals=1) -> "12,3"`` (halves round up, as
    people round by hand, not to even as binary floats do)."""
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_percent(value: float | Decimal, decimals: int = 1) -> str:
    """A percentage given in percent (not a ratio): ``87.25 -> "87,3%"``."""
    return f"{format_number(value, decimals)}%"
