"""``/console/admin/users`` and ``/console/admin/api-clients``: staff accounts (create; role,
area and agency; deactivate) and API clients (create and rotate, the key shown once;
revoke), through the services of the admin API (``service.auth.service``)."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import service as auth
from service.auth.controllers import created_client
from service.auth.models import ApiClient, Role
from service.auth.schemas import ApiClientCreate, ApiClientCreated, UserCreate, UserUpdate
from service.directory import service as directory
from service.errors import ServiceError
from service.http.params import AnyRequest
from service.web.admin.common import FromForm, admin_section
from service.web.pages import Form, HTMXTemplate, read_form, render
from service.web.routes import ButtonSpec, FormSpec, Shown, form_page, page_route

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
        "units": await directory.city_wards(session),
        "agencies": await directory.list_agencies(session, active=True, limit=5000),
    }


async def _users(_: AnyRequest, session: AsyncSession) -> Shown:
    return {"users": await auth.list_users(session), **await _choices(session)}, {}


async def _user(request: AnyRequest, session: AsyncSession) -> Shown:
    user = await auth.get_user(session, request.path_params["user_id"])
    values = {
        "full_name": user.full_name,
        "email": user.email or "",
        "role": user.role,
        "unit_code": user.unit_code or "",
        "agency_id": str(user.agency_id or ""),
    }
    return {"user": user, **await _choices(session)}, values


users_page = form_page("console/admin/users.html", _users)
user_page = form_page("console/admin/user.html", _user)


async def clients_page(
    request: AnyRequest,
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
    return page  # no-store, as every console page (the key is on this page once)


async def _create_user(session: AsyncSession, _: AnyRequest, data: UserCreate) -> Any:
    return await auth.create_user(session, data)


async def _revoke(session: AsyncSession, _: AnyRequest, client_id: uuid.UUID) -> Any:
    return await auth.revoke_api_client(session, client_id)


async def _update_user(session: AsyncSession, request: AnyRequest, data: UserUpdate) -> Any:
    """The edit form, and the activate/deactivate buttons (``active`` alone)."""
    user_id = request.path_params["user_id"]
    return await auth.update_user(session, user_id, data, actor=request.user)


async def _key_shown_once(
    request: AnyRequest,
    session: AsyncSession,
    make: Callable[[], Awaitable[tuple[ApiClient, str]]],
    form: Form[Any] | None = None,
) -> HTMXTemplate:
    """The clients' page with the new key: answered to the POST itself, not after a
    redirect, as the key is shown this once."""
    try:
        created = created_client(*await make())
    except ServiceError as exc:
        if form is None:
            raise
        return await clients_page(request, session, form.failed(exc), status_code=422)
    return await clients_page(request, session, created=created, status_code=201)


@post("/", status_code=201)
async def create_client(
    request: AnyRequest, db_session: NamedDependency[AsyncSession]
) -> HTMXTemplate:
    form = await read_form(request, ApiClientCreate)
    if form.data is None:
        return await clients_page(request, db_session, form, status_code=422)
    data = form.data
    return await _key_shown_once(
        request, db_session, lambda: auth.create_api_client(db_session, data), form
    )


@post("/{client_id:uuid}/rotate", status_code=201)
async def rotate_client(
    request: AnyRequest, db_session: NamedDependency[AsyncSession], client_id: FromPath[uuid.UUID]
) -> HTMXTemplate:
    return await _key_shown_once(
        request, db_session, lambda: auth.rotate_api_client(db_session, client_id)
    )


USER_FORMS: list[FormSpec | ButtonSpec] = [
    FormSpec("/", UserCreateForm, _create_user, "web.admin.user_created"),
    FormSpec(
        "/{user_id:uuid}",
        UserEditForm,
        _update_user,
        "web.admin.user_saved",
        page=user_page,
        done=USERS + "/{user_id}",
    ),
]
CLIENT_FORMS = [
    ButtonSpec("/{client_id:uuid}/revoke", "client_id", _revoke, "web.admin.client_revoked")
]

USER_PAGES = [page_route("/{user_id:uuid}", user_page)]
CLIENT_KEYS = [create_client, rotate_client]  # pages answering a POST: the key shown once

routers = [
    admin_section("/admin/users", users_page, USERS, USER_FORMS, extra=USER_PAGES),
    admin_section("/admin/api-clients", clients_page, CLIENTS, CLIENT_FORMS, extra=CLIENT_KEYS),
]
