"""The render job's body: claim, gather, render, store, issue, hand over to delivery.

    claim (queued -> rendering, attempts+1)                     own transaction
    gather + render in a worker thread, progress every second   read-only snapshot
    stream the PDF to the object store                          reports/<id>.pdf
    issue: hash, size, pages; one delivery row and one
    ``reports.deliver`` outbox job per recipient                one transaction

The data are read in one REPEATABLE READ, READ ONLY transaction, so every figure and list of
a report describes the same instant. A failure at any step records the error on the report
(state ``failed``, retryable through the API) instead of raising: a render is expensive and
most of its failures are not transient, so nothing retries those blindly. A transient one
(object store or database unreachable) puts the report back in the queue and the job is
retried by the broker with backoff, until its last attempt records the failure. A report that is
already issued, or being rendered by someone else, is left alone: the job is idempotent.

A report that presents sealed or hashed material (the seals of supervision sessions, the
SHA-256 of evidence files) verifies it first, in the same snapshot; when anything does not
match, the report is not issued: it is marked failed with the reason in Vietnamese (which
session or file, what differs) and the refusal is audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports import repository
from reports.data import build_document
from reports.data.common import DocumentFrame, Recipient
from reports.models import (
    DeliveryChannel,
    DeliveryState,
    Report,
    ReportDelivery,
    ReportKind,
    ReportState,
)
from reports.parameters import typed
from reports.render import RenderedPdf
from reports.streaming import render_in_thread
from service.audit.service import record
from service.db import session_scope, utcnow
from service.jobs.outbox import enqueue
from service.scrub import describe_failure, internal_names, transient_failure
from service.settings import Settings
from service.storage.store import ObjectStore

logger = structlog.get_logger(__name__)

DELIVER_JOB = "reports.deliver"
PROGRESS_INTERVAL_SECONDS = 1.0
HEARTBEAT_SECONDS = 30.0
UPLOAD_CHUNK_BYTES = 1024 * 1024
REASONS_LISTED = 5


def object_key(report_id: uuid.UUID) -> str:
    return f"reports/{report_id.hex}.pdf"


# The header and closing block as the report row keeps them, under the frame's own names.
FRAME_FIELDS = (
    "number_symbol",
    "parent_body",
    "issuing_body",
    "place",
    "issue_date",
    "signer_name",
    "signer_title",
    "signer_on_behalf",
    "verification_code",
)
# What the audit event of an issued report records: the file a printed copy is checked against.
ISSUED_AUDIT_FIELDS = ("kind", "version", "sha256", "size_bytes", "page_count", "verification_code")


def frame_of(report: Report, settings: Settings) -> DocumentFrame:
    return DocumentFrame(
        **{name: getattr(report, name) for name in FRAME_FIELDS},
        recipients=[
            Recipient(item["name"], item.get("email"), item.get("channel"))
            for item in report.recipients
        ],
        archive_line=settings.report_archive_line,
        author=" ".join(
            part.replace("\\n", " ").replace("\n", " ")
            for part in (report.issuing_body, report.parent_body or "")
            if part
        ),
    )


class ProgressWriter:
    """Collects (stage, percent) from any thread; writes the latest to the report row at
    most once per ``interval`` (and at least every ``heartbeat``, so a live render never
    looks stale). Writes are conditional on this job's claim."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        report_id: uuid.UUID,
        attempts: int,
        *,
        interval: float = PROGRESS_INTERVAL_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.report_id = report_id
        self.attempts = attempts
        self.interval = interval
        self.latest: tuple[str, int] = ("gathering", 0)
        self.written: tuple[str, int] | None = None
        self.written_at = 0.0

    def set(self, stage: str, percent: int) -> None:
        """Thread-safe (a tuple assignment); only the latest value matters."""
        self.latest = (stage, percent)

    async def flush(self) -> None:
        current = self.latest
        if current == self.written and time.monotonic() - self.written_at < HEARTBEAT_SECONDS:
            return
        async with session_scope(self.sessions) as session:
            await repository.record_progress(session, self.report_id, self.attempts, *current)
        self.written = current
        self.written_at = time.monotonic()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        stop = asyncio.Event()

        async def loop() -> None:
            while not stop.is_set():
                try:
                    await self.flush()
                except Exception:  # progress is best effort; the render goes on
                    logger.warning("report_progress_write_failed", exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.interval)

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            stop.set()
            await task


class RenderDeferred(Exception):
    """A render failed on a transient error and was put back in the queue: the broker
    retries the job with backoff."""


class IntegrityRefused(Exception):
    """The document presents sealed or hashed material that no longer matches: not issued."""

    def __init__(self, warnings: tuple[str, ...] | list[str]) -> None:
        self.warnings = list(warnings)
        super().__init__(refusal_reason(self.warnings))


def refusal_reason(warnings: list[str]) -> str:
    """What the officer reads in the failed report's ``error``."""
    listed = warnings[:REASONS_LISTED]
    if len(warnings) > REASONS_LISTED:
        listed.append(
            f"Và {len(warnings) - REASONS_LISTED} nội dung khác (ghi đủ trong nhật ký kiểm toán)."
        )
    return (
        "Không phát hành báo cáo: dữ liệu đã niêm phong hoặc đã ghi mã SHA-256 không còn "
        "nguyên vẹn. " + " ".join(listed) + " Đề nghị kiểm tra niêm phong của buổi làm việc "
        "(chức năng xác minh niêm phong) và báo cáo người có thẩm quyền; báo cáo chỉ được "
        "phát hành khi dữ liệu khớp với niêm phong."
    )


@dataclass(frozen=True)
class RenderOutcome:
    report_id: uuid.UUID
    state: ReportState | None  # None: not ours to render (issued, or rendering elsewhere)
    error: str | None = None


def _render_percent(stage: str, percent: int) -> tuple[str, int]:
    """The renderer's 0-100 mapped into this job's 10-90."""
    if stage == "render":
        return "rendering", 10 + percent * 75 // 90
    if stage == "merge":
        return "merging", 86
    return "rendering", 88


async def render_report(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    store: ObjectStore,
    report_id: uuid.UUID,
    *,
    now: datetime | None = None,
    retry_transient: bool = False,
    read_sessions: async_sessionmaker[AsyncSession] | None = None,
) -> RenderOutcome:
    """Render, store and issue one report.

    ``read_sessions``: where the data is gathered (the read replica's sessions, see
    ``service.readonly``; the report may then miss what the primary committed in the last
    moment of replication delay); ``sessions`` when None. The report's own rows (claim,
    progress, issue) are always written on the primary through ``sessions``.

    ``retry_transient``: on a failure that may pass by itself (the object store or the
    database unreachable, a timeout) the report goes back to ``queued`` and
    ``RenderDeferred`` is raised, for the broker to run the job again after a backoff; the
    job passes False on its last allowed attempt, which records the failure instead.
    """
    async with session_scope(sessions) as session:
        attempts = await repository.claim(session, report_id)
    if attempts is None:
        logger.info("report_not_claimed", report_id=str(report_id))
        return RenderOutcome(report_id, None)
    progress = ProgressWriter(sessions, report_id, attempts)
    stage = "gathering"
    try:
        async with session_scope(sessions) as session:
            report = await repository.get_report(session, report_id)
            assert report is not None
        with tempfile.TemporaryDirectory(prefix="giamsat-report-") as scratch:
            output = Path(scratch) / "report.pdf"
            async with progress.running():
                async with (read_sessions or sessions)() as snapshot:
                    await snapshot.connection(
                        execution_options={
                            "isolation_level": "REPEATABLE READ",
                            "postgresql_readonly": True,
                        }
                    )
                    parameters = typed(
                        ReportKind(report.kind), report.parameters, timezone=settings.timezone
                    )
                    document = await build_document(
                        snapshot,
                        parameters,
                        frame_of(report, settings),
                        now=now or utcnow(),
                        title=report.summary,
                        store=store,
                    )
                    if document.integrity_warnings:
                        raise IntegrityRefused(list(document.integrity_warnings))
                    stage = "rendering"
                    progress.set(stage, 10)
                    rendered = await render_in_thread(
                        document,
                        output,
                        pdf_variant=report.pdf_variant,
                        chunk_rows=settings.report_chunk_rows,
                        progress=lambda s, p: progress.set(*_render_percent(s, p)),
                    )
                stage = "uploading"
                progress.set(stage, 90)
                key = object_key(report_id)
                await store.put_stream(
                    key,
                    _file_chunks(output),
                    size_hint=rendered.size_bytes,
                    content_type="application/pdf",
                )
        stage = "issuing"
        async with session_scope(sessions) as session:
            issued = await _issue(session, settings, report_id, attempts, key, rendered)
    except IntegrityRefused as refused:
        logger.warning("report_integrity_refused", report_id=str(report_id))
        async with session_scope(sessions) as session:
            if await repository.record_failure(
                session, report_id, attempts, "verifying", str(refused)
            ):
                await record(
                    session,
                    actor=None,
                    action="report.integrity_refused",
                    entity_type="report",
                    entity_id=report_id,
                    after={"warnings": refused.warnings},
                )
        return RenderOutcome(report_id, ReportState.failed, str(refused))
    except Exception as exc:
        # Officers read ``error``: the type and a text with no internal address.
        error = f"{stage}: {describe_failure(exc, hide=internal_names(settings))}"
        if retry_transient and transient_failure(exc):
            logger.warning(
                "report_render_deferred", report_id=str(report_id), stage=stage, exc_info=True
            )
            async with session_scope(sessions) as session:
                await repository.release_for_retry(session, report_id, attempts, stage, error)
            raise RenderDeferred(f"report {report_id}: {error}") from exc
        logger.exception("report_render_failed", report_id=str(report_id), stage=stage)
        async with session_scope(sessions) as session:
            await repository.record_failure(session, report_id, attempts, stage, error)
        return RenderOutcome(report_id, ReportState.failed, error)
    if not issued:
        return RenderOutcome(report_id, None)
    logger.info("report_issued", report_id=str(report_id), pages=rendered.page_count)
    return RenderOutcome(report_id, ReportState.issued)


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as stream:
        while chunk := await asyncio.to_thread(stream.read, UPLOAD_CHUNK_BYTES):
            yield chunk


async def _issue(
    session: AsyncSession,
    settings: Settings,
    report_id: uuid.UUID,
    attempts: int,
    key: str,
    rendered: RenderedPdf,
) -> bool:
    report = await repository.lock_own_claim(session, report_id, attempts)
    if report is None:
        # Someone else took the report over (a retry after we looked stale): theirs wins.
        return False
    report.object_key = key
    report.sha256 = rendered.sha256
    report.size_bytes = rendered.size_bytes
    report.page_count = rendered.page_count
    report.stage = "issued"
    report.percent = 100
    report.error = None
    report.issued_at = utcnow()
    report.updated_at = report.issued_at
    report.state = ReportState.issued
    await session.flush()
    await _create_deliveries(session, settings, report)
    await record(
        session,
        actor=None,
        action="report.issued",
        entity_type="report",
        entity_id=report.id,
        after={name: getattr(report, name) for name in ISSUED_AUDIT_FIELDS},
    )
    return True


def delivery_channel(
    item: dict[str, object], size_bytes: int, settings: Settings
) -> DeliveryChannel:
    """A link when asked for or when the PDF is too large to attach; else the PDF itself."""
    if item.get("channel") == DeliveryChannel.email_link.value:
        return DeliveryChannel.email_link
    if size_bytes > settings.report_attachment_max_bytes:
        return DeliveryChannel.email_link
    return DeliveryChannel.email_attachment


async def _create_deliveries(session: AsyncSession, settings: Settings, report: Report) -> None:
    """One row per recipient; those with an email address get a ``reports.deliver`` job,
    the others are recorded as skipped (their copy goes by post or by hand)."""
    for position, item in enumerate(report.recipients, start=1):
        email = item.get("email")
        delivery = ReportDelivery(
            report_id=report.id,
            position=position,
            recipient_name=str(item["name"])[:300],
            email=email,
            channel=delivery_channel(item, report.size_bytes or 0, settings),
            state=DeliveryState.pending if email else DeliveryState.skipped,
            last_error=None if email else "no email address on the recipient list",
        )
        session.add(delivery)
        await session.flush()
        if email:
            await enqueue(
                session,
                DELIVER_JOB,
                {"delivery_id": str(delivery.id)},
                dedupe_key=f"{DELIVER_JOB}:{delivery.id}",
            )
