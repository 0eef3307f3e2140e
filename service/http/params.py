"""The request and query-parameter types every controller and page declares alike.

``StaffRequest`` is a request behind a staff guard (``request.user`` is a
``StaffPrincipal``); ``AnyRequest`` one whose user the handler does not read. ``Cursor`` is
a list's ``?cursor=`` (an opaque ``service.http.cursor`` token) and ``PageLimit`` its
``?limit=``.
"""

from typing import Annotated, Any

from litestar import Request
from litestar.params import QueryParameter

from service.auth.principals import StaffPrincipal
from service.http.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH

StaffRequest = Request[StaffPrincipal, Any, Any]
AnyRequest = Request[Any, Any, Any]
Cursor = Annotated[str | None, QueryParameter(max_length=CURSOR_MAX_LENGTH)]
PageLimit = Annotated[int, QueryParameter(ge=1, le=200)]
