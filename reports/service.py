"""Report requests: create (queue a render through the outbox), read, list, retry a failed
render, regenerate as a new version, download and verify.

Rendering never happens here: a request writes the report row and a ``reports.render``
outbox row in the same transaction and answers 202; the job does the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, Unpack
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reports import access, repository
from reports.data.common import Recipient
from reports.document import verification_code
from reports.models import Report, ReportKind, ReportState
from reports.parameters import Resolved, resolve
from reports.schemas import ReportCreate, Verification
from service.audit.audited import pick
from service.audit.service import record
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.errors import Conflict, NotFound, StateConflict
from service.i18n import msg
from service.jobs.outbox import enqueue
from service.ratelimit import AddressFailures
from service.settings import Settings
from service.storage.keys import clean_filename
from service.storage.store import ObjectStore

RENDER_JOB = "reports.render"
PDF_VARIANTS = ("pdf/a-3b",)

# The raw (request) keys of each kind's normalised parameters, for re-resolving.
_RAW_KEYS = {
    ReportKind.council_periodic: ("from", "to", "unit_code"),
    ReportKind.supervision_result: ("plan_id", "include_log"),
    ReportKind.agency_scorecard: ("agency_id", "from", "to"),
    ReportKind.social_criticism: ("draft_code",),
}


def today(settings: Settings) -> date:
    return utcnow().astimezone(ZoneInfo(settings.timezone)).date()


def default_recipients(settings: Settings) -> list[Recipient]:
    return [Recipient.parse(text) for text in settings.report_recipients]


def snapshot(report: Report) -> dict[str, Any]:
    return pick(report, "kind", "version", "state", "parameters", "verification_code", "sha256")


def new_report(
    settings: Settings,
    resolved: Resolved,
    data: ReportCreate,
    requested_by: uuid.UUID | None,
    *,
    series_id: uuid.UUID | None = None,
    version: int = 1,
) -> Report:
    """The row for a request: header fields from the request, defaults from settings (the
    supervision report is signed by the head of the delegation unless told otherwise)."""
    report_id = uuid.uuid4()
    supervision = resolved.kind is ReportKind.supervision_result
    signer_name = data.signer_name or (
        resolved.plan_head if supervision and resolved.plan_head else settings.report_signer_name
    )
    if resolved.signer and not data.signer_name:  # a criticism: signed as it was issued
        signer_name, signer_title = resolved.signer
        on_behalf = data.signer_on_behalf or settings.report_signer_on_behalf
    elif data.signer_title:
        signer_title = data.signer_title
        on_behalf = data.signer_on_behalf
    elif supervision and not data.signer_name and resolved.plan_head:
        signer_title, on_behalf = "Trưởng đoàn", "TM. Đoàn giám sát"
    else:
        signer_title = settings.report_signer_title
        on_behalf = (
            data.signer_on_behalf
            if data.signer_on_behalf is not None
            else settings.report_signer_on_behalf
        )
    if data.recipients is not None:
        recipients = [
            Recipient(r.name, r.email, r.channel.value if r.channel else None)
            for r in data.recipients
        ]
    else:
        recipients = default_recipients(settings)
    variant = data.pdf_variant if data.pdf_variant is not None else settings.report_pdf_variant
    return Report(
        id=report_id,
        series_id=series_id or report_id,
        version=version,
        kind=resolved.kind,
        parameters=resolved.parameters,
        unit_code=resolved.unit_code,
        summary=data.summary or resolved.summary,
        state=ReportState.queued,
        stage="queued",
        percent=0,
        requested_by=requested_by,
        requested_at=utcnow(),
        updated_at=utcnow(),
        verification_code=verification_code(f"{report_id}:{version}"),
        number_symbol=data.number_symbol or resolved.number_symbol or settings.report_number_symbol,
        parent_body=(
            data.parent_body if data.parent_body is not None else settings.report_parent_body
        ),
        issuing_body=data.issuing_body or settings.report_issuing_body,
        place=data.place or settings.report_place,
        issue_date=data.issue_date or today(settings),
        signer_name=signer_name,
        signer_title=signer_title,
        signer_on_behalf=on_behalf or None,
        recipients=[r.as_json() for r in recipients],
        pdf_variant=variant if variant in PDF_VARIANTS else None,
    )


async def request_report(
    session: AsyncSession, settings: Settings, viewer: StaffPrincipal, data: ReportCreate
) -> Report:
    parameters = dict(data.parameters)
    if (
        data.kind is ReportKind.council_periodic
        and viewer.unit_code is not None
        and not parameters.get("unit_code")
    ):
        # A ward officer's council report is about their ward unless they say otherwise.
        parameters["unit_code"] = viewer.unit_code
    resolved = await resolve(session, data.kind, parameters, timezone=settings.timezone)
    await access.check_may_request(session, viewer, resolved)
    report = new_report(settings, resolved, data, viewer.user_id)
    session.add(report)
    await session.flush()
    await _queue(session, report)
    await _audit(session, viewer, "report.requested", report)
    return report


async def _audit(
    session: AsyncSession,
    viewer: StaffPrincipal,
    action: str,
    report: Report,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    """The audit row of a request on ``report``, with the report as it is now."""
    await record(
        session,
        actor=viewer,
        action=action,
        entity_type="report",
        entity_id=report.id,
        before=before,
        after=snapshot(report),
    )


async def _queue(session: AsyncSession, report: Report) -> None:
    await enqueue(
        session,
        RENDER_JOB,
        {"report_id": str(report.id)},
        dedupe_key=f"{RENDER_JOB}:{report.id}:{report.attempts}",
    )


async def get_visible(
    session: AsyncSession, viewer: StaffPrincipal, report_id: uuid.UUID, *, for_update: bool = False
) -> Report:
    report = await repository.get_report(session, report_id, for_update=for_update)
    if report is None or not await access.may_see(session, viewer, report):
        raise NotFound(msg("report_not_found"))
    return report


def is_stale(report: Report) -> bool:
    return (
        report.state == ReportState.rendering
        and utcnow() - report.updated_at > repository.STALE_AFTER
    )


def actions_open(viewer: StaffPrincipal, report: Report, latest_version: int) -> list[str]:
    """What ``viewer`` may do with ``report`` now, given the latest version of its series
    (only the latest may be regenerated)."""
    actions = []
    if report.state == ReportState.issued:
        actions.append("download")
    may_request = access.may_request_kind(viewer, ReportKind(report.kind))
    if may_request and (report.state == ReportState.failed or is_stale(report)):
        actions.append("retry")
    if (
        may_request
        and report.state in (ReportState.issued, ReportState.failed)
        and latest_version == report.version
    ):
        actions.append("regenerate")
    return actions


async def allowed_actions(
    session: AsyncSession, viewer: StaffPrincipal, report: Report
) -> list[str]:
    return actions_open(viewer, report, await repository.latest_version(session, report.series_id))


async def actions_of_each(
    session: AsyncSession, viewer: StaffPrincipal, reports: Sequence[Report]
) -> dict[uuid.UUID, list[str]]:
    """``allowed_actions`` of every report of a page, with one query for their series."""
    latest = await repository.latest_versions(session, [r.series_id for r in reports])
    return {r.id: actions_open(viewer, r, latest.get(r.series_id, 0)) for r in reports}


async def list_reports(
    session: AsyncSession, viewer: StaffPrincipal, **filters: Unpack[repository.ReportFilters]
) -> tuple[list[Report], str | None]:
    """The reports ``viewer`` may see, narrowed and paged by ``filters`` (every one of them
    given, by keyword)."""
    return await repository.list_reports(session, access.visible_clause(viewer), **filters)


async def retry_report(
    session: AsyncSession, viewer: StaffPrincipal, report_id: uuid.UUID
) -> Report:
    """Queue a failed (or stalled) render again; the same row, the same version."""
    report = await get_visible(session, viewer, report_id, for_update=True)
    await _check_may_act(session, viewer, report)
    if not (report.state == ReportState.failed or is_stale(report)):
        raise StateConflict(
            msg("report_retry_not_failed"),
            state=report.state,
            allowed_actions=await allowed_actions(session, viewer, report),
        )
    before = snapshot(report)
    report.state = ReportState.queued
    report.stage = "queued"
    report.percent = 0
    report.updated_at = utcnow()
    await session.flush()
    await _queue(session, report)
    await _audit(session, viewer, "report.retried", report, before=before)
    return report


async def regenerate_report(
    session: AsyncSession, settings: Settings, viewer: StaffPrincipal, report_id: uuid.UUID
) -> Report:
    """A new version of the report from today's data, with the same parameters and header
    (dated today). The issued version stays as it was."""
    source = await get_visible(session, viewer, report_id, for_update=True)
    await _check_may_act(session, viewer, source)
    latest = await repository.latest_version(session, source.series_id)
    if source.state not in (ReportState.issued, ReportState.failed) or latest != source.version:
        raise StateConflict(
            msg("report_regenerate_not_latest"),
            state=source.state,
            allowed_actions=await allowed_actions(session, viewer, source),
        )
    kind = ReportKind(source.kind)
    raw = {key: source.parameters.get(key) for key in _RAW_KEYS[kind] if key in source.parameters}
    resolved = await resolve(session, kind, raw, timezone=settings.timezone)
    await access.check_may_request(session, viewer, resolved)
    data = ReportCreate(
        kind=kind,
        parameters=raw,
        summary=source.summary,
        number_symbol=source.number_symbol,
        parent_body=source.parent_body or "",
        issuing_body=source.issuing_body,
        place=source.place,
        signer_name=source.signer_name,
        signer_title=source.signer_title,
        signer_on_behalf=source.signer_on_behalf or "",
        recipients=[_recipient_in(item) for item in source.recipients],
        pdf_variant=source.pdf_variant or "pdf",  # type: ignore[arg-type]
    )
    report = new_report(
        settings, resolved, data, viewer.user_id, series_id=source.series_id, version=latest + 1
    )
    session.add(report)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(msg("report_version_race")) from None
    await _queue(session, report)
    await _audit(
        session,
        viewer,
        "report.regenerated",
        report,
        before={"previous_id": source.id, "previous_version": source.version},
    )
    return report


def _recipient_in(item: dict[str, Any]) -> Any:
    from reports.schemas import RecipientIn

    return RecipientIn(name=item["name"], email=item.get("email"), channel=item.get("channel"))


async def _check_may_act(session: AsyncSession, viewer: StaffPrincipal, report: Report) -> None:
    """Retrying and regenerating are requests: the same rules as asking for the report."""
    kind = ReportKind(report.kind)
    raw = {key: report.parameters.get(key) for key in _RAW_KEYS[kind] if key in report.parameters}
    resolved = await resolve(session, kind, raw, timezone="UTC")
    await access.check_may_request(session, viewer, resolved)


def download_name(report: Report) -> str:
    number = report.number_symbol.replace("/", "-").strip(" -") or "bao-cao"
    return clean_filename(f"Báo cáo {number} v{report.version}.pdf")


async def download_url(
    session: AsyncSession,
    settings: Settings,
    store: ObjectStore,
    viewer: StaffPrincipal,
    report_id: uuid.UUID,
) -> str:
    report = await get_visible(session, viewer, report_id)
    if report.state != ReportState.issued or report.object_key is None:
        raise StateConflict(
            msg("report_not_issued"),
            state=report.state,
            allowed_actions=await allowed_actions(session, viewer, report),
        )
    return await store.presigned_get(
        report.object_key,
        filename=download_name(report),
        content_type="application/pdf",
        ttl=settings.download_url_ttl_seconds,
    )


def _may_be_code(code: str) -> bool:
    """What a verification code can look like (letters, digits, dashes, spaces; short)."""
    return len(code) <= 40 and all(ch.isascii() and (ch.isalnum() or ch in "- ") for ch in code)


async def verify(session: AsyncSession, code: str) -> Report | None:
    """The issued report printed with this verification code (case and dashes forgiven)."""
    if not _may_be_code(code):
        return None
    cleaned = code.strip().upper().replace(" ", "")
    if len(cleaned) == 8 and "-" not in cleaned:
        cleaned = f"{cleaned[:4]}-{cleaned[4:]}"
    report = await repository.by_verification_code(session, cleaned)
    if report is None or report.state != ReportState.issued:
        return None
    return report


async def verified_report(session: AsyncSession, code: str, failures: AddressFailures) -> Report:
    """The issued report a printed copy's code names. Codes are 40 bits: guessing through
    them is slowed per client address (``failures``); a printed copy's code is always
    answered. The portal's page shows what the copy itself prints (issuer, number, date)."""
    report = await verify(session, code)
    if report is None or report.issued_at is None or report.sha256 is None:
        await failures.count()
        raise NotFound(msg("verification_code_unknown"))
    return report


async def verify_copy(session: AsyncSession, code: str, failures: AddressFailures) -> Verification:
    """The API's public check of a printed copy: which report, and its file's hash."""
    report = await verified_report(session, code, failures)
    assert report.issued_at is not None
    assert report.sha256 is not None
    return Verification(
        kind=ReportKind(report.kind),
        version=report.version,
        issued_at=report.issued_at,
        sha256=report.sha256,
    )


async def deliveries(session: AsyncSession, reports: Sequence[Report]) -> dict[uuid.UUID, Any]:
    return await repository.deliveries_for(session, [r.id for r in reports])
