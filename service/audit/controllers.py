"""Admin read access to the audit log."""

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit import service
from service.audit.exports import audit_export
from service.audit.models import ActorType
from service.audit.schemas import AuditEventRead, AuditPage
from service.auth.guards import AdminController
from service.auth.principals import StaffPrincipal
from service.exports import EXPORT_OPT, NO_STORE, ExportFormat, start_export
from service.i18n import negotiate
from service.readonly import ReadSession
from service.settings import Settings


async def _audit_listing(
    entity_type: Annotated[str | None, QueryParameter(max_length=64)] = None,
    entity_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    actor_type: FromQuery[ActorType | None] = None,
    actor_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    action: Annotated[str | None, QueryParameter(max_length=100)] = None,
    since: Annotated[datetime | None, QueryParameter(description="occurred at or after")] = None,
    until: Annotated[datetime | None, QueryParameter(description="occurred before")] = None,
) -> service.AuditFilter:
    """The list's filters as the query string gives them (the list's and its file's)."""
    return service.AuditFilter(
        entity_type=entity_type,
        entity_id=entity_id,
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        since=since,
        until=until,
    )


class AuditController(AdminController):
    path = "/admin/audit"
    dependencies = {"listing": Provide(_audit_listing)}

    @get("/")
    async def list_events(
        self,
        read_session: ReadSession,
        listing: NamedDependency[service.AuditFilter],
        cursor: Annotated[
            int | None,
            QueryParameter(ge=1, le=2**63 - 1, description="next_cursor of the previous page"),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> AuditPage:
        """Audit events, newest first, with keyset pagination."""
        events, next_cursor = await service.list_events(
            read_session, listing, cursor=cursor, limit=limit
        )
        return AuditPage(
            items=[AuditEventRead.model_validate(event) for event in events],
            next_cursor=next_cursor,
        )

    @get("/export", opt=EXPORT_OPT, cache_control=NO_STORE)
    async def export_events(
        self,
        request: Request[StaffPrincipal, Any, Any],
        read_session: ReadSession,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        listing: NamedDependency[service.AuditFilter],
        file_format: Annotated[ExportFormat, QueryParameter(name="format")] = ExportFormat.csv,
    ) -> Stream:
        """The events the list gives for the same filters, newest first, as a file (CSV or
        XLSX), streamed; without their snapshots. The export is itself audited."""
        locale = negotiate(request.headers.get("accept-language"))
        return await start_export(
            audit_export(settings, listing, locale),
            fmt=file_format,
            request=request,
            filters=listing,
            read_session=read_session,
            db_session=db_session,
            settings=settings,
            locale=locale,
        )


controllers = [AuditController]
