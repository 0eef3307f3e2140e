"""A page of reports: the actions of every report on it come from one query for the latest
versions of their series (not one per report), and the list pages on the shared cursor."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from reports import service, views
from reports.models import Report, ReportKind, ReportState
from service.auth.models import Role
from service.db import utcnow
from service.errors import Invalid
from service.http import cursor
from tests.factories import create_user
from tests.reports.world import principal, today


def _report(series_id: uuid.UUID, version: int, state: ReportState, minutes_ago: int) -> Report:
    report_id = uuid.uuid4()
    moment = utcnow() - timedelta(minutes=minutes_ago)
    return Report(
        id=report_id,
        series_id=series_id,
        version=version,
        kind=ReportKind.council_periodic,
        parameters={"from": today().isoformat(), "to": today().isoformat()},
        summary="Tổng hợp ý kiến, kiến nghị",
        state=state,
        requested_at=moment,
        updated_at=moment,
        verification_code=uuid.uuid4().hex[:9].upper(),
        number_symbol="1/BC-MTTQ",
        issuing_body="Ban Thường trực",
        place="Hà Nội",
        issue_date=today(),
        signer_name="Nguyễn Văn A",
        signer_title="Chủ tịch",
    )


class _Statements:
    """Counts the SQL statements a connection runs."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.sync = connection.sync_connection
        self.count = 0

    def _hit(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> "_Statements":
        sa.event.listen(self.sync, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *_: Any) -> None:
        sa.event.remove(self.sync, "before_cursor_execute", self._hit)


async def test_a_page_asks_for_the_latest_versions_once(
    session: AsyncSession, connection: AsyncConnection
) -> None:
    viewer = principal(await create_user(session, Role.front_officer))
    first, second = uuid.uuid4(), uuid.uuid4()
    rows = [
        _report(first, 1, ReportState.failed, 30),
        _report(first, 2, ReportState.failed, 20),
        _report(second, 1, ReportState.failed, 10),
        _report(uuid.uuid4(), 1, ReportState.queued, 5),
    ]
    session.add_all(rows)
    await session.flush()
    with _Statements(connection) as statements:
        page = await views.report_page(session, viewer, rows, None)
    assert statements.count == 1
    assert [item.allowed_actions for item in page.items] == [
        ["retry"],  # not the latest of its series: retry only
        ["retry", "regenerate"],
        ["retry", "regenerate"],
        [],
    ]
    # The same answers, one report at a time.
    for row, item in zip(rows, page.items, strict=True):
        assert await service.allowed_actions(session, viewer, row) == item.allowed_actions


async def test_the_list_pages_on_the_shared_cursor(session: AsyncSession) -> None:
    viewer = principal(await create_user(session, Role.front_officer))
    series = uuid.uuid4()
    older, newer = (
        _report(series, 1, ReportState.failed, 20),
        _report(series, 2, ReportState.failed, 10),
    )
    session.add_all([older, newer])
    await session.flush()
    listed: list[uuid.UUID] = []
    token: str | None = None
    for _ in range(3):
        rows, token = await service.list_reports(
            session, viewer, kind=None, state=None, series_id=series, cursor=token, limit=1
        )
        listed += [row.id for row in rows]
        if token is None:
            break
        assert token.startswith(f"{cursor.VERSION}.")
    assert listed == [newer.id, older.id]
    with pytest.raises(Invalid):
        await service.list_reports(
            session,
            viewer,
            kind=None,
            state=None,
            series_id=series,
            cursor=cursor.encode("petitions:newest", utcnow(), uuid.uuid4()),
            limit=1,
        )
