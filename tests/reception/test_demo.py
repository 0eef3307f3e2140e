"""The embedded demo's reception schedule: made once, for the Hoàn Kiếm demo officer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.demo_data import _demo_reception_schedule
from service.reception import service
from tests.factories import HOAN_KIEM, create_user


async def test_demo_schedule_once_with_free_slots(session: AsyncSession, seeded: Any) -> None:
    await create_user(session, Role.front_officer, unit_code=HOAN_KIEM, username="mttq.hoankiem")
    await _demo_reception_schedule(session)
    await _demo_reception_schedule(session)
    ids = list(
        (
            await session.execute(
                text("SELECT id FROM reception_schedule WHERE unit_code = :unit"),
                {"unit": HOAN_KIEM},
            )
        ).scalars()
    )
    assert len(ids) == 1
    assert await service.free_slots(session, ids[0])
