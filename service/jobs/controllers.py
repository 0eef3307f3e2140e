"""Admin views of failed jobs and the outbox."""

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import AdminController
from service.auth.principals import StaffPrincipal
from service.jobs import service
from service.jobs.schemas import JobFailurePage, JobFailureRead, OutboxStats

MAX_ID = 2**63 - 1


class JobAdminController(AdminController):
    path = "/admin/jobs"

    @get("/failed")
    async def list_failed(
        self,
        db_session: NamedDependency[AsyncSession],
        include_retried: FromQuery[bool] = False,
        cursor: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> JobFailurePage:
        """Jobs that failed on their last allowed attempt, newest first."""
        failures, next_cursor = await service.list_failures(
            db_session, cursor=cursor, limit=limit, include_retried=include_retried
        )
        return JobFailurePage(
            items=[JobFailureRead.model_validate(f) for f in failures], next_cursor=next_cursor
        )

    @post("/failed/{failure_id:int}/retry", status_code=HTTP_200_OK)
    async def retry(
        self,
        failure_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)],
        request: Request[StaffPrincipal, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> JobFailureRead:
        """Run the job again (through the outbox); each failure can be retried once."""
        failure = await service.retry_failure(db_session, failure_id, actor=request.user)
        return JobFailureRead.model_validate(failure)

    @get("/outbox")
    async def outbox(self, db_session: NamedDependency[AsyncSession]) -> OutboxStats:
        """Outbox rows by state and the age of the oldest pending one."""
        return await service.outbox_stats(db_session)


controllers = [JobAdminController]
