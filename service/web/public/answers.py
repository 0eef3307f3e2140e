"""``/tra-loi``: the published answers, searched and filtered, one page per answer.

What the public feed API shows (``replies.views.public_feed``: the already redacted
``public_answer`` rows of petitions whose petitioner consented), with the same filters and
keyset pages, plus a search of its words; an answer's page is the same row
(``replies.views.public_answer``), so a page can show nothing the feed does not.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter

from service.readonly import ReadSession
from service.replies import views
from service.replies.controllers.common import Cursor, UnitCode
from service.web.pages import HTMXTemplate, PageRequest, render
from service.web.public.reference import place_names

PATH = "/tra-loi"
PAGE_SIZE = 10


def _results_only(request: PageRequest) -> bool:
    """A filter sent by htmx swaps the results alone; going back in history asks for the
    whole page again."""
    return bool(request.htmx) and not request.htmx.history_restore_request


class AnswersController(Controller):
    path = PATH

    @get("/")
    async def answers(
        self,
        request: PageRequest,
        read_session: ReadSession,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        unit_code: UnitCode = None,
        category_code: Annotated[str | None, QueryParameter(max_length=64)] = None,
        cursor: Cursor = None,
    ) -> HTMXTemplate:
        filters = views.PublicFilter(
            unit_code=unit_code or None,
            category_code=category_code or None,
            text=q,
        )
        page = await views.public_feed(read_session, filters, cursor=cursor, limit=PAGE_SIZE)
        chosen = {"q": q, "unit_code": unit_code, "category_code": category_code}
        chosen = {key: value for key, value in chosen.items() if value}
        next_url = None
        if page.next_cursor:
            next_url = f"{PATH}?" + urlencode({**chosen, "cursor": page.next_cursor})
        return render(
            request,
            "portal/parts/_answers.html" if _results_only(request) else "portal/answers.html",
            page=page,
            chosen=chosen,
            next_url=next_url,
            first_page=cursor is None,
            **await place_names(read_session),
        )

    @get("/{answer_id:uuid}")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        read_session: ReadSession,
        answer_id: FromPath[uuid.UUID],
    ) -> HTMXTemplate:
        item = await views.public_answer(read_session, answer_id)
        return render(request, "portal/answer.html", item=item, **await place_names(read_session))
