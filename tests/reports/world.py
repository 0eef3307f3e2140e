"""Fixture data for the report tests, made through the domain packages' services: petitions
filed through intake, triaged, merged and routed; referrals acknowledged, answered and
published through replies; a supervision plan with sessions, attendance, a log, evidence,
a seal, findings and recommendations through oversight.

Every number a test checks is counted here, independently of the reports' SQL, from what
was created. Only the passage of time is simulated by SQL (a referral's deadline moved into
the past, as the sweep would find it days later).
"""

from __future__ import annotations

import functools
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from reports.data import build_document
from reports.data.common import DocumentFrame, Recipient
from reports.document import verification_code
from reports.models import ReportKind
from reports.parameters import resolve
from reports.render import RenderedPdf
from reports.streaming import render_in_thread
from service.auth.models import Role, StaffUser
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.auth.secrets import hash_password
from service.db import utcnow
from service.deadlines.policy import seed_default_policy
from service.directory.models import Agency
from service.oversight import service as plans
from service.oversight.models import (
    AttendanceStatus,
    EntryKind,
    PlanForm,
    PlanRole,
    SessionMode,
)
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
from service.oversight.service import evidence as oversight_evidence
from service.oversight.service import log as oversight_log
from service.oversight.service import recommendations as recs
from service.petitions import duplicates, intake, triage
from service.petitions.models import Petition, PetitionKind
from service.petitions.schemas import PetitionCreate, PetitionerIn
from service.replies import service as replies
from service.replies.models import AnswerOutcome, Referral
from service.replies.schemas import AnswerDraftWrite
from service.settings import Settings
from service.storage.store import ObjectStore
from tests.factories import BA_DINH, HOAN_KIEM, PASSWORD, create_api_client, create_user

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WARD_AGENCY = "ubnd-00070"
SANITATION = "environment_sanitation"
TRAFFIC = "traffic_infrastructure"

# Personal data used in the fixtures: none of it may appear in a report.
PETITIONER = PetitionerIn(
    full_name="Nguyễn Văn Bình",
    phone="0912345678",
    email="binh.nguyen@example.vn",
    national_id="001203004567",
    address="12 Hàng Bông",
)
COMPLAINANT = PetitionerIn(
    full_name="Lê Thị Khiếu",
    phone="0987654321",
    email="khieu.le@example.vn",
    national_id="001199000111",
    address="5 Hàng Gai",
)
DENOUNCER = PetitionerIn(
    full_name="Trần Văn Tố",
    phone="0901234567",
    email="to.tran@example.vn",
    national_id="001188000222",
    address="9 Lý Quốc Sư",
)
PERSONAL_DATA = [
    value
    for person in (PETITIONER, COMPLAINANT, DENOUNCER)
    for value in (person.full_name, person.phone, person.email, person.national_id)
    if value
]
CLUSTER_TITLE = "Ngập nước đường Hàng Bông sau mưa, liên hệ 0912345678"


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def make_staff(
    session: AsyncSession,
    role: Role,
    full_name: str,
    *,
    unit_code: str | None = HOAN_KIEM,
    agency: Agency | None = None,
) -> StaffUser:
    """A staff account with a real name (its hash computed once: argon2 is slow)."""
    user = StaffUser(
        username=f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:8]}",
        full_name=full_name,
        password_hash=_password_hash(),
        role=role,
        unit_code=unit_code,
        agency_id=agency.id if agency else None,
    )
    session.add(user)
    await session.flush()
    return user


def principal(user: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        unit_code=user.unit_code,
        agency_id=user.agency_id,
    )


async def agency_by_code(session: AsyncSession, code: str) -> Agency:
    return (await session.execute(select(Agency).where(col(Agency.code) == code))).scalar_one()


def today() -> date:
    return utcnow().astimezone(TZ).date()


@dataclass
class Filed:
    petition: Petition
    kind: PetitionKind
    unit_code: str
    category: str
    answered: bool = False
    overdue: bool = False
    merged: bool = False


@dataclass
class CouncilWorld:
    first: date
    last: date
    ward_front: StaffUser
    city_front: StaffUser
    agency_officer: StaffUser
    agency: Agency
    filed: list[Filed] = field(default_factory=list)
    outside_period: list[Petition] = field(default_factory=list)
    lead: Petition | None = None
    denunciation: Petition | None = None
    overdue_recommendation: Petition | None = None
    answered_referral: Referral | None = None

    def in_unit(self, unit_code: str | None) -> list[Filed]:
        return [f for f in self.filed if unit_code is None or f.unit_code == unit_code]


async def _file(
    session: AsyncSession,
    settings: Settings,
    client: ClientPrincipal,
    *,
    kind: PetitionKind,
    category: str,
    title: str,
    unit_code: str = HOAN_KIEM,
    petitioner: PetitionerIn | None = None,
    consent_to_publish: bool = False,
    now: datetime | None = None,
) -> Petition:
    petition, _ = await intake.file_petition(
        session,
        settings,
        client,
        PetitionCreate(
            kind=kind,
            category=category,
            title=title,
            description=f"{title}. Đề nghị cơ quan có thẩm quyền xem xét, giải quyết.",
            unit_code=unit_code,
            channel="zalo",
            petitioner=petitioner,
            contested_decision_date=today() - timedelta(days=20)
            if kind is PetitionKind.complaint
            else None,
            consent_to_process=True,
            consent_to_publish=consent_to_publish,
            notify_channel="none",
        ),
        now=now,
    )
    return petition


async def answer_referral(
    session: AsyncSession, referral_id: uuid.UUID, agency: StaffPrincipal, front: StaffPrincipal
) -> None:
    """The agency acknowledges and answers; the Front accepts and publishes the answer."""
    await replies.acknowledge(
        session,
        await replies.load_for_change(session, referral_id, agency),
        actor=agency,
        agency_reference="15/UBND-TD",
    )
    await finish_answer(session, referral_id, agency, front)


async def finish_answer(
    session: AsyncSession, referral_id: uuid.UUID, agency: StaffPrincipal, front: StaffPrincipal
) -> None:
    """An acknowledged referral answered, accepted and published."""
    await replies.save_draft(
        session,
        await replies.load_for_change(session, referral_id, agency),
        actor=agency,
        draft=AnswerDraftWrite(
            outcome=AnswerOutcome.resolved,
            text="UBND phường đã nạo vét cống thoát nước đoạn đường Hàng Bông.",
            document_number="27/UBND-QLĐT",
            document_date=today(),
            signer_name="Phạm Văn Chủ",
            signer_title="Chủ tịch UBND phường",
        ),
    )
    await replies.submit_answer(
        session, await replies.load_for_change(session, referral_id, agency), actor=agency
    )
    await replies.accept_answer(
        session, await replies.load_for_change(session, referral_id, front), actor=front
    )
    await replies.publish_answer(
        session, await replies.load_for_change(session, referral_id, front), actor=front
    )


async def make_overdue(session: AsyncSession, referral_id: uuid.UUID) -> None:
    """Days pass: the referral's deadline lies behind us and the sweep flagged it."""
    await session.execute(
        sa.update(Referral)
        .where(col(Referral.id) == referral_id)
        .values(due_at=utcnow() - timedelta(days=3), deadline_status="overdue")
        .execution_options(synchronize_session=False)
    )


async def council_world(session: AsyncSession, settings: Settings) -> CouncilWorld:
    """Petitions of Hoàn Kiếm (and one of Ba Đình) over the last 40 days."""
    await seed_default_policy(session)
    api, _ = await create_api_client(session)
    client = ClientPrincipal(client_id=api.id, name=api.name, scopes=frozenset(api.scopes))
    agency = await agency_by_code(session, WARD_AGENCY)
    world = CouncilWorld(
        first=today() - timedelta(days=40),
        last=today(),
        ward_front=await create_user(session, Role.front_officer, unit_code=HOAN_KIEM),
        city_front=await create_user(session, Role.front_officer),
        agency_officer=await create_user(session, Role.agency_officer, agency=agency),
        agency=agency,
    )
    front = principal(world.ward_front)
    officer = principal(world.agency_officer)

    # A cluster: one lead and two duplicates merged into it; answered and published.
    lead = await _file(
        session,
        settings,
        client,
        kind=PetitionKind.feedback,
        category="environment_sanitation",
        title=CLUSTER_TITLE,
        petitioner=PETITIONER,
        consent_to_publish=True,
    )
    world.lead = lead
    lead_filed = Filed(lead, PetitionKind.feedback, HOAN_KIEM, "environment_sanitation")
    world.filed.append(lead_filed)
    for number in (1, 2):
        duplicate = await _file(
            session,
            settings,
            client,
            kind=PetitionKind.feedback,
            category="environment_sanitation",
            title=f"Đường Hàng Bông ngập sau mưa ({number})",
        )
        await duplicates.merge(session, duplicate, lead.id, front, reason="Cùng nội dung")
        world.filed.append(
            Filed(
                duplicate, PetitionKind.feedback, HOAN_KIEM, "environment_sanitation", merged=True
            )
        )
    await triage.accept(session, lead, front, None)
    referral_id = await triage.refer(
        session,
        settings,
        lead,
        front,
        agency_id=agency.id,
        reason="Thuộc thẩm quyền phường",
        note=None,
    )
    await answer_referral(session, referral_id, officer, front)
    lead_filed.answered = True
    world.answered_referral = await session.get(Referral, referral_id)

    # A recommendation routed and acknowledged, now past its answer deadline.
    overdue = await _file(
        session,
        settings,
        client,
        kind=PetitionKind.recommendation,
        category="traffic_infrastructure",
        title="Đề nghị lắp đèn tín hiệu giao thông ngã tư Hàng Bài",
    )
    await triage.accept(session, overdue, front, None)
    overdue_referral = await triage.refer(
        session,
        settings,
        overdue,
        front,
        agency_id=agency.id,
        reason="Thuộc thẩm quyền phường",
        note=None,
    )
    await replies.acknowledge(
        session,
        await replies.load_for_change(session, overdue_referral, officer),
        actor=officer,
        agency_reference="16/UBND-TD",
    )
    await make_overdue(session, overdue_referral)
    world.overdue_recommendation = overdue
    world.filed.append(
        Filed(
            overdue, PetitionKind.recommendation, HOAN_KIEM, "traffic_infrastructure", overdue=True
        )
    )

    # A complaint, still being triaged.
    complaint = await _file(
        session,
        settings,
        client,
        kind=PetitionKind.complaint,
        category="land",
        title="Khiếu nại quyết định thu hồi đất",
        petitioner=COMPLAINANT,
    )
    world.filed.append(Filed(complaint, PetitionKind.complaint, HOAN_KIEM, "land"))

    # A denunciation, routed and overdue: counted, never listed.
    denunciation = await _file(
        session,
        settings,
        client,
        kind=PetitionKind.denunciation,
        category="officials_conduct",
        title="Tố cáo cán bộ địa chính nhận tiền",
        petitioner=DENOUNCER,
    )
    await triage.accept(session, denunciation, front, None)
    denunciation_referral = await triage.refer(
        session,
        settings,
        denunciation,
        front,
        agency_id=agency.id,
        reason="Thuộc thẩm quyền phường",
        note=None,
    )
    await make_overdue(session, denunciation_referral)
    world.denunciation = denunciation
    world.filed.append(
        Filed(denunciation, PetitionKind.denunciation, HOAN_KIEM, "officials_conduct", overdue=True)
    )

    # Another ward: in the city's report, not in Hoàn Kiếm's.
    other = await _file(
        session,
        settings,
        client,
        kind=PetitionKind.feedback,
        category="construction_order",
        title="Công trình xây dựng không phép trên phố Quán Thánh",
        unit_code=BA_DINH,
    )
    world.filed.append(Filed(other, PetitionKind.feedback, BA_DINH, "construction_order"))

    # Before the period: in nobody's figures.
    world.outside_period.append(
        await _file(
            session,
            settings,
            client,
            kind=PetitionKind.feedback,
            category="environment_sanitation",
            title="Rác thải tồn đọng ngõ Hàng Chiếu",
            now=datetime.combine(world.first - timedelta(days=5), datetime.min.time(), TZ),
        )
    )
    await session.flush()
    return world


@dataclass
class SupervisionWorld:
    plan_id: uuid.UUID
    plan_code: str
    subject: str
    head: StaffUser
    members: list[tuple[StaffUser, str]]
    agency: Agency
    session_titles: list[str]
    attendance_names: list[str]
    entries: dict[str, int]
    evidence: list[tuple[str, str, int]]  # name, sha256, size
    manifest_sha256: list[str]
    finding_titles: list[str]
    recommendation_titles: list[str]
    recommendation_due: list[datetime]
    conclusion: str


async def _bytes(data: bytes) -> AsyncIterator[bytes]:
    yield data


def small_pdf(label: str) -> bytes:
    """A small, valid PDF (the storage sniffer checks the bytes)."""
    body = (
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        f"% {label}\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return body.encode()


async def supervision_world(
    session: AsyncSession, settings: Settings, store: ObjectStore
) -> SupervisionWorld:
    """A ward's supervision of construction order: one sealed session with attendance, a
    log, two evidence files; a finding, a conclusion, a recommendation issued to the ward's
    People's Committee."""
    await seed_default_policy(session)
    agency = await agency_by_code(session, WARD_AGENCY)
    head = await make_staff(session, Role.supervisor, "Hoàng Văn Trưởng")
    member = await make_staff(session, Role.supervisor, "Ngô Thị Thành")
    secretary = await make_staff(session, Role.supervisor, "Đinh Văn Thư")
    approver = await make_staff(session, Role.front_officer, "Bùi Thị Duyệt")
    p_head, p_secretary, p_member = principal(head), principal(secretary), principal(member)
    code = f"KH-GS-{uuid.uuid4().hex[:8].upper()}"
    subject = "Giám sát việc xử lý vi phạm trật tự xây dựng trên địa bàn phường"
    plan = await plans.create_plan(
        session,
        PlanCreate(
            code=code,
            subject=subject,
            legal_basis="Luật Mặt trận Tổ quốc Việt Nam năm 2015 (sửa đổi năm 2025), Điều 27\n"
            "Nghị quyết liên tịch số 403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN",
            form=PlanForm.delegation,
            unit_code=HOAN_KIEM,
            period_start=today() - timedelta(days=30),
            period_end=today() + timedelta(days=30),
            agency_ids=[agency.id],
            members=[
                MemberIn(user_id=head.id, role=PlanRole.head),
                MemberIn(user_id=member.id, role=PlanRole.member),
                MemberIn(user_id=secretary.id, role=PlanRole.secretary),
            ],
            participants=[
                ParticipantIn(
                    name="Đỗ Minh Chuyên",
                    organisation="Hội Kiến trúc sư Hà Nội",
                    capacity="Chuyên gia",
                )
            ],
        ),
        p_head,
    )
    await plans.transition_plan(session, plan.id, "submit", p_head)
    await plans.transition_plan(session, plan.id, "approve", principal(approver))
    title = "Làm việc với UBND phường về trật tự xây dựng"
    supervision_session = await plans.schedule_session(
        session,
        plan.id,
        SessionCreate(
            title=title,
            mode=SessionMode.hybrid,
            scheduled_start=datetime.now(UTC) + timedelta(hours=1),
            place="Hội trường UBND phường Hoàn Kiếm",
            meeting_link="https://meet.example.vn/gs-01",
            agenda=["UBND phường báo cáo", "Đoàn giám sát chất vấn"],
        ),
        p_head,
    )
    await plans.open_session(session, supervision_session.id, p_secretary)
    await plans.record_attendance(
        session,
        supervision_session.id,
        [
            AttendanceIn(user_id=head.id, capacity="Trưởng đoàn", status=AttendanceStatus.attended),
            AttendanceIn(
                name="Phạm Văn Chủ",
                organisation="UBND phường Hoàn Kiếm",
                agency_id=agency.id,
                capacity="Chủ tịch UBND phường",
                status=AttendanceStatus.attended,
            ),
            AttendanceIn(
                name="Vũ Thị Vắng",
                organisation="Đội Quản lý trật tự xây dựng",
                capacity="Đội trưởng",
                status=AttendanceStatus.absent,
                reason="Đi công tác",
            ),
        ],
        p_secretary,
    )
    entries = {"statement": 0, "question": 0, "answer": 0, "finding": 0}
    texts = [
        (EntryKind.statement, "UBND phường báo cáo: năm 2026 phát hiện 14 công trình vi phạm."),
        (EntryKind.question, "Vì sao 12 công trình chưa bị xử lý dứt điểm?"),
        (EntryKind.answer, "Do thiếu lực lượng cưỡng chế; phường đã xin ý kiến thành phố."),
        (EntryKind.finding, "12 công trình vi phạm chưa bị xử lý quá 6 tháng."),
    ]
    finding_entry = None
    for kind, text in texts:
        entry, _ = await oversight_log.append_entry(
            session, supervision_session.id, EntryCreate(kind=kind, text=text), p_secretary
        )
        entries[kind.value] += 1
        if kind is EntryKind.finding:
            finding_entry = entry
    evidence = []
    for name in ("Biên bản làm việc.pdf", "Danh sách công trình vi phạm.pdf"):
        data = small_pdf(name)
        view = await oversight_evidence.upload_evidence(
            session,
            store,
            _bytes(data),
            p_secretary,
            session_id=supervision_session.id,
            filename=name,
            max_bytes=settings.max_upload_bytes,
            size_hint=len(data),
        )
        evidence.append((view.name, view.sha256, view.size_bytes))
    assert finding_entry is not None
    finding_title = "Chậm xử lý vi phạm trật tự xây dựng"
    finding = await recs.create_finding(
        session,
        plan.id,
        FindingCreate(
            title=finding_title,
            text="UBND phường chưa xử lý dứt điểm 12 công trình vi phạm trật tự xây dựng.",
            session_id=supervision_session.id,
            log_entry_ids=[finding_entry.id],
        ),
        p_member,
    )
    await plans.close_session(session, supervision_session.id, p_secretary)
    sealed = await oversight_log.seal_session(session, supervision_session.id, p_secretary)
    rec_title = "Xử lý dứt điểm 12 công trình vi phạm"
    rec = await recs.create_recommendation(
        session,
        plan.id,
        RecommendationCreate(
            agency_id=agency.id,
            title=rec_title,
            text="Đề nghị UBND phường xử lý dứt điểm 12 công trình vi phạm trong quý IV.",
            finding_id=finding.id,
        ),
        p_member,
    )
    issued = await recs.issue_recommendation(session, rec.id, p_head)
    conclusion = "Đoàn giám sát đánh giá UBND phường đã có nhiều cố gắng nhưng còn chậm."
    await plans.transition_plan(
        session, plan.id, "conclude", p_head, PlanActionRequest(conclusion=conclusion)
    )
    await session.flush()
    assert issued.due_at is not None
    assert sealed.manifest_sha256 is not None
    return SupervisionWorld(
        plan_id=plan.id,
        plan_code=code,
        subject=subject,
        head=head,
        members=[(head, "Trưởng đoàn"), (secretary, "Thư ký"), (member, "Thành viên")],
        agency=agency,
        session_titles=[title],
        attendance_names=["Phạm Văn Chủ", "Vũ Thị Vắng"],
        entries=entries,
        evidence=evidence,
        manifest_sha256=[sealed.manifest_sha256],
        finding_titles=[finding_title],
        recommendation_titles=[rec_title],
        recommendation_due=[issued.due_at],
        conclusion=conclusion,
    )


FRAME = {
    "number_symbol": "12/BC-MTTQ",
    "issuing_body": "Ban Thường trực",
    "parent_body": "Ủy ban MTTQ Việt Nam\nThành phố Hà Nội",
    "place": "Hà Nội",
    "signer_name": "Nguyễn Thị Ký",
    "signer_title": "Chủ tịch",
    "signer_on_behalf": "TM. Ban Thường trực",
}


async def render(
    session: AsyncSession,
    settings: Settings,
    kind: ReportKind,
    raw: dict[str, object],
    output: Path,
    *,
    issue_date: date = date(2027, 1, 5),
    recipients: tuple[str, ...] = ("Thường trực HĐND Thành phố", "UBND Thành phố"),
    chunk_rows: int | None = 40,
    pdf_variant: str | None = None,
    store: ObjectStore | None = None,
) -> RenderedPdf:
    """Resolve, gather and render as the render job does, in the test's transaction."""
    resolved = await resolve(session, kind, raw, timezone=settings.timezone)
    frame = DocumentFrame(
        issue_date=issue_date,
        verification_code=verification_code(f"test:{kind}:{uuid.uuid4()}"),
        recipients=[Recipient.parse(text) for text in recipients],
        **FRAME,
    )
    document = await build_document(
        session, resolved.typed, frame, now=utcnow(), title=resolved.summary, store=store
    )
    return await render_in_thread(document, output, chunk_rows=chunk_rows, pdf_variant=pdf_variant)


def pdf_text(path: Path, page: int | None = None, *, layout: bool = False) -> str:
    command = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        command.append("-layout")
    if page is not None:
        command += ["-f", str(page), "-l", str(page)]
    command += [str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """Whitespace collapsed, so text wrapped over lines still matches."""
    return " ".join(text.split())


def squeezed(text: str) -> str:
    """All whitespace removed (hashes wrap inside narrow table cells)."""
    return "".join(text.split())


def in_order(phrase: str, text: str) -> bool:
    """The phrase's words appear in ``text`` in order: a table cell's lines are interleaved
    with its neighbours' in pdftotext's reading order."""
    words = iter(text.split())
    return all(any(word == candidate for candidate in words) for word in phrase.split())


def page_lines(path: Path, page: int) -> list[str]:
    return [line.strip() for line in pdf_text(path, page, layout=True).splitlines() if line.strip()]


def check_numbered_from_page_two(path: Path, pages: int) -> None:
    assert pages >= 2
    assert page_lines(path, 1)[0] != "1"
    for page in range(2, pages + 1):
        assert page_lines(path, page)[0] == str(page), f"page {page} has no number on top"


def check_fonts_embedded(path: Path) -> None:
    listing = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout
    fonts = listing.splitlines()[2:]
    assert fonts
    assert "DejaVu" not in listing
    for font in fonts:
        assert "Liberation-Serif" in font.split()[0], font
        assert font.split()[-5] == "yes", f"not embedded: {font}"


TAMPERED_TEXT = "Phường đã xử lý xong mọi vi phạm."


async def tamper_with_log(session: AsyncSession, plan_id: uuid.UUID) -> None:
    """What someone with the database's superuser password could do to a sealed session:
    bypass the append-only triggers, rewrite one entry's text and delete another."""
    await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    bind = {"plan": plan_id}
    entries = """
        SELECT e.id FROM supervision_log_entry e
          JOIN supervision_session s ON s.id = e.session_id
         WHERE s.plan_id = :plan AND e.seq = :seq"""
    await session.execute(
        sa.text(f"UPDATE supervision_log_entry SET text = :text WHERE id = ({entries})"),
        {**bind, "seq": 3, "text": TAMPERED_TEXT},
    )
    await session.execute(
        sa.text(f"DELETE FROM supervision_log_entry WHERE id = ({entries})"), {**bind, "seq": 2}
    )
    await session.execute(sa.text("SET LOCAL session_replication_role = origin"))


@dataclass
class ReconcileWorld:
    """Varied data for the cross-checks: what was made is not counted here; the test checks
    that the reports' figures agree with each other."""

    first: date
    last: date
    agencies: dict[str, Agency]  # unit code -> its People's Committee
    plan_codes: dict[str, str]  # unit code -> the ward's supervision plan


async def reconcile_world(session: AsyncSession, settings: Settings) -> ReconcileWorld:
    """In two wards: petitions of every kind in every status (received, waiting for
    information, accepted, rejected, referred, acknowledged, answered on time and late,
    overdue, declined and re-routed, withdrawn, merged), one filed before the period and
    answered in it; and a supervision per ward whose recommendations are referred to the
    ward's People's Committee (one acknowledged and overdue; one session sealed, one open)."""
    from service.petitions import citizen
    from service.petitions.schemas import RejectRequest

    await seed_default_policy(session)
    api, _ = await create_api_client(session)
    client = ClientPrincipal(client_id=api.id, name=api.name, scopes=frozenset(api.scopes))
    world = ReconcileWorld(
        first=today() - timedelta(days=40), last=today(), agencies={}, plan_codes={}
    )
    for unit_code in (HOAN_KIEM, BA_DINH):
        agency = await agency_by_code(session, f"ubnd-{unit_code}")
        world.agencies[unit_code] = agency
        front = principal(await create_user(session, Role.front_officer, unit_code=unit_code))
        officer = principal(await create_user(session, Role.agency_officer, agency=agency))

        async def filed(
            kind: PetitionKind,
            title: str,
            *,
            unit_code: str = unit_code,
            now: datetime | None = None,
        ) -> Petition:
            return await _file(
                session,
                settings,
                client,
                kind=kind,
                category=SANITATION if kind is PetitionKind.feedback else TRAFFIC,
                title=title,
                unit_code=unit_code,
                petitioner=COMPLAINANT
                if kind in (PetitionKind.complaint, PetitionKind.denunciation)
                else None,
                now=now,
            )

        async def referred(
            petition: Petition, agency: Agency = agency, front: StaffPrincipal = front
        ) -> uuid.UUID:
            await triage.accept(session, petition, front, None)
            return await triage.refer(
                session,
                settings,
                petition,
                front,
                agency_id=agency.id,
                reason="Thẩm quyền",
                note=None,
            )

        await filed(PetitionKind.feedback, "Đèn chiếu sáng ngõ bị hỏng")  # received
        waiting = await filed(PetitionKind.recommendation, "Đề nghị sửa vỉa hè")
        await triage.request_info(session, waiting, front, "Đề nghị cho biết số nhà cụ thể.")
        accepted = await filed(PetitionKind.complaint, "Khiếu nại quyết định xử phạt")
        await triage.accept(session, accepted, front, None)
        rejected = await filed(PetitionKind.feedback, "Nội dung không rõ ràng")
        await triage.reject(
            session,
            rejected,
            front,
            RejectRequest(reason_code="insufficient_content", reason="Không đủ nội dung"),
        )
        await referred(await filed(PetitionKind.feedback, "Rác thải ven hồ"))  # sent
        acknowledged = await referred(await filed(PetitionKind.recommendation, "Lắp biển báo"))
        await replies.acknowledge(
            session,
            await replies.load_for_change(session, acknowledged, officer),
            actor=officer,
            agency_reference="1/UB",
        )
        lead = await filed(PetitionKind.feedback, "Cống thoát nước bị tắc")
        await answer_referral(session, await referred(lead), officer, front)  # on time
        duplicate = await filed(PetitionKind.feedback, "Cống thoát nước tắc (trùng)")
        await duplicates.merge(session, duplicate, lead.id, front, reason="Cùng nội dung")
        late = await referred(await filed(PetitionKind.recommendation, "Sửa đèn tín hiệu"))
        await replies.acknowledge(
            session,
            await replies.load_for_change(session, late, officer),
            actor=officer,
            agency_reference="3/UB",
        )
        await make_overdue(session, late)  # days pass before the answer comes
        await finish_answer(session, late, officer, front)  # late
        overdue = await referred(await filed(PetitionKind.denunciation, "Tố cáo cán bộ"))
        await make_overdue(session, overdue)
        declined_petition = await filed(PetitionKind.feedback, "Lấn chiếm lòng đường")
        declined = await referred(declined_petition)
        await replies.decline(
            session,
            await replies.load_for_change(session, declined, officer),
            actor=officer,
            reason="Không thuộc thẩm quyền",
        )
        withdrawn = await filed(PetitionKind.feedback, "Tiếng ồn công trình")
        await citizen.withdraw(session, withdrawn, "Đã được giải quyết")
        # Filed and referred before the period, answered in it: in no figure of this
        # period's cohorts.
        before = datetime.combine(world.first - timedelta(days=5), datetime.min.time(), TZ)
        early = await filed(PetitionKind.feedback, "Cây đổ chắn đường", now=before)
        early_referral = await referred(early)
        await session.execute(
            sa.update(Referral)
            .where(col(Referral.id) == early_referral)
            .values(created_at=before + timedelta(hours=2))
            .execution_options(synchronize_session=False)
        )
        await answer_referral(session, early_referral, officer, front)

        world.plan_codes[unit_code] = await _reconcile_plan(
            session, unit_code, agency, officer, sealed=unit_code == HOAN_KIEM
        )
    # A recommendation of Hoàn Kiếm's supervision issued to Ba Đình's committee, which
    # declines it; re-issued to Hoàn Kiếm's: a referral for each.
    await _declined_and_reissued(session, world)
    await session.flush()
    return world


async def _reconcile_plan(
    session: AsyncSession,
    unit_code: str,
    agency: Agency,
    officer: StaffPrincipal,
    *,
    sealed: bool,
) -> str:
    head = await make_staff(session, Role.supervisor, "Hoàng Văn Trưởng", unit_code=unit_code)
    approver = await make_staff(session, Role.front_officer, "Bùi Thị Duyệt", unit_code=unit_code)
    p_head = principal(head)
    code = f"KH-GS-{uuid.uuid4().hex[:8].upper()}"
    plan = await plans.create_plan(
        session,
        PlanCreate(
            code=code,
            subject="Giám sát việc giải quyết kiến nghị của cử tri",
            legal_basis="Luật Mặt trận Tổ quốc Việt Nam, Điều 27",
            form=PlanForm.delegation,
            unit_code=unit_code,
            period_start=today() - timedelta(days=10),
            period_end=today() + timedelta(days=10),
            agency_ids=[agency.id],
            members=[MemberIn(user_id=head.id, role=PlanRole.head)],
        ),
        p_head,
    )
    await plans.transition_plan(session, plan.id, "submit", p_head)
    await plans.transition_plan(session, plan.id, "approve", principal(approver))
    supervision_session = await plans.schedule_session(
        session,
        plan.id,
        SessionCreate(
            title="Làm việc với UBND phường",
            mode=SessionMode.online,
            scheduled_start=datetime.now(UTC) + timedelta(hours=1),
            meeting_link="https://meet.example.vn/gs",
        ),
        p_head,
    )
    await plans.open_session(session, supervision_session.id, p_head)
    for kind, text in ((EntryKind.statement, "Báo cáo"), (EntryKind.question, "Câu hỏi")):
        await oversight_log.append_entry(
            session, supervision_session.id, EntryCreate(kind=kind, text=text), p_head
        )
    if sealed:
        await plans.close_session(session, supervision_session.id, p_head)
        await oversight_log.seal_session(session, supervision_session.id, p_head)
    referral_ids = []
    for title in ("Giải quyết dứt điểm kiến nghị tồn đọng", "Công khai kết quả giải quyết"):
        rec = await recs.create_recommendation(
            session,
            plan.id,
            RecommendationCreate(agency_id=agency.id, title=title, text=f"Đề nghị: {title}."),
            p_head,
        )
        issued = await recs.issue_recommendation(session, rec.id, p_head)
        assert issued.referral_id is not None
        referral_ids.append(issued.referral_id)
    await replies.acknowledge(
        session,
        await replies.load_for_change(session, referral_ids[0], officer),
        actor=officer,
        agency_reference="2/UB",
    )
    await make_overdue(session, referral_ids[0])
    return code


async def _declined_and_reissued(session: AsyncSession, world: ReconcileWorld) -> None:
    from service.oversight.models import SupervisionPlan

    plan = (
        await session.execute(
            select(SupervisionPlan).where(col(SupervisionPlan.code) == world.plan_codes[HOAN_KIEM])
        )
    ).scalar_one()
    head_id = (
        await session.execute(
            sa.text("SELECT user_id FROM supervision_plan_member WHERE plan_id = :plan"),
            {"plan": plan.id},
        )
    ).scalar_one()
    head = principal(await session.get_one(StaffUser, head_id))
    wrong, right = world.agencies[BA_DINH], world.agencies[HOAN_KIEM]
    rec = await recs.create_recommendation(
        session,
        plan.id,
        RecommendationCreate(agency_id=wrong.id, title="Sửa chữa nhà văn hóa", text="Đề nghị."),
        head,
    )
    issued = await recs.issue_recommendation(session, rec.id, head)
    assert issued.referral_id is not None
    officer = principal(await create_user(session, Role.agency_officer, agency=wrong))
    await replies.decline(
        session,
        await replies.load_for_change(session, issued.referral_id, officer),
        actor=officer,
        reason="Không thuộc thẩm quyền",
    )
    await recs.issue_recommendation(session, rec.id, head, agency_id=right.id)
