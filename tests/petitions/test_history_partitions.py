"""The history tables partitioned by year (migration 0230): rows land in their year's
partition (years in Asia/Ho_Chi_Minh), the DEFAULT partition catches years not created yet and
gives them up when the year is created, history stays append-only in every partition, and the
partitions of the coming years are created once."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from service.kernel.wiring import Wiring
from service.petitions import triage
from service.petitions.intake import file_petition
from service.petitions.models import ActorKind, Petition, PetitionEvent
from service.petitions.repository import petitions as petition_rows
from service.petitions.schemas import PetitionCreate
from service.settings import Settings
from tests.petitions.conftest import Api, Staff, petition_body, principal

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FAR_YEAR = 2061  # no partition exists for it until a test creates one


async def this_year(session: AsyncSession) -> int:
    return int(
        (
            await session.execute(
                text("SELECT extract(year FROM now() AT TIME ZONE 'Asia/Ho_Chi_Minh')")
            )
        ).scalar_one()
    )


async def partition_of(session: AsyncSession, table: str, row_id: int | None) -> str:
    return str(
        (
            await session.execute(
                text(f"SELECT tableoid::regclass::text FROM {table} WHERE id = :id"),
                {"id": row_id},
            )
        ).scalar_one()
    )


async def new_petition(session: AsyncSession, settings: Settings, api: Api) -> Petition:
    petition, _ = await file_petition(
        session, settings, api.principal, PetitionCreate.model_validate(petition_body())
    )
    return petition


async def add_event(session: AsyncSession, petition: Petition, at: datetime) -> PetitionEvent:
    event = PetitionEvent(
        petition_id=petition.id, at=at, actor_kind=ActorKind.system, action="note"
    )
    session.add(event)
    await session.flush()
    assert event.id is not None
    return event


async def refused(session: AsyncSession, statement: str, **params: Any) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text(statement), params)


class TestRowsLandInTheirYear:
    async def test_a_new_petitions_history_is_in_this_years_partition(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await new_petition(session, settings, api)
        officer = principal(staff.ward_front)
        await triage.accept(session, petition, officer, None)
        await triage.refer(
            session, settings, petition, officer, agency_id=None, reason=None, note=None
        )
        year = await this_year(session)

        events = await petition_rows.history(session, petition.id)
        assert len(events) >= 3  # received, accepted, referred
        for event in events:
            assert event.id is not None
            assert await partition_of(session, "petition_event", event.id) == (
                f"partitions.petition_event_y{year}"
            )
        referral_history = (
            await session.execute(
                text(
                    "SELECT tableoid::regclass::text FROM referral_history  WHERE referral_id = :r"
                ),
                {"r": petition.referral_id},
            )
        ).scalars()
        assert set(referral_history) == {f"partitions.referral_history_y{year}"}

    async def test_the_year_ends_at_midnight_in_vietnam(
        self, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        petition = await new_petition(session, settings, api)
        year = await this_year(session)
        new_year = datetime(year + 1, 1, 1, tzinfo=VIETNAM)

        last = await add_event(session, petition, new_year - timedelta(microseconds=1))
        first = await add_event(session, petition, new_year)

        assert await partition_of(session, "petition_event", last.id) == (
            f"partitions.petition_event_y{year}"
        )
        assert await partition_of(session, "petition_event", first.id) == (
            f"partitions.petition_event_y{year + 1}"
        )

    async def test_an_event_is_found_by_its_id_alone(
        self, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        petition = await new_petition(session, settings, api)
        event = await add_event(session, petition, datetime(FAR_YEAR, 6, 1, tzinfo=VIETNAM))
        assert event.id is not None
        session.expunge(event)

        found = await petition_rows.event(session, event.id)

        assert found is not None
        assert (found.at, found.petition_id) == (event.at, petition.id)


class TestDefaultPartition:
    async def test_a_year_without_partition_waits_in_default_then_moves_to_its_own(
        self, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        petition = await new_petition(session, settings, api)
        event = await add_event(session, petition, datetime(FAR_YEAR, 3, 1, tzinfo=VIETNAM))
        other = await add_event(session, petition, datetime(FAR_YEAR + 1, 3, 1, tzinfo=VIETNAM))
        assert await partition_of(session, "petition_event", event.id) == (
            "partitions.petition_event_default"
        )

        created = (
            await session.execute(
                text("SELECT history_create_year_partition('petition_event', :y)"),
                {"y": FAR_YEAR},
            )
        ).scalar_one()

        assert created is True
        assert await partition_of(session, "petition_event", event.id) == (
            f"partitions.petition_event_y{FAR_YEAR}"
        )
        # The next year's row stays where it was, and both partitions are still append-only.
        assert await partition_of(session, "petition_event", other.id) == (
            "partitions.petition_event_default"
        )
        await refused(session, "DELETE FROM petition_event WHERE id = :id", id=other.id)
        await refused(session, "UPDATE petition_event SET reason = 'x' WHERE id = :id", id=event.id)
        # A second call finds the partition there.
        again = (
            await session.execute(
                text("SELECT history_create_year_partition('petition_event', :y)"),
                {"y": FAR_YEAR},
            )
        ).scalar_one()
        assert again is False


class TestAppendOnly:
    async def test_history_rows_cannot_be_changed_or_deleted(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await new_petition(session, settings, api)
        officer = principal(staff.ward_front)
        await triage.accept(session, petition, officer, None)
        await triage.refer(
            session, settings, petition, officer, agency_id=None, reason=None, note=None
        )
        events = await petition_rows.history(session, petition.id)

        await refused(
            session, "UPDATE petition_event SET reason = 'x' WHERE petition_id = :p", p=petition.id
        )
        await refused(session, "DELETE FROM petition_event WHERE id = :id", id=events[0].id)
        await refused(
            session,
            "UPDATE referral_history SET reason = 'x' WHERE referral_id = :r",
            r=petition.referral_id,
        )
        await refused(
            session, "DELETE FROM referral_history WHERE referral_id = :r", r=petition.referral_id
        )
        assert len(await petition_rows.history(session, petition.id)) == len(events)


class TestComingYears:
    async def test_ensure_creates_the_missing_years_once(self, session: AsyncSession) -> None:
        year = await this_year(session)

        created = (
            await session.execute(text("SELECT history_ensure_partitions(:y)"), {"y": year + 3})
        ).scalar_one()
        again = (
            await session.execute(text("SELECT history_ensure_partitions(:y)"), {"y": year + 3})
        ).scalar_one()

        # The migration made this year's and next year's; years + 2 and + 3 for both tables.
        assert (created, again) == (4, 0)
        names = set(
            (
                await session.execute(
                    text(
                        "SELECT c.relid::regclass::text FROM pg_partition_tree('referral_history')"
                        " c WHERE c.isleaf"
                    )
                )
            ).scalars()
        )
        assert {f"partitions.referral_history_y{y}" for y in range(year, year + 4)} <= names


def test_the_worker_creates_next_years_partitions_daily(base_wiring: Wiring) -> None:
    schedules = {s.job_name: s.every_seconds for s in base_wiring.schedules}
    assert schedules.get("jobs.ensure_history_partitions") == 86400
    assert "jobs.ensure_history_partitions" in base_wiring.jobs
