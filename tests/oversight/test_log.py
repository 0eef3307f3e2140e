"""Sessions and their append-only log: scheduling, attendance, entries, corrections, the
reconnect cursor, closing, and the database refusing edits."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Forbidden, Invalid, NotFound, StateConflict
from service.oversight import service as plans
from service.oversight.models import AttendanceStatus, EntryKind, SessionMode
from service.oversight.schemas import AttendanceIn, EntryCreate, SessionUpdate
from tests.oversight.conftest import (
    World,
    approved_plan,
    draft_plan,
    open_session,
    session_data,
    write,
)


class TestSchedule:
    async def test_sessions_are_numbered_and_keep_their_venue(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        headers = await logins(world.secretary)
        body = session_data(mode=SessionMode.online, place=None).model_dump(mode="json")
        body["invited"] = [
            {"name": "Trần Thị B", "organisation": "UBND phường", "agency_id": str(world.agency.id)}
        ]
        first = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/sessions", json=body, headers=headers
        )
        assert first.status_code == 201, first.text
        second = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/sessions", json=body, headers=headers
        )
        assert [first.json()["number"], second.json()["number"]] == [1, 2]
        assert first.json()["meeting_link"] == "https://meet.example.vn/gs-01"
        assert first.json()["invited"][0]["name"] == "Trần Thị B"
        assert first.json()["allowed_actions"] == ["cancel", "open", "reschedule"]
        listed = await client.get(
            f"/api/v1/oversight/plans/{plan.id}/sessions", headers=await logins(world.member)
        )
        assert [s["number"] for s in listed.json()] == [1, 2]

    async def test_an_online_session_needs_a_link(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        body = session_data(mode=SessionMode.hybrid).model_dump(mode="json")
        body["mode"], body["meeting_link"] = "online", None
        response = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/sessions",
            json=body,
            headers=await logins(world.head),
        )
        assert response.status_code in (400, 422)

    async def test_no_session_for_a_draft_plan(self, session: AsyncSession, world: World) -> None:
        plan = await draft_plan(session, world)
        with pytest.raises(StateConflict):
            await plans.schedule_session(session, plan.id, session_data(), world.p("head"))

    async def test_a_plain_member_does_not_schedule(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        with pytest.raises(Forbidden):
            await plans.schedule_session(session, plan.id, session_data(), world.p("member"))

    async def test_rescheduling_needs_the_etag_and_a_session_not_started(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await plans.schedule_session(
            session, plan.id, session_data(), world.p("head")
        )
        later = datetime.now(UTC) + timedelta(days=3)
        supervision_session = await plans.update_session(
            session,
            supervision_session.id,
            SessionUpdate(scheduled_start=later),
            world.p("secretary"),
            expected_version=supervision_session.version,
        )
        assert supervision_session.scheduled_start == later
        await plans.open_session(session, supervision_session.id, world.p("secretary"))
        with pytest.raises(StateConflict):
            await plans.update_session(
                session,
                supervision_session.id,
                SessionUpdate(place="Nơi khác"),
                world.p("secretary"),
                expected_version=supervision_session.version,
            )


class TestAttendance:
    async def test_attendance_with_capacity_lateness_and_absence(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        url = f"/api/v1/oversight/sessions/{supervision_session.id}/attendance"
        headers = await logins(world.secretary)
        records = [
            {"user_id": str(world.head.id), "capacity": "Trưởng đoàn", "status": "attended"},
            {
                "name": "Lê Văn C",
                "organisation": "UBND phường Hoàn Kiếm",
                "agency_id": str(world.agency.id),
                "capacity": "Chủ tịch UBND phường",
                "status": "late",
                "reason": "Họp đột xuất",
                "arrived_at": datetime.now(UTC).isoformat(),
            },
            {"name": "Phạm D", "capacity": "Chuyên gia", "status": "absent", "reason": "Ốm"},
        ]
        response = await client.post(url, json=records, headers=headers)
        assert response.status_code == 200, response.text
        # Correcting a record replaces it (one record per person).
        fix = [{**records[2], "name": "  phạm d ", "status": "attended", "reason": None}]
        assert (await client.post(url, json=fix, headers=headers)).status_code == 200
        listed = (await client.get(url, headers=await logins(world.member))).json()
        assert len(listed) == 3
        by_capacity = {r["capacity"]: r for r in listed}
        assert by_capacity["Trưởng đoàn"]["name"] == world.head.full_name
        assert by_capacity["Chủ tịch UBND phường"]["status"] == "late"
        assert by_capacity["Chuyên gia"]["status"] == "attended"

    async def test_an_absence_needs_a_reason(self) -> None:
        with pytest.raises(ValueError, match="reason"):
            AttendanceIn(name="X", capacity="Thành viên", status=AttendanceStatus.absent)


class TestLog:
    async def test_entries_get_increasing_seq_speaker_and_server_time(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        before = datetime.now(UTC)
        kinds = [EntryKind.statement, EntryKind.question, EntryKind.answer, EntryKind.finding]
        entries = [
            await write(
                session,
                world,
                supervision_session,
                f"Nội dung {index}",
                kind=kind,
                by="member" if index % 2 else "secretary",
                speaker_name="Ông Lê Văn C" if kind is EntryKind.answer else None,
                speaker_organisation="UBND phường" if kind is EntryKind.answer else None,
            )
            for index, kind in enumerate(kinds)
        ]
        note = await write(
            session, world, supervision_session, "Ghi chú", kind=EntryKind.note, by="head"
        )
        assert [e.seq for e in [*entries, note]] == [1, 2, 3, 4, 5]
        assert entries[0].speaker_name == world.secretary.full_name  # the writer by default
        assert entries[0].speaker_user_id == world.secretary.id
        assert entries[2].speaker_name == "Ông Lê Văn C"
        assert entries[2].speaker_user_id is None
        assert all(e.created_at >= before for e in entries)

    async def test_a_correction_is_a_new_entry_pointing_at_the_corrected_one(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        wrong = await write(session, world, supervision_session, "UBND đã xử lý 12 vụ vi phạm")
        url = f"/api/v1/oversight/sessions/{supervision_session.id}/log"
        headers = await logins(world.member)
        response = await client.post(
            url,
            json={
                "kind": "correction",
                "text": "Sửa: UBND đã xử lý 21 vụ vi phạm",
                "corrects_entry_id": str(wrong.id),
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        log = (await client.get(url, headers=headers)).json()
        assert [(e["seq"], e["kind"]) for e in log["entries"]] == [
            (1, "statement"),
            (2, "correction"),
        ]
        assert log["entries"][0]["text"] == "UBND đã xử lý 12 vụ vi phạm"  # untouched
        assert log["entries"][1]["corrects_entry_id"] == str(wrong.id)

    async def test_a_correction_must_name_an_entry_of_the_same_session(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        first = await open_session(session, world, plan)
        other = await open_session(session, world, plan)
        entry = await write(session, world, first, "Một ý kiến")
        with pytest.raises(Invalid):
            await write(
                session, world, other, "Sửa", kind=EntryKind.correction, corrects_entry_id=entry.id
            )
        with pytest.raises(ValueError, match="correction"):
            EntryCreate(kind=EntryKind.note, text="x", corrects_entry_id=entry.id)

    async def test_a_retry_with_the_same_client_ref_does_not_add_twice(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        url = f"/api/v1/oversight/sessions/{supervision_session.id}/log"
        body = {"kind": "note", "text": "Một lần thôi", "client_ref": "tablet-7:42"}
        headers = await logins(world.secretary)
        first = await client.post(url, json=body, headers=headers)
        again = await client.post(url, json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"]
        assert len((await client.get(url, headers=headers)).json()["entries"]) == 1

    async def test_a_reconnecting_client_gets_what_it_missed(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        for index in range(7):
            await write(session, world, supervision_session, f"Ý kiến {index}")
        url = f"/api/v1/oversight/sessions/{supervision_session.id}/log"
        headers = await logins(world.head)
        page = (await client.get(url, params={"after": 0, "limit": 3}, headers=headers)).json()
        assert [e["seq"] for e in page["entries"]] == [1, 2, 3]
        assert page["has_more"] is True
        rest = (await client.get(url, params={"after": page["next_after"]}, headers=headers)).json()
        assert [e["seq"] for e in rest["entries"]] == [4, 5, 6, 7]
        assert rest["has_more"] is False
        nothing = (await client.get(url, params={"after": 7}, headers=headers)).json()
        assert nothing["entries"] == []
        assert nothing["next_after"] == 7

    async def test_a_closed_session_accepts_no_entries(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        await write(session, world, supervision_session, "Cuối phiên")
        closed = await client.post(
            f"/api/v1/oversight/sessions/{supervision_session.id}/actions/close",
            headers={
                **await logins(world.secretary),
                "If-Match": f'"{supervision_session.version}"',
            },
        )
        assert closed.status_code == 200
        assert closed.json()["state"] == "closed"
        response = await client.post(
            f"/api/v1/oversight/sessions/{supervision_session.id}/log",
            json={"kind": "note", "text": "Muộn"},
            headers=await logins(world.member),
        )
        assert response.status_code == 409
        assert response.json()["state"] == "closed"
        assert response.json()["allowed_actions"] == ["seal"]

    async def test_a_scheduled_session_accepts_no_entries_yet(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await plans.schedule_session(
            session, plan.id, session_data(), world.p("head")
        )
        with pytest.raises(StateConflict):
            await write(session, world, supervision_session, "Sớm quá")

    async def test_only_plan_members_write(self, session: AsyncSession, world: World) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        with pytest.raises(NotFound):  # a supervisor outside the plan does not see it
            await write(session, world, supervision_session, "Xen vào", by="outsider")
        for approver in ("ward_officer", "admin"):  # sees the plan, but is not a member
            with pytest.raises(Forbidden):
                await write(session, world, supervision_session, "Xen vào", by=approver)

    async def test_bad_input_is_422_not_a_server_error(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        url = f"/api/v1/oversight/sessions/{supervision_session.id}/log"
        headers = await logins(world.secretary)
        for body in (
            {"kind": "note", "text": "nul \u0000 byte"},
            {
                "kind": "note",
                "text": "x",
                "speaker_user_id": str(uuid.uuid4()),
                "speaker_name": "A",
            },
            {"kind": "shout", "text": "x"},
            {"kind": "correction", "text": "x"},
        ):
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code in (400, 422), (body, response.text)


class TestDatabaseGuards:
    async def test_entries_cannot_be_updated_or_deleted(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        entry = await write(session, world, supervision_session, "Bất biến")
        for statement in (
            "UPDATE supervision_log_entry SET text = 'đổi' WHERE id = :id",
            "DELETE FROM supervision_log_entry WHERE id = :id",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with session.begin_nested():
                    await session.execute(text(statement), {"id": entry.id})

    async def test_the_database_refuses_an_entry_for_a_closed_session(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        await plans.close_session(session, supervision_session.id, world.p("secretary"))
        with pytest.raises(DBAPIError, match="not open"):
            async with session.begin_nested():
                await session.execute(
                    text(
                        "INSERT INTO supervision_log_entry (id, session_id, seq, kind, text, "
                        "speaker_name, author_id, created_at) VALUES (:id, :sid, 99, 'note', "
                        "'lén', 'X', :author, now())"
                    ),
                    {
                        "id": uuid.uuid4(),
                        "sid": supervision_session.id,
                        "author": world.secretary.id,
                    },
                )


class TestLiveStream:
    async def test_the_stream_replays_from_the_cursor_and_ends_when_the_session_closes(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        for index in range(4):
            await write(session, world, supervision_session, f"Dòng {index}")
        await plans.close_session(session, supervision_session.id, world.p("secretary"))
        response = await client.get(
            f"/api/v1/oversight/sessions/{supervision_session.id}/log/stream",
            headers={**await logins(world.member), "Last-Event-ID": "2"},
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _parse_sse(response.text)
        assert [e["id"] for e in events if e["event"] == "entry"] == ["3", "4"]
        assert json.loads(events[0]["data"])["text"] == "Dòng 2"
        assert events[-1]["event"] == "end"
        assert json.loads(events[-1]["data"]) == {"state": "closed", "last_seq": 4}

    async def test_an_outsider_cannot_listen(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        response = await client.get(
            f"/api/v1/oversight/sessions/{supervision_session.id}/log/stream",
            headers=await logins(world.outsider),
        )
        assert response.status_code == 404


def _parse_sse(body: str) -> list[dict[str, str]]:
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        if fields:
            fields.setdefault("event", "message")
            events.append(fields)
    return events
