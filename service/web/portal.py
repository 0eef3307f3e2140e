"""The language switch of every page (the portal's own pages: ``service.web.public``)."""

from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures import Cookie
from litestar.response import Redirect
from pydantic import BaseModel

from service.i18n import LOCALES
from service.web.pages import read_form, redirect
from service.web.sessions import safe_path
from service.web.templating import LANG_COOKIE


class LanguageChoice(BaseModel):
    lang: str
    next: str = "/"


class PortalController(Controller):
    path = "/"

    @post("/lang", status_code=303)
    async def switch_language(self, request: Request[Any, Any, Any]) -> Redirect:
        """The switch in every page's header (a form: it works without JavaScript)."""
        form = await read_form(request, LanguageChoice)
        choice = form.data
        if choice is None or choice.lang not in LOCALES:
            return redirect("/")
        cookie = Cookie(
            key=LANG_COOKIE,
            value=choice.lang,
            path="/",
            max_age=365 * 24 * 3600,
            samesite="lax",
            httponly=True,
        )
        return redirect(safe_path(choice.next), cookies=[cookie])


controllers = [PortalController]
