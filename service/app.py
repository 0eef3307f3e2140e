"""The Litestar application factory."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyInitPlugin,
    SQLAlchemySerializationPlugin,
)
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.security.jwt import JWTAuth
from litestar.stores.registry import StoreRegistry
from litestar.typing import FieldDefinition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service import health
from service.auth.middleware import (
    API_KEY_HEADER,
    StaffOrClientAuthenticationMiddleware,
    staff_from_token,
)
from service.auth.principals import StaffPrincipal
from service.auth.secret_policy import require_safe_secrets
from service.auth.secrets import configure_password_hashing
from service.csp import ContentSecurityPolicyMiddleware, upload_origins
from service.db import create_engine, create_replica_engine, replica_lag_seconds
from service.directory.addresses import preload_address_tables
from service.directory.cache import configure as configure_reference_cache
from service.docs_pages import STATIC_PATH, docs_render_plugins, static_files_router
from service.exports import LIST_EXPORT, provide_list_export
from service.http.preconditions import IF_MATCH
from service.kernel.wiring import Wiring
from service.observability import configure_logging, request_id_middleware
from service.openapi import WireFormatSchemaPlugin, bind_options_to_their_routes, docs_router
from service.problems import exception_handlers
from service.ratelimit import APP_STATE_KEY, build_counters, redis_client, trusted_proxy_middleware
from service.readonly import READ_SESSION, provide_read_session
from service.request import ApiRequest
from service.settings import BrokerKind, Settings
from service.storage.backends import build_object_store
from service.web import (
    app_exception_handlers,
    csrf_config,
    htmx_plugin,
    template_config,
    web_routers,
)
from service.wiring import build_wiring

API_PREFIX = "/api/v1"


def _api_routes() -> list[Any]:
    """Every domain's controllers, mounted under /api/v1."""
    from reports.controllers import controllers as reports_controllers
    from service.audit.controllers import controllers as audit_controllers
    from service.auth.controllers import controllers as auth_controllers
    from service.channels.controllers import controllers as channels_controllers
    from service.criticism.controllers import controllers as criticism_controllers
    from service.directory.controllers import controllers as directory_controllers
    from service.feeds.controllers import controllers as feeds_controllers
    from service.jobs.controllers import controllers as jobs_controllers
    from service.opendata.controllers import controllers as opendata_controllers
    from service.oversight.controllers import controllers as oversight_controllers
    from service.petitions.controllers import controllers as petitions_controllers
    from service.reception.controllers import controllers as reception_controllers
    from service.replies.controllers import controllers as replies_controllers
    from service.storage.controllers import controllers as storage_controllers
    from service.voters.controllers import controllers as voters_controllers

    return [
        *auth_controllers,
        *directory_controllers,
        *jobs_controllers,
        *audit_controllers,
        *storage_controllers,
        *replies_controllers,
        *oversight_controllers,
        *petitions_controllers,
        *reports_controllers,
        *feeds_controllers,
        *opendata_controllers,
        *channels_controllers,
        *reception_controllers,
        *criticism_controllers,
        *voters_controllers,
    ]


def _open311_routes() -> list[Any]:
    """The Open311 GeoReport v2 server, at /open311/v2 (not under /api/v1: its own formats,
    errors and form bodies)."""
    from service.open311.controllers import open311_router

    return [open311_router()]


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    sessions: async_sessionmaker[AsyncSession] | Callable[[], AsyncSession] | None = None,
    wiring: Wiring | None = None,
) -> Litestar:
    """Build the app. Tests pass ``sessions`` bound to a connection they roll back, and may
    pass a ``wiring`` of their own (``build_wiring(settings)`` otherwise). Every session the
    app opens carries the wiring (``service.kernel.wiring``); it is also ``app.state.wiring``."""
    require_safe_secrets(settings)
    configure_logging(settings.log_level, json=settings.log_json)
    configure_reference_cache(settings.reference_cache_seconds)
    configure_password_hashing(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )
    wiring = wiring or build_wiring(settings)
    owns_engine = engine is None
    engine = engine or create_engine(settings)
    sessions = _wired(sessions, wiring) if sessions is not None else wiring.sessions(engine)
    # The read replica, when configured, serves the read-heavy handlers (service.readonly).
    replica = create_replica_engine(settings)

    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_maker=sessions,  # type: ignore[arg-type]
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit_include_redirects",  # 3xx commits too (db.py)
        create_all=False,
        set_default_exception_handler=False,
    )

    jwt_auth = JWTAuth[StaffPrincipal](
        token_secret=settings.jwt_secret.get_secret_value(),
        retrieve_user_handler=staff_from_token,
        authentication_middleware_class=StaffOrClientAuthenticationMiddleware,
        exclude=["^/schema", "^/health", "^/ready", f"^{STATIC_PATH}/"],
    )

    async def db_probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    probes: dict[str, health.Probe] = {"database": db_probe}
    replica_lag: health.LagProbe | None = None
    if replica is not None:
        replica_engine = replica

        async def replica_probe() -> None:
            async with replica_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        async def measure_replica_lag() -> float | None:
            return await replica_lag_seconds(replica_engine)

        probes["database_replica"] = replica_probe
        replica_lag = measure_replica_lag
    if settings.broker is not BrokerKind.stub:
        probes["broker"] = lambda: _broker_ping(settings)
    object_store = build_object_store(settings)
    probes["object_store"] = object_store.ping
    # Rate limits (and any Litestar store) live in Redis when there is one, so every process
    # and replica shares them.
    redis = redis_client(settings)
    counters = build_counters(settings, redis)
    stores = StoreRegistry()
    if redis is not None:
        from litestar.stores.redis import RedisStore

        shared = RedisStore(redis, namespace=f"{settings.queue_namespace}:stores")
        stores = StoreRegistry(default_factory=shared.with_namespace)

        async def redis_probe() -> None:
            await redis.ping()

        probes["redis"] = redis_probe

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await counters.close()
            if owns_engine:
                await engine.dispose()
            if replica is not None:
                await replica.dispose()

    openapi = OpenAPIConfig(
        title="giamsat API",
        version="1.0.0",
        description=(
            "Digital supervision and petition tracking for the Vietnam Fatherland Front. "
            "Staff authenticate with a Bearer JWT from /api/v1/auth/login; citizen-facing "
            "apps send an X-API-Key."
        ),
        path="/schema",
        # Completes the document once, when first served: problems, security, webhooks.
        openapi_router=docs_router("/schema", webhooks=_webhook_documentation),
        render_plugins=docs_render_plugins(),
        components=Components(
            security_schemes={
                "ApiKey": SecurityScheme(
                    type="apiKey", name=API_KEY_HEADER, security_scheme_in="header"
                )
            }
        ),
    )

    app = Litestar(
        route_handlers=[
            health.health,
            health.ready,
            _MountedOnce(path=API_PREFIX, route_handlers=_api_routes()),
            static_files_router(),
            *_open311_routes(),
            *web_routers(settings),
        ],
        plugins=[
            WireFormatSchemaPlugin(),
            htmx_plugin(),
            SQLAlchemyInitPlugin(config=db_config),
            _TypeEncodersOnly(),
        ],
        on_app_init=[jwt_auth.on_app_init, trusted_proxy_middleware(settings)],
        on_startup=[object_store.start]
        + ([preload_address_tables] if settings.address_preload else []),
        middleware=[
            request_id_middleware,
            DefineMiddleware(
                ContentSecurityPolicyMiddleware,
                inline_style_prefixes=("/schema",),
                connect_sources=upload_origins(settings),
            ),
        ],
        exception_handlers={**exception_handlers, **app_exception_handlers},
        template_config=template_config(),
        csrf_config=csrf_config(settings),
        openapi_config=openapi,
        cors_config=CORSConfig(allow_origins=[]),
        stores=stores,
        state=_state(
            settings,
            sessions,
            probes,
            object_store=object_store,
            db_config=db_config,
            wiring=wiring,
            replica_lag=replica_lag,
            **{APP_STATE_KEY: counters},
        ),
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "object_store": Provide(lambda: object_store, use_cache=True, sync_to_thread=False),
            "if_match": IF_MATCH,
            READ_SESSION: provide_read_session(
                wiring.sessions(replica) if replica is not None else None
            ),
            LIST_EXPORT: Provide(provide_list_export),
        },
        request_max_body_size=settings.max_request_body_bytes,
        request_class=ApiRequest,  # JSON bodies: 415 for other types, 400 for bad JSON
        lifespan=[lifespan],
        debug=False,
    )
    bind_options_to_their_routes(app)
    return app


class _MountedOnce(Router):
    """A router that is registered in one place: Litestar deep-copies every Router it
    registers (one router may be mounted in several places, each copy with its own owner);
    the API router, with its ~300 handlers and their signature models, is mounted once, and
    copying it was a fifth of ``create_app``. Controllers still get fresh handlers per app
    (``as_router`` deep-copies them); a module-level handler in it is then shared between the
    apps of one process exactly as ``/health``, registered on the app, always was."""

    def __deepcopy__(self, memo: dict[int, Any]) -> "_MountedOnce":
        return self


class _TypeEncodersOnly(SQLAlchemySerializationPlugin):
    """advanced-alchemy's serialization plugin for its type encoders (the wire format of
    datetimes, dates, decimals...), without its DTOs: no handler takes or returns a table class
    (schemas are separate), and asking the plugin about every parameter of all ~300 handlers
    was a tenth of ``create_app``. With ``SQLAlchemyInitPlugin`` this is what
    ``SQLAlchemyPlugin`` installs."""

    def supports_type(self, field_definition: FieldDefinition) -> bool:
        return False


async def _broker_ping(settings: Settings) -> None:
    # The broker module brings dramatiq (and its middleware psycopg and redis) with it: a
    # serving process needs it only for this probe of /ready.
    from service.jobs.broker import broker_ping

    await broker_ping(settings)


def _wired(
    sessions: async_sessionmaker[AsyncSession] | Callable[[], AsyncSession], wiring: Wiring
) -> Callable[[], AsyncSession]:
    """``sessions`` whose every session carries ``wiring``."""

    def make() -> AsyncSession:
        return wiring.bind(sessions())

    return make


def _webhook_documentation() -> tuple[dict[str, Any], dict[str, Any]]:
    from service.petitions.notifications import webhook_documentation

    return webhook_documentation()


def _state(settings: Settings, sessions: Any, probes: dict[str, health.Probe], **extra: Any) -> Any:
    from litestar.datastructures import State

    return State({"settings": settings, "sessions": sessions, "probes": probes, **extra})
