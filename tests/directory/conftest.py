"""Fixtures for the directory tests: a test that asks for ``calendar_changes`` gets a wiring
with one more calendar hook, which records the session of every calendar change."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.kernel.wiring import Wiring, WiringBuilder


@pytest.fixture
def calendar_changes() -> list[AsyncSession]:
    return []


@pytest.fixture
def wiring(base_wiring: Wiring, request: pytest.FixtureRequest) -> Wiring:
    if "calendar_changes" not in request.fixturenames:
        return base_wiring
    calls: list[AsyncSession] = request.getfixturevalue("calendar_changes")

    async def hook(changed: AsyncSession) -> None:
        calls.append(changed)

    def record_calendar_changes(builder: WiringBuilder) -> None:
        builder.on_calendar_change(hook)

    return base_wiring.extend(record_calendar_changes)
