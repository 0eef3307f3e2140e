"""Read models of the reports API: a report as its reader sees it (the actions open to them,
its deliveries) and a page of reports, each page assembled with one query per kind of fact,
never one per report."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from reports import service
from reports.models import Report
from reports.schemas import DeliveryRead, ReportPage, ReportRead
from service.auth.principals import StaffPrincipal


async def report_read(
    session: AsyncSession, viewer: StaffPrincipal, report: Report, *, with_deliveries: bool
) -> ReportRead:
    deliveries: list[DeliveryRead] = []
    if with_deliveries:
        grouped = await service.deliveries(session, [report])
        deliveries = [DeliveryRead.model_validate(d) for d in grouped.get(report.id, [])]
    return ReportRead.model_validate(report).model_copy(
        update={
            "allowed_actions": await service.allowed_actions(session, viewer, report),
            "deliveries": deliveries,
        }
    )


async def report_page(
    session: AsyncSession,
    viewer: StaffPrincipal,
    reports: list[Report],
    next_cursor: str | None,
) -> ReportPage:
    actions = await service.actions_of_each(session, viewer, reports)
    return ReportPage(
        items=[
            ReportRead.model_validate(report).model_copy(
                update={"allowed_actions": actions[report.id]}
            )
            for report in reports
        ],
        next_cursor=next_cursor,
    )
