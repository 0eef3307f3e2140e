"""The demo's voter meetings (``giamsat demo``): a session of Hà Nội's People's Council with
two meetings in Hoàn Kiếm, a few opinions, and one recommendation compiled from two of them
and referred to the ward's People's Committee, made once through the domain's operations."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.models import Role, StaffUser
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.directory.models import Agency
from service.voters import repository
from service.voters import service as voters
from service.voters.models import MeetingTiming, SessionLevel
from service.voters.schemas import (
    CouncilSessionCreate,
    MeetingCreate,
    OpinionCreate,
    RecommendationCreate,
    ReferRequest,
)

CITY = "01"
WARD = "00070"
TERM, NUMBER = "2026-2031", 2
AGENCY_CODE = "ubnd-00070"
OPINIONS = (
    # (meeting, text, topic, voters)
    (0, "Đề nghị sửa chữa tuyến đường Hàng Bông bị sụt lún, đi lại nguy hiểm", "Giao thông", 4),
    (0, "Đề nghị tăng cường chiếu sáng ngõ 12 phố Hàng Gai", "Đô thị", 2),
    (1, "Đề nghị sớm sửa chữa tuyến đường Hàng Bông bị sụt lún", "Giao thông", 3),
    (1, "Đề nghị xử lý rác thải tồn đọng ở chợ Hàng Da", "Môi trường", 5),
)


async def _principal(session: AsyncSession, username: str) -> StaffPrincipal | None:
    user = (
        await session.execute(select(StaffUser).where(col(StaffUser.username) == username))
    ).scalar_one_or_none()
    if user is None:
        return None
    return StaffPrincipal(
        user_id=user.id, username=user.username, role=Role(user.role), unit_code=user.unit_code
    )


async def seed_demo_voters(session: AsyncSession) -> None:
    """Once: skipped when the session exists or the demo accounts or agency are missing."""
    if await repository.session_number_taken(session, CITY, TERM, NUMBER):
        return
    city = await _principal(session, "mttq.thanhpho")
    ward = await _principal(session, "mttq.hoankiem")
    agency = (
        await session.execute(select(Agency).where(col(Agency.code) == AGENCY_CODE))
    ).scalar_one_or_none()
    if city is None or ward is None or agency is None:
        return
    today = utcnow().date()
    council_session = await voters.create_council_session(
        session,
        CouncilSessionCreate(
            term=TERM,
            number=NUMBER,
            title="Kỳ họp thứ hai HĐND thành phố Hà Nội khóa XVII",
            level=SessionLevel.city,
            unit_code=CITY,
            starts_on=today + timedelta(days=20),
            ends_on=today + timedelta(days=22),
        ),
        city,
    )
    meetings = [
        await voters.create_meeting(
            session,
            council_session.id,
            MeetingCreate(
                timing=MeetingTiming.before,
                unit_code=WARD,
                held_on=today - timedelta(days=days_ago),
                place=place,
                delegates=["Đại biểu Nguyễn Văn Hùng", "Đại biểu Trần Thị Lan"],
                voters_attending=attending,
            ),
            ward,
        )
        for days_ago, place, attending in (
            (6, "Nhà văn hóa tổ dân phố số 5, phường Hoàn Kiếm", 120),
            (3, "Hội trường UBND phường Hoàn Kiếm", 95),
        )
    ]
    opinions = [
        await voters.add_opinion(
            session,
            meetings[index].id,
            OpinionCreate(text=text, topic=topic, voters_count=count),
            ward,
        )
        for index, text, topic, count in OPINIONS
    ]
    rec = await voters.create_recommendation(
        session,
        council_session.id,
        RecommendationCreate(
            title="Sửa chữa tuyến đường Hàng Bông bị sụt lún",
            text="Cử tri phường Hoàn Kiếm đề nghị sớm sửa chữa tuyến đường Hàng Bông bị sụt lún.",
            opinion_ids=[opinions[0].id, opinions[2].id],
            agency_id=agency.id,
        ),
        city,
    )
    rec, council_session = await voters.load_recommendation(session, rec.id, city, for_update=True)
    await voters.refer_recommendation(session, rec, council_session, ReferRequest(), city)
