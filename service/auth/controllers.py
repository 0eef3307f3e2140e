"""Login, token refresh, the caller's profile; admin management of users and API clients."""

import uuid
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, RequestBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import ratelimit as login_limits
from service.auth import service
from service.auth.exports import clients_export, users_export
from service.auth.guards import AdminController, staff
from service.auth.models import ApiClient
from service.auth.principals import StaffPrincipal
from service.auth.schemas import (
    ApiClientCreate,
    ApiClientCreated,
    ApiClientRead,
    LoggedOut,
    LoginRequest,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserRead,
    UserUpdate,
)
from service.errors import Unauthenticated
from service.exports import EXPORT_OPT, NO_STORE, ListExport
from service.ratelimit import client_address, counters_of
from service.settings import Settings


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    # Wrong credentials or a spent refresh token: 401; too many failed log-ins: 429; nothing
    # here conflicts with a state.
    @post(
        "/login",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        opt={"problems": (401, 429), "conflicts": False},
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: RequestBody[LoginRequest],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> TokenPair:
        counters, address = counters_of(request), client_address(request)
        await login_limits.check(counters, address, data.username)
        try:
            pair = await service.login(db_session, settings, data.username, data.password)
        except Unauthenticated:
            await login_limits.record_failure(counters, address, data.username)
            raise
        await login_limits.record_success(counters, address, data.username)
        return pair

    @post(
        "/refresh",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        opt={"problems": (401,), "conflicts": False},
    )
    async def refresh(
        self,
        data: RequestBody[RefreshRequest],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> TokenPair:
        try:
            return await service.refresh(db_session, settings, data.refresh_token)
        except service.RefreshTokenReused:
            await db_session.commit()  # the revocation and its audit event outlive the 401
            raise

    @post("/logout", guards=[staff()], status_code=HTTP_200_OK, opt={"conflicts": False})
    async def logout(
        self, request: Request[StaffPrincipal, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> LoggedOut:
        await service.logout(db_session, request.user)
        return LoggedOut()

    @get("/me", guards=[staff()])
    async def me(
        self, request: Request[StaffPrincipal, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> UserRead:
        return UserRead.model_validate(await service.get_user(db_session, request.user.user_id))


class UserAdminController(AdminController):
    path = "/admin/users"

    @get("/")
    async def list_users(self, db_session: NamedDependency[AsyncSession]) -> list[UserRead]:
        return [UserRead.model_validate(u) for u in await service.list_users(db_session)]

    @get("/export", opt=EXPORT_OPT, cache_control=NO_STORE)
    async def export_users(self, list_export: NamedDependency[ListExport]) -> Stream:
        """The staff accounts as a file (CSV or XLSX), the list's columns. Audited."""
        return await list_export.start(users_export(list_export.locale), {}, primary=True)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_user(
        self, data: RequestBody[UserCreate], db_session: NamedDependency[AsyncSession]
    ) -> UserRead:
        return UserRead.model_validate(await service.create_user(db_session, data))

    @get("/{user_id:uuid}")
    async def get_user(
        self, user_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> UserRead:
        return UserRead.model_validate(await service.get_user(db_session, user_id))

    @patch("/{user_id:uuid}")
    async def update_user(
        self,
        request: Request[StaffPrincipal, Any, Any],
        user_id: FromPath[uuid.UUID],
        data: RequestBody[UserUpdate],
        db_session: NamedDependency[AsyncSession],
    ) -> UserRead:
        user = await service.update_user(db_session, user_id, data, actor=request.user)
        return UserRead.model_validate(user)


def created_client(client: ApiClient, key: str) -> ApiClientCreated:
    """The client with its key and webhook secret: shown once, never again."""
    return ApiClientCreated(
        **ApiClientRead.model_validate(client).model_dump(),
        api_key=key,
        webhook_secret=client.webhook_secret,
    )


class ApiClientAdminController(AdminController):
    path = "/admin/api-clients"

    @get("/")
    async def list_clients(self, db_session: NamedDependency[AsyncSession]) -> list[ApiClientRead]:
        return [ApiClientRead.model_validate(c) for c in await service.list_api_clients(db_session)]

    @get("/export", opt=EXPORT_OPT, cache_control=NO_STORE)
    async def export_clients(self, list_export: NamedDependency[ListExport]) -> Stream:
        """The API clients as a file (CSV or XLSX), the list's columns (never a key or a
        secret). Audited."""
        return await list_export.start(clients_export(list_export.locale), {}, primary=True)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_client(
        self, data: RequestBody[ApiClientCreate], db_session: NamedDependency[AsyncSession]
    ) -> ApiClientCreated:
        return created_client(*await service.create_api_client(db_session, data))

    @post("/{client_id:uuid}/rotate", status_code=HTTP_200_OK)
    async def rotate_client(
        self, client_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> ApiClientCreated:
        """A new key (shown once); the old key stops working at once."""
        return created_client(*await service.rotate_api_client(db_session, client_id))

    @post("/{client_id:uuid}/revoke", status_code=HTTP_200_OK)
    async def revoke_client(
        self, client_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> ApiClientRead:
        return ApiClientRead.model_validate(await service.revoke_api_client(db_session, client_id))


controllers = [AuthController, UserAdminController, ApiClientAdminController]
