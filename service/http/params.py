"""The query parameters every keyset list declares the same way: its cursor (bounded by the
codec's ``MAX_LENGTH``) and its page size (1 to 200)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from service.http.cursor import MAX_LENGTH

MAX_PAGE = 200
Cursor = Annotated[str | None, QueryParameter(max_length=MAX_LENGTH)]
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
