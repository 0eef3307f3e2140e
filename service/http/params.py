"""The parameter types staff handlers share, on the API and on the console's pages alike:
the staff caller's request, the request's database session (the one the framework commits),
and a keyset list's cursor (bounded by the codec's ``MAX_LENGTH``) and page size."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.http import cursor

MAX_PAGE = 200
StaffRequest = Request[StaffPrincipal, Any, Any]
DbSession = NamedDependency[AsyncSession]
Cursor = Annotated[str | None, QueryParameter(max_length=cursor.MAX_LENGTH)]
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
