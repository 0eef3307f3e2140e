"""Who may ask for which report, and who sees which.

- admin: everything;
- front_officer: reports of their own ward/commune, or any at city level;
- supervisor: the supervision result of a plan they are a member of (and what they asked for);
- council_reader (a member of the People's Council): reads and downloads the reports of
  their area (city level: all), and requests the council report and agency scorecards of
  their area: a city-level reader the city, any ward or commune and any agency; a ward-level
  reader only their ward and its agencies. Not the supervision result: that is the
  delegation's own document, made by its members or the Front (the council receives it and
  reads every one of its area);
- agency officers and API clients: none (the route guards stop them).

A report, or a request, outside the caller's area answers 404, like every resource in this
API (a ward, plan or agency the caller may not report on is, to them, not there); a role that
may not request a kind of report at all answers 403.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from reports.models import Report, ReportKind
from reports.parameters import Resolved
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import Forbidden, NotFound
from service.i18n import msg
from service.oversight.models import PlanMember

REQUESTERS = (Role.front_officer, Role.supervisor, Role.council_reader)
READERS = (Role.front_officer, Role.supervisor, Role.council_reader)
# The kinds each role may request (admin: all); the area is checked by `check_may_request`.
REQUESTABLE: dict[Role, frozenset[ReportKind]] = {
    Role.front_officer: frozenset(ReportKind),
    Role.supervisor: frozenset({ReportKind.supervision_result}),
    Role.council_reader: frozenset({ReportKind.council_periodic, ReportKind.agency_scorecard}),
}


def may_request_kind(viewer: StaffPrincipal, kind: ReportKind) -> bool:
    """Whether ``viewer``'s role may ask for this kind of report at all (not the area)."""
    return viewer.role is Role.admin or kind in REQUESTABLE.get(viewer.role, frozenset())


async def is_plan_member(session: AsyncSession, plan_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await session.execute(
        select(col(PlanMember.user_id)).where(
            col(PlanMember.plan_id) == plan_id, col(PlanMember.user_id) == user_id
        )
    )
    return found.first() is not None


async def check_may_request(
    session: AsyncSession, viewer: StaffPrincipal, resolved: Resolved
) -> None:
    """Raise `Forbidden` unless ``viewer``'s role may have this kind of report made, and
    `NotFound` when what it reports on lies outside their area."""
    if viewer.role is Role.admin:
        return
    if not may_request_kind(viewer, resolved.kind):
        if viewer.role is Role.supervisor:
            raise Forbidden(msg("report_supervisor_own"))
        if viewer.role is Role.council_reader:
            raise Forbidden(msg("report_council_kinds"))
        raise Forbidden(msg("role_may_not_report", role=viewer.role))
    if viewer.role is Role.supervisor:
        typed = resolved.typed
        plan_id = getattr(typed, "plan_id", None)
        if plan_id is None or not await is_plan_member(session, plan_id, viewer.user_id):
            # Oversight answers 404 for a plan of which the supervisor is not a member.
            raise NotFound(msg("report_outside_area"))
        return
    # Front officers and council readers: their area (city level: everything).
    if resolved.kind is ReportKind.supervision_result:
        inside = viewer.sees_unit(resolved.plan_unit_code)
    else:
        inside = viewer.sees_unit(resolved.unit_code)
    if not inside:
        raise NotFound(msg("report_outside_area"))


def visible_clause(viewer: StaffPrincipal) -> Any:
    """A WHERE clause selecting the reports ``viewer`` may see."""
    report = Report.__table__  # type: ignore[attr-defined]
    if viewer.role is Role.admin:
        return sa.true()
    if viewer.role is Role.supervisor:
        member_plans = select(sa.cast(col(PlanMember.plan_id), sa.String)).where(
            col(PlanMember.user_id) == viewer.user_id
        )
        return sa.or_(
            report.c.requested_by == viewer.user_id,
            sa.and_(
                report.c.kind == ReportKind.supervision_result.value,
                report.c.parameters["plan_id"].astext.in_(member_plans),
            ),
        )
    if viewer.role in (Role.front_officer, Role.council_reader):
        if viewer.unit_code is None:
            return sa.true()
        return report.c.unit_code == viewer.unit_code
    return sa.false()


async def may_see(session: AsyncSession, viewer: StaffPrincipal, report: Report) -> bool:
    if viewer.role is Role.admin:
        return True
    if viewer.role is Role.supervisor:
        if report.requested_by == viewer.user_id:
            return True
        plan_id = report.parameters.get("plan_id")
        return (
            report.kind == ReportKind.supervision_result
            and plan_id is not None
            and await is_plan_member(session, uuid.UUID(plan_id), viewer.user_id)
        )
    if viewer.role in (Role.front_officer, Role.council_reader):
        return viewer.sees_unit(report.unit_code)
    return False
