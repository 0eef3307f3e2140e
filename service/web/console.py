"""The console's own pages: login, logout, password change, home.

The shape every console controller copies: parse (``read_form``), authorise (the API's
guards on ``request.user``), call the domain service on ``db_session``, answer with
``render`` (or ``redirect`` after a POST that changed something).
"""

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import ratelimit as login_limits
from service.auth import service as auth
from service.auth.guards import staff
from service.auth.principals import StaffPrincipal
from service.auth.schemas import LoginRequest, PasswordChange
from service.directory.models import AdminUnit, Agency
from service.errors import ServiceError
from service.ratelimit import client_address, counters_of
from service.web.forms import post_form
from service.web.pages import Form, HTMXTemplate, Visit, redirect, render
from service.web.sessions import LOGIN_PATH, PUBLIC_OPT, new_cookie, safe_next, session_cookie

_PUBLIC = {PUBLIC_OPT: True}


class ConsoleAuthController(Controller):
    path = "/"

    @get("/login", opt=_PUBLIC)
    async def login_page(
        self,
        request: Request[Any, Any, Any],
        next_path: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None,
    ) -> HTMXTemplate:
        return render(
            request, "console/login.html", form=Form(values={}), next=safe_next(next_path)
        )

    @post("/login", opt=_PUBLIC, status_code=303)
    async def login(self, visit: Visit) -> Redirect | HTMXTemplate:
        request = visit.request
        target = safe_next((await request.form()).get("next"))
        counters, address = counters_of(request), client_address(request)

        async def open_session(credentials: LoginRequest) -> Redirect:
            await login_limits.check(counters, address, credentials.username)
            try:
                user, session = await auth.open_session(
                    visit.session, credentials.username, credentials.password
                )
            except ServiceError:
                await login_limits.record_failure(counters, address, credentials.username)
                raise
            await login_limits.record_success(counters, address, credentials.username)
            return redirect(target, cookies=[new_cookie(visit.settings, user, session)])

        def refill(form: Form[LoginRequest], _: int) -> HTMXTemplate:
            # The password is never sent back into the page.
            form = Form(values={"username": form.values.get("username", "")}, errors=form.errors)
            return render(request, "console/login.html", status_code=422, form=form, next=target)

        return await post_form(request, LoginRequest, open_session, refill)

    @post("/logout", guards=[staff()], status_code=303)
    async def logout(self, visit: Visit) -> Redirect:
        await auth.logout(visit.session, visit.request.user)
        return redirect(
            LOGIN_PATH, flash="web.logged_out", cookies=[session_cookie(visit.settings, None)]
        )


class ConsoleHomeController(Controller):
    path = "/"
    guards = [staff()]

    @get("/")
    async def home(
        self, request: Request[StaffPrincipal, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> HTMXTemplate:
        principal = request.user
        user = await auth.get_user(db_session, principal.user_id)
        unit = await db_session.get(AdminUnit, user.unit_code) if user.unit_code else None
        agency = await db_session.get(Agency, user.agency_id) if user.agency_id else None
        return render(request, "console/home.html", user=user, unit=unit, agency=agency)

    @get("/password")
    async def password_page(self, request: Request[StaffPrincipal, Any, Any]) -> HTMXTemplate:
        return render(request, "console/password.html", form=Form(values={}))

    @post("/password", status_code=303)
    async def change_password(self, visit: Visit) -> Redirect | HTMXTemplate:
        async def change(data: PasswordChange) -> Redirect:
            await auth.change_own_password(
                visit.session, visit.request.user, data.current_password, data.new_password
            )
            # Every session of the account ended with the change, this one too.
            return redirect(
                LOGIN_PATH,
                flash="web.password_changed",
                cookies=[session_cookie(visit.settings, None)],
            )

        def refill(form: Form[PasswordChange], _: int) -> HTMXTemplate:
            # Passwords are never sent back into the page.
            form = Form(values={}, errors=form.errors)
            return render(visit.request, "console/password.html", status_code=422, form=form)

        return await post_form(visit.request, PasswordChange, change, refill)


controllers = [ConsoleAuthController, ConsoleHomeController]
