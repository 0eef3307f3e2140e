"""``/console/admin/users`` and ``/console/admin/api-clients``: staff accounts (create; role,
area and agency; deactivate) and API clients (create and rotate, the key shown once;
revoke), through the services of the admin API (``service.auth.service``)."""

import uuid
from functools import partial
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import service as auth
from service.auth.controllers import created_client
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.auth.schemas import ApiClientCreate, ApiClientCreated, UserCreate, UserUpdate
from service.directory import service as directory
from service.directory.models import UnitLevel
from service.errors import ServiceError
from service.web.admin.common import ADMIN, FromForm, submitted
from service.web.pages import Form, HTMXTemplate, read_form, redirect, render

StaffRequest = Request[StaffPrincipal, Any, Any]
USERS = "/console/admin/users"
CLIENTS = "/console/admin/api-clients"


class UserCreateForm(FromForm, UserCreate):
    pass


class UserEditForm(FromForm, UserUpdate):
    pass


async def _choices(session: AsyncSession) -> dict[str, Any]:
    """What the user forms choose from: roles, wards, agencies."""
    return {
        "roles": list(Role),
        "units": await directory.list_units(session, level=UnitLevel.commune, limit=5000),
        "agencies": await directory.list_agencies(session, active=True, limit=5000),
    }


async def _users_page(
    request: StaffRequest, session: AsyncSession, form: Form[Any], *, status_code: int = 200
) -> HTMXTemplate:
    return render(
        request,
        "console/admin/users.html",
        status_code=status_code,
        users=await auth.list_users(session),
        form=form,
        **await _choices(session),
    )


async def _user_page(
    request: StaffRequest,
    session: AsyncSession,
    user_id: uuid.UUID,
    form: Form[Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMXTemplate:
    user = await auth.get_user(session, user_id)
    values = {
        "full_name": user.full_name,
        "email": user.email or "",
        "role": user.role,
        "unit_code": user.unit_code or "",
        "agency_id": str(user.agency_id or ""),
    }
    return render(
        request,
        "console/admin/user.html",
        status_code=status_code,
        user=user,
        form=form or Form(values=values),
        **await _choices(session),
    )


async def _clients_page(
    request: StaffRequest,
    session: AsyncSession,
    form: Form[Any] | None = None,
    *,
    created: ApiClientCreated | None = None,
    status_code: int = 200,
) -> HTMXTemplate:
    page = render(
        request,
        "console/admin/clients.html",
        status_code=status_code,
        clients=await auth.list_api_clients(session),
        form=form or Form(values={}),
        created=created,
    )
    if created is not None:
        # The key is on this page once: no cache keeps it.
        page.headers["Cache-Control"] = "no-store"
    return page


class UserAdminPages(Controller):
    path = "/admin/users"
    guards = ADMIN

    @get("/")
    async def users(
        self, request: StaffRequest, db_session: NamedDependency[AsyncSession]
    ) -> HTMXTemplate:
        return await _users_page(request, db_session, Form(values={}))

    @post("/", status_code=303)
    async def create(
        self, request: StaffRequest, db_session: NamedDependency[AsyncSession]
    ) -> Redirect | HTMXTemplate:
        return await submitted(
            request,
            UserCreateForm,
            partial(auth.create_user, db_session),
            done=USERS,
            flash="web.admin.user_created",
            again=partial(_users_page, request, db_session, status_code=422),
        )

    @get("/{user_id:uuid}")
    async def user(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[uuid.UUID],
    ) -> HTMXTemplate:
        return await _user_page(request, db_session, user_id)

    @post("/{user_id:uuid}", status_code=303)
    async def update(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[uuid.UUID],
    ) -> Redirect | HTMXTemplate:
        """The edit form, and the activate/deactivate buttons (``active`` alone)."""

        async def run(data: UserUpdate) -> None:
            await auth.update_user(db_session, user_id, data, actor=request.user)

        return await submitted(
            request,
            UserEditForm,
            run,
            done=f"{USERS}/{user_id}",
            flash="web.admin.user_saved",
            again=partial(_user_page, request, db_session, user_id, status_code=422),
        )


class ApiClientAdminPages(Controller):
    path = "/admin/api-clients"
    guards = ADMIN

    @get("/")
    async def clients(
        self, request: StaffRequest, db_session: NamedDependency[AsyncSession]
    ) -> HTMXTemplate:
        return await _clients_page(request, db_session)

    @post("/")
    async def create(
        self, request: StaffRequest, db_session: NamedDependency[AsyncSession]
    ) -> HTMXTemplate:
        """Answers with the page itself, not a redirect: the key is shown this once."""
        form = await read_form(request, ApiClientCreate)
        if form.data is not None:
            try:
                created = created_client(*await auth.create_api_client(db_session, form.data))
            except ServiceError as exc:
                form = form.failed(exc)
            else:
                return await _clients_page(request, db_session, created=created, status_code=201)
        return await _clients_page(request, db_session, form, status_code=422)

    @post("/{client_id:uuid}/rotate")
    async def rotate(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        client_id: FromPath[uuid.UUID],
    ) -> HTMXTemplate:
        created = created_client(*await auth.rotate_api_client(db_session, client_id))
        return await _clients_page(request, db_session, created=created)

    @post("/{client_id:uuid}/revoke", status_code=303)
    async def revoke(
        self, db_session: NamedDependency[AsyncSession], client_id: FromPath[uuid.UUID]
    ) -> Redirect:
        await auth.revoke_api_client(db_session, client_id)
        return redirect(CLIENTS, flash="web.admin.client_revoked")
