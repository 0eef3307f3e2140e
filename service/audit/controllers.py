"""Admin read access to the audit log."""

from datetime import datetime
from typing import Annotated

from litestar import get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from service.audit import service
from service.audit.exports import audit_export
from service.audit.models import ActorType
from service.audit.schemas import AuditEventRead, AuditPage
from service.auth.guards import AdminController
from service.exports import EXPORT_OPT, NO_STORE, ListExport
from service.readonly import ReadSession


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
        listing: NamedDependency[service.AuditFilter],
        list_export: NamedDependency[ListExport],
    ) -> Stream:
        """The events the list gives for the same filters, newest first, as a file (CSV or
        XLSX), streamed; without their snapshots. The export is itself audited."""
        export = audit_export(list_export.settings, listing, list_export.locale)
        return await list_export.start(export, listing)


controllers = [AuditController]
