"""The dashboard's counts under real concurrent transactions (``committed_engine``): intakes
wait on no counter row, a fold waits on no intake, and a change committed after a fold is
counted once."""

import uuid

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import session_factory
from service.petitions.repository.dashboard import count_rows, dashboard, fold_changes
from service.petitions.repository.listing import PetitionFilter
from tests.petitions.conftest import Api, petition_body
from tests.petitions.test_dashboard_counts import COPIED, STORED

# A copy of a filed petition (its own id and code): an intake as the database sees it.
COPY = sa.text(
    f"""
INSERT INTO petition ({STORED})
SELECT {COPIED} FROM (SELECT * FROM petition ORDER BY created_at LIMIT 1) p,
LATERAL jsonb_populate_record(NULL::petition, to_jsonb(p) || jsonb_build_object(
  'id', gen_random_uuid(), 'tracking_code', p.tracking_code || CAST(:suffix AS text))) AS copy
"""
)
CITY = StaffPrincipal(
    user_id=uuid.uuid4(),
    username="city",
    role=Role.front_officer,
    unit_code=None,
    agency_id=None,
)


async def test_intakes_and_a_fold_do_not_wait_on_each_other(
    real_client: httpx.AsyncClient, committed_api: Api, committed_engine: AsyncEngine
) -> None:
    headers = {**committed_api.headers, "Idempotency-Key": "dashboard-concurrency"}
    filed = await real_client.post("/api/v1/petitions", json=petition_body(), headers=headers)
    assert filed.status_code == 201, filed.text
    sessions = session_factory(committed_engine)
    async with sessions() as first, sessions() as second, sessions() as folder:
        # Any wait on a lock is an error here, not a delay.
        for session in (first, second, folder):
            await session.execute(sa.text("SET lock_timeout = '3s'"))
        await first.execute(COPY, {"suffix": "-a"})  # open, not committed
        await second.execute(COPY, {"suffix": "-b"})  # beside it: no counter row between
        fold = await fold_changes(folder)  # moves what is committed, skips the open ones
        assert fold is not None
        await folder.commit()
        await first.commit()
        await second.commit()
    async with sessions() as session:
        counts = await dashboard(session, CITY, PetitionFilter())
        assert counts.total == 3
        assert counts == await count_rows(session, CITY, PetitionFilter())
        await fold_changes(session)
        await session.commit()
    async with sessions() as session:
        assert await dashboard(session, CITY, PetitionFilter()) == await count_rows(
            session, CITY, PetitionFilter()
        )
