"""What the replies controllers share: the guards, the query parameters' types and the
checks of their values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.params import QueryParameter

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import Invalid
from service.http import cursor
from service.i18n import msg
from service.replies.models import ReferralState
from service.replies.views import MAX_PAGE
from service.settings import Settings

AGENCY = staff(Role.agency_officer)
FRONT = staff(Role.front_officer)
READERS = staff(Role.front_officer, Role.supervisor, Role.council_reader)

StaffRequest = Request[StaffPrincipal, Any, Any]
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, QueryParameter(max_length=cursor.MAX_LENGTH)]
States = Annotated[list[str] | None, QueryParameter(name="state")]
ItemTypeParam = Annotated[str | None, QueryParameter(max_length=32)]
UnitCode = Annotated[str | None, QueryParameter(max_length=16)]
From = Annotated[date | None, QueryParameter(name="from")]


def check_day(value: date | None, field: str) -> None:
    """Dates a period can sensibly start or end on (and that date arithmetic can handle)."""
    if value is not None and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        raise Invalid(msg("date_out_of_range"), field=field)


def local(moment: datetime | None, settings: Settings) -> datetime | None:
    """A time without a zone is Hanoi local time (the edges speak Asia/Ho_Chi_Minh)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(settings.timezone))


def parse_states(values: list[str] | None) -> tuple[ReferralState, ...]:
    try:
        return tuple(ReferralState(v) for v in values or [])
    except ValueError as exc:
        raise Invalid(
            msg("state_unknown", choices=[s.value for s in ReferralState]), field="state"
        ) from exc
