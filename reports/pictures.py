"""Page 1 of each report as a PNG for the README, from the real pipeline on demo data.

    uv run python -m reports.pictures [--server postgresql://postgres@127.0.0.1:5432/postgres]
                                      [--out docs/reports] [--pdf-dir DIR]

It creates a scratch database on the server, migrates and seeds it, makes demo data through
the domain services (petitions filed, merged, routed, answered; a supervision with a sealed
session, evidence, findings and a recommendation), requests the three reports through the
reports service, renders and issues them with the render job's own code (local object
store in a temporary directory), draws page 1 of each issued PDF with poppler, and drops the
database. The data are generated from a fixed seed; dates follow today's date.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from reports import service as reports_service
from reports.models import ReportKind
from reports.pipeline import render_report
from reports.render import page1_png
from reports.schemas import RecipientIn, ReportCreate
from service.auth.models import Role, StaffUser
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.auth.secrets import hash_password
from service.db import create_engine, session_scope, utcnow
from service.settings import Settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SEED = 2026
PETITIONS = 160
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PICTURES = {
    ReportKind.council_periodic: "council_periodic.png",
    ReportKind.supervision_result: "supervision_result.png",
    ReportKind.agency_scorecard: "agency_scorecard.png",
    ReportKind.social_criticism: "social_criticism.png",
}
CATEGORIES = (
    ("environment_sanitation", 18),
    ("construction_order", 16),
    ("traffic_infrastructure", 15),
    ("land", 12),
    ("public_security_order", 8),
    ("social_welfare", 7),
    ("administrative_procedures", 7),
    ("health", 5),
    ("education", 4),
    ("officials_conduct", 4),
    ("other", 4),
)
TITLES = {
    "environment_sanitation": "Rác thải tồn đọng, cống thoát nước bốc mùi",
    "construction_order": "Công trình xây dựng sai phép, lấn chiếm vỉa hè",
    "traffic_infrastructure": "Mặt đường xuống cấp, ổ gà gây mất an toàn",
    "land": "Chậm cấp giấy chứng nhận quyền sử dụng đất",
    "public_security_order": "Tụ tập gây mất trật tự ban đêm",
    "social_welfare": "Chậm chi trả trợ cấp xã hội",
    "administrative_procedures": "Thủ tục hành chính kéo dài",
    "health": "Trạm y tế thiếu thuốc",
    "education": "Trường học quá tải",
    "officials_conduct": "Cán bộ tiếp dân chưa đúng mực",
    "other": "Đề nghị bố trí thêm điểm sinh hoạt cộng đồng",
}
NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")


def _identity(generator: random.Random) -> Any:
    from service.petitions.schemas import PetitionerIn

    digits = "".join(str(generator.randrange(10)) for _ in range(8))
    return PetitionerIn(
        full_name=f"{generator.choice(NAMES)} Văn {generator.choice(('An', 'Bình', 'Cường'))}",
        phone=f"09{digits}",
        email=f"nguoidan{digits}@example.vn",
        national_id=f"0012{digits}",
        address="Hà Nội",
    )


async def _staff(session: AsyncSession, role: Role, name: str, unit: str | None) -> StaffUser:
    user = StaffUser(
        username=f"{role.value}-{uuid.uuid4().hex[:8]}",
        full_name=name,
        password_hash=_hash(),
        role=role,
        unit_code=unit,
    )
    session.add(user)
    await session.flush()
    return user


_HASH: list[str] = []


def _hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(uuid.uuid4().hex))
    return _HASH[0]


def principal(user: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        user_id=user.id, username=user.username, role=Role(user.role), unit_code=user.unit_code
    )


async def petitions_data(
    session: AsyncSession, settings: Settings, first: date, admin: StaffPrincipal
) -> None:
    """Petitions over the period in eight wards, through intake, triage and replies."""
    from service.auth import service as auth_service
    from service.auth.schemas import ApiClientCreate
    from service.directory.models import AdminUnit, Agency
    from service.petitions import duplicates, intake, triage
    from service.petitions.models import PetitionKind
    from service.petitions.schemas import PetitionCreate
    from service.replies import service as replies
    from service.replies.models import AnswerOutcome, Referral
    from service.replies.schemas import AnswerDraftWrite

    generator = random.Random(SEED)
    client_row, _ = await auth_service.create_api_client(
        session, ApiClientCreate(name="Ứng dụng iHanoi (minh họa)", scopes=["petitions:write"])
    )
    client = ClientPrincipal(client_id=client_row.id, name=client_row.name)
    front = principal(await _staff(session, Role.front_officer, "Trịnh Văn Tiếp", None))
    units = list(
        (
            await session.execute(
                select(col(AdminUnit.code))
                .where(col(AdminUnit.parent_code) == "01")
                .order_by(col(AdminUnit.code))
                .limit(8)
            )
        ).scalars()
    )
    if "00070" not in units:
        units[-1] = "00070"
    agencies = {
        agency.unit_code: agency
        for agency in (
            await session.execute(select(Agency).where(col(Agency.code).like("ubnd-0%")))
        ).scalars()
    }
    span = (date.today() - first).days
    leads: dict[tuple[str, str], Any] = {}
    for number in range(PETITIONS):
        kind = generator.choices(list(PetitionKind), (55, 28, 11, 6))[0]
        category = generator.choices(*zip(*CATEGORIES, strict=True))[0]
        unit = generator.choice(units)
        received = datetime.combine(
            first + timedelta(days=generator.randrange(max(span, 1))),
            time(8 + generator.randrange(9), generator.randrange(60)),
            TZ,
        )
        identified = kind in (PetitionKind.complaint, PetitionKind.denunciation)
        petition, _ = await intake.file_petition(
            session,
            settings,
            client,
            PetitionCreate(
                kind=kind,
                category=category,
                title=f"{TITLES[category]} ({number + 1})",
                description=f"{TITLES[category]}. Đề nghị cơ quan có thẩm quyền giải quyết.",
                unit_code=unit,
                channel=generator.choice(("app", "zalo", "web", "hotline")),
                petitioner=_identity(generator) if identified else None,
                contested_decision_date=received.date() - timedelta(days=10)
                if kind is PetitionKind.complaint
                else None,
                consent_to_process=True,
                consent_to_publish=generator.random() < 0.6,
                notify_channel="none",
            ),
            now=received,
        )
        key = (unit, category)
        if kind is PetitionKind.feedback and key in leads and generator.random() < 0.5:
            await duplicates.merge(session, petition, leads[key].id, front, reason="Trùng")
            continue
        if kind is PetitionKind.feedback and key not in leads:
            leads[key] = petition
        if generator.random() < 0.15:
            continue  # still being triaged
        await triage.accept(session, petition, front, None, now=received + timedelta(hours=4))
        agency = agencies.get(unit)
        if agency is None:
            continue
        referral_id = await triage.refer(
            session,
            settings,
            petition,
            front,
            agency_id=agency.id,
            reason="Thuộc thẩm quyền giải quyết của UBND phường",
            note=None,
            now=received + timedelta(days=1),
        )
        roll = generator.random()
        if roll < 0.15:
            continue  # waiting for the agency
        await replies.acknowledge(
            session,
            await replies.load_for_change(session, referral_id, admin),
            actor=admin,
            agency_reference=f"{number}/UBND",
        )
        if roll < 0.3:
            await session.execute(
                sa.update(Referral)
                .where(col(Referral.id) == referral_id)
                .values(due_at=utcnow() - timedelta(days=2), deadline_status="overdue")
                .execution_options(synchronize_session=False)
            )
            continue
        await replies.save_draft(
            session,
            await replies.load_for_change(session, referral_id, admin),
            actor=admin,
            draft=AnswerDraftWrite(
                outcome=AnswerOutcome.resolved,
                text="UBND phường đã kiểm tra, xử lý và thông báo kết quả.",
                document_number=f"{number}/UBND-TD",
                document_date=date.today(),
                signer_name="Chủ tịch UBND phường",
                signer_title="Chủ tịch",
            ),
        )
        await replies.submit_answer(
            session, await replies.load_for_change(session, referral_id, admin), actor=admin
        )
        await replies.accept_answer(
            session, await replies.load_for_change(session, referral_id, front), actor=front
        )
        await replies.publish_answer(
            session, await replies.load_for_change(session, referral_id, front), actor=front
        )


async def supervision_data(
    session: AsyncSession, settings: Settings, store: Any, first: date
) -> str:
    """A ward's supervision with two sessions, returning the plan's code."""
    from service.directory.models import Agency
    from service.oversight import service
    from service.oversight.models import AttendanceStatus, EntryKind, PlanForm, PlanRole
    from service.oversight.models import SessionMode as Mode
    from service.oversight.schemas import (
        AttendanceIn,
        EntryCreate,
        FindingCreate,
        MemberIn,
        ParticipantIn,
        PlanActionRequest,
        PlanCreate,
        RecommendationCreate,
        SessionCreate,
    )
    from service.oversight.service import evidence, log, recommendations

    agency = (
        await session.execute(select(Agency).where(col(Agency.code) == "ubnd-00070"))
    ).scalar_one()
    head = await _staff(session, Role.supervisor, "Hoàng Minh Trưởng", "00070")
    secretary = await _staff(session, Role.supervisor, "Đinh Thị Thư", "00070")
    member = await _staff(session, Role.supervisor, "Ngô Văn Thành", "00070")
    approver = await _staff(session, Role.front_officer, "Bùi Thị Duyệt", "00070")
    code = "KH-GS-2026/07"
    plan = await service.create_plan(
        session,
        PlanCreate(
            code=code,
            subject="Giám sát việc xử lý vi phạm trật tự xây dựng trên địa bàn phường Hoàn Kiếm",
            legal_basis="Luật Mặt trận Tổ quốc Việt Nam năm 2015 (sửa đổi năm 2025), Điều 27\n"
            "Nghị quyết liên tịch số 403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN\n"
            "Kế hoạch số 15/KH-MTTQ của Ban Thường trực Ủy ban MTTQ Việt Nam phường",
            form=PlanForm.delegation,
            unit_code="00070",
            period_start=first,
            period_end=date.today() + timedelta(days=30),
            description="Giám sát việc phát hiện, ngăn chặn và xử lý các công trình vi phạm "
            "trật tự xây dựng; việc tiếp nhận, trả lời phản ánh của người dân.",
            agency_ids=[agency.id],
            members=[
                MemberIn(user_id=head.id, role=PlanRole.head),
                MemberIn(user_id=secretary.id, role=PlanRole.secretary),
                MemberIn(user_id=member.id, role=PlanRole.member),
            ],
            participants=[
                ParticipantIn(
                    name="Đỗ Minh Chuyên",
                    organisation="Hội Kiến trúc sư Hà Nội",
                    capacity="Chuyên gia",
                )
            ],
        ),
        principal(head),
    )
    await service.transition_plan(session, plan.id, "submit", principal(head))
    await service.transition_plan(session, plan.id, "approve", principal(approver))
    finding_entries = []
    for number, title in enumerate(
        ("Làm việc với UBND phường", "Kiểm tra thực tế tại các công trình"), start=1
    ):
        supervision_session = await service.schedule_session(
            session,
            plan.id,
            SessionCreate(
                title=title,
                mode=Mode.hybrid,
                scheduled_start=datetime.now(UTC) + timedelta(hours=number),
                place="Hội trường UBND phường Hoàn Kiếm",
                meeting_link="https://meet.example.vn/gs-hoan-kiem",
            ),
            principal(head),
        )
        await service.open_session(session, supervision_session.id, principal(secretary))
        await service.record_attendance(
            session,
            supervision_session.id,
            [
                AttendanceIn(
                    user_id=head.id, capacity="Trưởng đoàn", status=AttendanceStatus.attended
                ),
                AttendanceIn(
                    name="Phạm Văn Chủ",
                    organisation="UBND phường Hoàn Kiếm",
                    agency_id=agency.id,
                    capacity="Chủ tịch UBND phường",
                    status=AttendanceStatus.attended,
                ),
            ],
            principal(secretary),
        )
        for kind, text in (
            (EntryKind.statement, "UBND phường báo cáo: phát hiện 14 công trình vi phạm."),
            (EntryKind.question, "Vì sao 12 công trình chưa bị xử lý dứt điểm?"),
            (EntryKind.answer, "Do thiếu lực lượng cưỡng chế; phường đã xin ý kiến thành phố."),
            (EntryKind.finding, "12 công trình vi phạm chưa bị xử lý quá 6 tháng."),
        ):
            entry, _ = await log.append_entry(
                session,
                supervision_session.id,
                EntryCreate(kind=kind, text=text),
                principal(secretary),
            )
            if kind is EntryKind.finding:
                finding_entries.append((supervision_session.id, entry.id))
        data = (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        )

        async def chunks(data: bytes = data) -> AsyncIterator[bytes]:
            yield data

        await evidence.upload_evidence(
            session,
            store,
            chunks(),
            principal(secretary),
            session_id=supervision_session.id,
            filename=f"Biên bản buổi {number}.pdf",
            max_bytes=settings.max_upload_bytes,
        )
    session_id, entry_id = finding_entries[0]
    finding = await recommendations.create_finding(
        session,
        plan.id,
        FindingCreate(
            title="Chậm xử lý vi phạm trật tự xây dựng",
            text="UBND phường chưa xử lý dứt điểm 12 công trình vi phạm trật tự xây dựng.",
            session_id=session_id,
            log_entry_ids=[entry_id],
        ),
        principal(member),
    )
    for sess_id, _ in finding_entries:
        await service.close_session(session, sess_id, principal(secretary))
        await log.seal_session(session, sess_id, principal(secretary))
    rec = await recommendations.create_recommendation(
        session,
        plan.id,
        RecommendationCreate(
            agency_id=agency.id,
            title="Xử lý dứt điểm 12 công trình vi phạm",
            text="Đề nghị UBND phường xử lý dứt điểm 12 công trình vi phạm trong quý IV.",
            finding_id=finding.id,
        ),
        principal(member),
    )
    await recommendations.issue_recommendation(session, rec.id, principal(head))
    await service.transition_plan(
        session,
        plan.id,
        "conclude",
        principal(head),
        PlanActionRequest(
            conclusion="UBND phường đã có nhiều cố gắng trong quản lý trật tự xây dựng nhưng "
            "việc xử lý vi phạm còn chậm, chưa dứt điểm."
        ),
    )
    return code


async def issue_reports(settings: Settings, work_dir: Path) -> list[Path]:
    """Make the demo data, issue the three reports; returns their PDFs in ``work_dir``."""
    from service.deadlines.policy import seed_default_policy
    from service.directory.seed import seed_reference_data
    from service.storage.backends import build_object_store
    from service.wiring import build_wiring

    first = date.today() - timedelta(days=180)
    store = build_object_store(settings)
    await store.start()
    engine = create_engine(settings)
    sessions = build_wiring(settings).sessions(engine)
    try:
        async with session_scope(sessions) as session:
            await seed_reference_data(session)
            await seed_default_policy(session)
            admin = principal(await _staff(session, Role.admin, "Quản trị", None))
            await petitions_data(session, settings, first, admin)
            plan_code = await supervision_data(session, settings, store, first)
        requests = [
            ReportCreate(
                kind=ReportKind.council_periodic,
                parameters={"from": first.isoformat(), "to": date.today().isoformat()},
                number_symbol="12/BC-MTTQ",
                signer_name="Nguyễn Thị Ký",
            ),
            ReportCreate(
                kind=ReportKind.supervision_result,
                parameters={"plan_code": plan_code},
                number_symbol="15/BC-ĐGS",
                issuing_body="Đoàn giám sát",
                parent_body="Ủy ban MTTQ Việt Nam\nphường Hoàn Kiếm",
            ),
            ReportCreate(
                kind=ReportKind.agency_scorecard,
                parameters={
                    "agency_code": "ubnd-00070",
                    "from": first.isoformat(),
                    "to": date.today().isoformat(),
                },
                number_symbol="13/BC-MTTQ",
                signer_name="Nguyễn Thị Ký",
                recipients=[
                    RecipientIn(name="Thường trực HĐND phường Hoàn Kiếm"),
                    RecipientIn(name="UBND phường Hoàn Kiếm"),
                ],
            ),
        ]
        written = []
        for request in requests:
            async with session_scope(sessions) as session:
                report = await reports_service.request_report(session, settings, admin, request)
            outcome = await render_report(sessions, settings, store, report.id)
            if outcome.error:
                raise RuntimeError(outcome.error)
            async with sessions() as session:
                issued = await reports_service.get_visible(session, admin, report.id)
            assert issued.object_key is not None
            pdf = work_dir / PICTURES[request.kind].replace(".png", ".pdf")
            chunks = [chunk async for chunk in await store.open(issued.object_key)]
            await asyncio.to_thread(pdf.write_bytes, b"".join(chunks))
            written.append(pdf)
        return written
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.pictures", description=__doc__)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--out", type=Path, default=Path("docs/reports"))
    parser.add_argument("--pdf-dir", type=Path, default=None, help="also keep the PDFs here")
    args = parser.parse_args(argv)
    name = f"giamsat_pictures_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = args.server.rsplit("/", 1)[0] + "/" + name
    try:
        from service.migrations.runner import upgrade

        upgrade(url)
        with tempfile.TemporaryDirectory(prefix="giamsat-pictures-") as data_dir:
            settings = Settings(
                database_url=url,
                data_dir=Path(data_dir),
                storage_backend="local",
                broker="stub",
                log_level="WARNING",
                report_signer_name="Nguyễn Thị Ký",
            )
            for pdf in asyncio.run(issue_reports(settings, Path(data_dir))):
                print(page1_png(pdf, args.out / pdf.with_suffix(".png").name))
                if args.pdf_dir is not None:
                    args.pdf_dir.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(pdf, args.pdf_dir / pdf.name)
    finally:
        with psycopg.connect(args.server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
