"""Admin read access to the audit log."""

from datetime import datetime
from typing import Annotated

from litestar import get
from litestar.params import FromQuery, QueryParameter

from service.audit import service
from service.audit.models import ActorType
from service.audit.schemas import AuditEventRead, AuditPage
from service.auth.guards import AdminController
from service.readonly import ReadSession


class AuditController(AdminController):
    path = "/admin/audit"

    @get("/")
    async def list_events(
        self,
        read_session: ReadSession,
        entity_type: Annotated[str | None, QueryParameter(max_length=64)] = None,
        entity_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        actor_type: FromQuery[ActorType | None] = None,
        actor_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        action: Annotated[str | None, QueryParameter(max_length=100)] = None,
        since: Annotated[
            datetime | None, QueryParameter(description="occurred at or after")
        ] = None,
        until: Annotated[datetime | None, QueryParameter(description="occurred before")] = None,
        cursor: Annotated[
            int | None,
            QueryParameter(ge=1, le=2**63 - 1, description="next_cursor of the previous page"),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> AuditPage:
        """Audit events, newest first, with keyset pagination."""
        events, next_cursor = await service.list_events(
            read_session,
            service.AuditFilter(
                entity_type=entity_type,
                entity_id=entity_id,
                actor_type=actor_type,
                actor_id=actor_id,
                action=action,
                since=since,
                until=until,
            ),
            cursor=cursor,
            limit=limit,
        )
        return AuditPage(
            items=[AuditEventRead.model_validate(event) for event in events],
            next_cursor=next_cursor,
        )


controllers = [AuditController]
