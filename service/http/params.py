"""The parameter types every controller and page declares alike, on the API and on the
console's pages: ``StaffRequest`` is a request behind a staff guard (``request.user`` is a
``StaffPrincipal``), ``AnyRequest`` one whose user the handler does not read, ``DbSession``
the request's database session (the one the framework commits), ``Cursor`` a keyset list's
``?cursor=`` (an opaque :mod:`service.http.cursor` token, bounded by its ``MAX_LENGTH``) and
``PageLimit`` its ``?limit=``."""

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
AnyRequest = Request[Any, Any, Any]
DbSession = NamedDependency[AsyncSession]
Cursor = Annotated[str | None, QueryParameter(max_length=cursor.MAX_LENGTH)]
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
