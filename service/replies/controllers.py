"""Routes: the agency inbox and actions, the Front's review and decisions, the public feed
of answers and the agency scorecards.

Every route that changes a referral needs ``If-Match`` with the ETag of the referral as
last read (428 without it, 412 when stale); responses about one referral carry its ETag.
"""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post, put
from litestar.params import Parameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.deadlines.models import ItemKind
from service.errors import Invalid, NotFound, PreconditionRequired
from service.i18n import msg
from service.replies import repository, service
from service.replies.models import AnswerStatus, Referral, ReferralState
from service.replies.providers import item_provider
from service.replies.schemas import (
    AcknowledgeRequest,
    AgencyScorecardRead,
    AnswerDraftWrite,
    AnswerRead,
    AttachmentRead,
    DeclineRequest,
    EscalateRequest,
    ExtensionDecision,
    ExtensionRead,
    ExtensionRequestCreate,
    HistoryRead,
    InboxItem,
    NoteRequest,
    PublicAnswerPage,
    PublicAnswerRead,
    RatingRequest,
    ReasonRequest,
    ReferralDetail,
    ReferralPage,
    ReferralRead,
    RevealedIdentity,
    RevealRequest,
    ScorecardResponse,
)
from service.replies.scorecards import agency_scorecards
from service.settings import Settings
from service.storage.http import (
    filename_from_disposition,
    request_chunks,
    size_hint,
)
from service.storage.service import download_url
from service.storage.store import ObjectStore

AGENCY = staff(Role.agency_officer)
FRONT = staff(Role.front_officer)
READERS = staff(Role.front_officer, Role.supervisor, Role.council_reader)

StaffRequest = Request[StaffPrincipal, Any, Any]
PageLimit = Annotated[int, Parameter(ge=1, le=repository.MAX_PAGE)]


# -- ETag / If-Match ---------------------------------------------------------------------------


def etag(referral: Referral) -> str:
    return f'"{referral.version}"'


def if_match(request: Request[Any, Any, Any]) -> int | None:
    """The version named by ``If-Match`` (None for ``*``); 428 when the header is missing."""
    header = request.headers.get("if-match")
    if not header:
        raise PreconditionRequired(msg("if_match_required"))
    value = header.strip()
    if value == "*":
        return None
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise Invalid(msg("if_match_invalid"), field="If-Match")
    return int(value)


def _check_day(value: date | None, field: str) -> None:
    """Dates a period can sensibly start or end on (and that date arithmetic can handle)."""
    if value is not None and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        raise Invalid(msg("date_out_of_range"), field=field)


def _read(
    referral: Referral, viewer: StaffPrincipal, item: dict[str, Any] | None = None
) -> InboxItem:
    return InboxItem.model_validate(referral).model_copy(
        update={
            "extensions_granted": len(referral.extensions),
            "allowed_actions": service.actions_for(referral, viewer),
            "item": item,
        }
    )


def _with_etag(referral: Referral, body: Any, status_code: int = HTTP_200_OK) -> Response[Any]:
    return Response(body, status_code=status_code, headers={"ETag": etag(referral)})


async def _agency_item(
    session: AsyncSession, referral: Referral, viewer: StaffPrincipal
) -> dict[str, Any] | None:
    provider = item_provider(session, referral.item_type)
    if provider is None:
        return None
    return await provider.agency_view(session, referral.item_id, viewer)


def _answer(answer: Any, readable: bool) -> AnswerRead:
    shaped = AnswerRead.model_validate(answer)
    if readable:
        return shaped
    return shaped.model_copy(
        update={
            "text": "",
            "legal_basis": None,
            "signer_name": None,
            "review_note": None,
            "attachment_ids": [],
            "text_withheld": True,
        }
    )


async def _detail(
    session: AsyncSession, referral: Referral, viewer: StaffPrincipal, *, agency_side: bool
) -> ReferralDetail:
    answers = await repository.answers_of(session, referral.id)
    if not agency_side:  # drafts are private to the agency
        answers = [a for a in answers if a.status != AnswerStatus.draft]
    attachments = await repository.attachments_of(session, referral.id)
    if not agency_side:
        shown = {i for a in answers for i in a.attachment_ids}
        attachments = [(link, ev) for link, ev in attachments if ev.id in shown]
    item = await _agency_item(session, referral, viewer) if agency_side else None
    base = _read(referral, viewer, item)
    readable = service.may_read_answer_text(referral, viewer)
    if not readable:
        attachments = []
    return ReferralDetail(
        **base.model_dump(),
        answers=[_answer(a, readable) for a in answers],
        extensions=[
            ExtensionRead.model_validate(e)
            for e in await repository.extensions_of(session, referral.id)
        ],
        history=[
            HistoryRead.model_validate(h) for h in await repository.history_of(session, referral.id)
        ],
        attachments=[
            AttachmentRead(
                evidence_id=ev.id,
                original_name=ev.original_name,
                content_type=ev.content_type,
                size_bytes=ev.size_bytes,
                sha256=ev.sha256,
                added_at=link.added_at,
            )
            for link, ev in attachments
        ],
    )


def _local(moment: datetime | None, settings: Settings) -> datetime | None:
    """A time without a zone is Hanoi local time (the edges speak Asia/Ho_Chi_Minh)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(settings.timezone))


def _states(values: list[str] | None) -> tuple[ReferralState, ...]:
    try:
        return tuple(ReferralState(v) for v in values or [])
    except ValueError as exc:
        raise Invalid(
            msg("state_unknown", choices=[s.value for s in ReferralState]), field="state"
        ) from exc


# -- agency ------------------------------------------------------------------------------------


class AgencyReferralController(Controller):
    path = "/agency/referrals"
    tags = ["agency referrals"]
    guards = [AGENCY]

    @get("/", summary="My agency's inbox, by due date (keyset pagination)")
    async def inbox(
        self,
        request: StaffRequest,
        db_session: AsyncSession,
        settings: Settings,
        states: Annotated[list[str] | None, Parameter(query="state")] = None,
        item_kind: ItemKind | None = None,
        item_type: str | None = Parameter(default=None, max_length=32),
        due_before: datetime | None = None,
        due_after: datetime | None = None,
        overdue: bool | None = None,
        agency_id: uuid.UUID | None = Parameter(
            default=None, description="Admins only: whose inbox."
        ),
        cursor: str | None = Parameter(default=None, max_length=200),
        limit: PageLimit = 50,
    ) -> ReferralPage:
        viewer = request.user
        scope = viewer.agency_id if viewer.role == Role.agency_officer else agency_id
        filters = repository.ReferralFilter(
            agency_id=scope,
            states=_states(states),
            item_kind=item_kind.value if item_kind else None,
            item_type=item_type,
            due_before=_local(due_before, settings),
            due_after=_local(due_after, settings),
            overdue=overdue,
        )
        rows, next_cursor = await repository.list_referrals(
            db_session, filters, now=utcnow(), cursor=cursor, limit=limit
        )
        # The item itself (text, and identity where the law allows) only in the detail view:
        # a list must not spread personal data, nor cost a provider call per row.
        items = [_read(r, viewer) for r in rows]
        return ReferralPage(items=items, next_cursor=next_cursor)

    @get("/{referral_id:uuid}", summary="One referral with the item, answers and history")
    async def detail(
        self, request: StaffRequest, referral_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[ReferralDetail]:
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        body = await _detail(db_session, referral, request.user, agency_side=True)
        return _with_etag(referral, body)

    @post(
        "/{referral_id:uuid}/petitioner/reveal",
        status_code=HTTP_200_OK,
        summary="Reveal who filed the item, with a reason (audited: who, when, why)",
        description=(
            "No referral view carries a denouncer's identity. The officer of the agency "
            "competent to resolve the denunciation may reveal it here while the agency "
            "handles it, giving a reason; the reveal is audited. Refused (403) to anyone "
            "else, and to the agency that employs the denounced person."
        ),
    )
    async def reveal_petitioner(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: RevealRequest,
        db_session: AsyncSession,
    ) -> RevealedIdentity:
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        shown = await service.reveal_item_identity(db_session, referral, request.user, data.reason)
        return RevealedIdentity.model_validate(shown)

    @post("/{referral_id:uuid}/acknowledge", status_code=HTTP_200_OK, summary="Thụ lý")
    async def acknowledge(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: AcknowledgeRequest,
        db_session: AsyncSession,
    ) -> Response[ReferralRead]:
        referral = await service.acknowledge(
            db_session,
            referral_id,
            actor=request.user,
            agency_reference=data.agency_reference,
            note=data.note,
            expected_version=if_match(request),
        )
        return _with_etag(referral, _read(referral, request.user))

    @post(
        "/{referral_id:uuid}/decline",
        status_code=HTTP_200_OK,
        summary="Decline as not competent (back to the Front)",
    )
    async def decline(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: DeclineRequest,
        db_session: AsyncSession,
    ) -> Response[ReferralRead]:
        referral = await service.decline(
            db_session,
            referral_id,
            actor=request.user,
            reason=data.reason,
            suggested_agency_id=data.suggested_agency_id,
            expected_version=if_match(request),
        )
        return _with_etag(referral, _read(referral, request.user))

    @post(
        "/{referral_id:uuid}/extensions",
        status_code=HTTP_201_CREATED,
        summary="Ask for an extension (within the policy)",
    )
    async def request_extension(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: ExtensionRequestCreate,
        db_session: AsyncSession,
    ) -> Response[ExtensionRead]:
        extension = await service.request_extension(
            db_session,
            referral_id,
            actor=request.user,
            reason=data.reason,
            new_due_date=data.new_due_date,
            expected_version=if_match(request),
        )
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        return _with_etag(referral, ExtensionRead.model_validate(extension), HTTP_201_CREATED)

    @put("/{referral_id:uuid}/answer", summary="Save the draft answer (private to the agency)")
    async def save_draft(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: AnswerDraftWrite,
        db_session: AsyncSession,
    ) -> Response[AnswerRead]:
        answer = await service.save_draft(
            db_session,
            referral_id,
            actor=request.user,
            draft=data,
            expected_version=if_match(request),
        )
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        return _with_etag(referral, AnswerRead.model_validate(answer))

    @post(
        "/{referral_id:uuid}/answer/submit",
        status_code=HTTP_200_OK,
        summary="Submit the draft answer to the Front",
    )
    async def submit(
        self, request: StaffRequest, referral_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[AnswerRead]:
        answer = await service.submit_answer(
            db_session, referral_id, actor=request.user, expected_version=if_match(request)
        )
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        return _with_etag(referral, AnswerRead.model_validate(answer))

    @post(
        "/{referral_id:uuid}/attachments",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload a file for the answer (raw body, streamed to evidence storage)",
        description=(
            "Send the file as the request body; the name from `?filename=` or "
            "Content-Disposition. Then list its evidence id in the draft's attachment_ids."
        ),
    )
    async def upload(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
        filename: str | None = Parameter(default=None, max_length=255),
    ) -> AttachmentRead:
        name = filename or filename_from_disposition(request.headers.get("content-disposition"))
        evidence = await service.add_attachment(
            db_session,
            object_store,
            referral_id,
            request_chunks(request),
            actor=request.user,
            filename=name,
            max_bytes=settings.max_upload_bytes,
            size_hint=size_hint(request),
        )
        return AttachmentRead(
            evidence_id=evidence.id,
            original_name=evidence.original_name,
            content_type=evidence.content_type,
            size_bytes=evidence.size_bytes,
            sha256=evidence.sha256,
            added_at=evidence.uploaded_at,
        )

    @get(
        "/{referral_id:uuid}/attachments/{evidence_id:uuid}",
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        summary="Download an attachment (short-lived URL; logged in the chain of custody)",
    )
    async def download(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        evidence_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
    ) -> Redirect:
        return await _download(
            db_session, object_store, settings, request.user, referral_id, evidence_id, True
        )


async def _download(
    session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    viewer: StaffPrincipal,
    referral_id: uuid.UUID,
    evidence_id: uuid.UUID,
    agency_side: bool,
) -> Redirect:
    referral = await service.get_visible_referral(session, referral_id, viewer)
    if not service.may_read_answer_text(referral, viewer):
        raise NotFound(msg("attachment_not_found"))
    attachments = dict(
        (ev.id, ev) for _, ev in await repository.attachments_of(session, referral.id)
    )
    evidence = attachments.get(evidence_id)
    if evidence is not None and not agency_side:
        shown = {
            i
            for a in await repository.answers_of(session, referral.id)
            if a.status != AnswerStatus.draft
            for i in a.attachment_ids
        }
        evidence = evidence if evidence.id in shown else None
    if evidence is None:
        raise NotFound(msg("attachment_not_found"))
    url = await download_url(
        session, store, evidence, viewer, ttl=settings.download_url_ttl_seconds
    )
    return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)


# -- Front -------------------------------------------------------------------------------------


class FrontReferralController(Controller):
    path = "/referrals"
    tags = ["referrals"]

    @get("/", guards=[FRONT], summary="Referrals of my unit (all at city level), by due date")
    async def list_referrals(
        self,
        request: StaffRequest,
        db_session: AsyncSession,
        settings: Settings,
        states: Annotated[list[str] | None, Parameter(query="state")] = None,
        agency_id: uuid.UUID | None = None,
        item_kind: ItemKind | None = None,
        item_type: str | None = Parameter(default=None, max_length=32),
        due_before: datetime | None = None,
        due_after: datetime | None = None,
        overdue: bool | None = None,
        cursor: str | None = Parameter(default=None, max_length=200),
        limit: PageLimit = 50,
    ) -> ReferralPage:
        viewer = request.user
        filters = repository.ReferralFilter(
            agency_id=agency_id,
            unit_code=viewer.unit_code,
            states=_states(states),
            item_kind=item_kind.value if item_kind else None,
            item_type=item_type,
            due_before=_local(due_before, settings),
            due_after=_local(due_after, settings),
            overdue=overdue,
        )
        rows, next_cursor = await repository.list_referrals(
            db_session, filters, now=utcnow(), cursor=cursor, limit=limit
        )
        return ReferralPage(items=[_read(r, viewer) for r in rows], next_cursor=next_cursor)

    @get(
        "/council",
        guards=[READERS],
        summary="Referrals escalated to the People's Council list",
    )
    async def council(
        self,
        request: StaffRequest,
        db_session: AsyncSession,
        settings: Settings,
        from_: date | None = Parameter(query="from", default=None),
        to: date | None = Parameter(default=None),
    ) -> list[ReferralRead]:
        _check_day(from_, "from")
        _check_day(to, "to")
        tz = ZoneInfo(settings.timezone)
        start = datetime.combine(from_, time(0), tzinfo=tz) if from_ else None
        end = datetime.combine(to + timedelta(days=1), time(0), tzinfo=tz) if to else None
        rows = await repository.council_list(
            db_session, unit_code=request.user.unit_code, start=start, end=end
        )
        return [_read(r, request.user) for r in rows]

    @get("/{referral_id:uuid}", guards=[FRONT], summary="One referral (drafts are not shown)")
    async def detail(
        self, request: StaffRequest, referral_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[ReferralDetail]:
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        body = await _detail(db_session, referral, request.user, agency_side=False)
        return _with_etag(referral, body)

    @post(
        "/{referral_id:uuid}/extensions/{extension_id:uuid}/decision",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Approve or refuse an extension request",
    )
    async def decide_extension(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        extension_id: uuid.UUID,
        data: ExtensionDecision,
        db_session: AsyncSession,
    ) -> Response[ExtensionRead]:
        extension = await service.decide_extension(
            db_session,
            referral_id,
            extension_id,
            actor=request.user,
            approve=data.approve,
            note=data.note,
            expected_version=if_match(request),
        )
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        return _with_etag(referral, ExtensionRead.model_validate(extension))

    @post(
        "/{referral_id:uuid}/answer/return",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Return the submitted answer asking for more (the clock keeps running)",
    )
    async def return_answer(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: ReasonRequest,
        db_session: AsyncSession,
    ) -> Response[AnswerRead]:
        answer = await service.return_answer(
            db_session,
            referral_id,
            actor=request.user,
            reason=data.reason,
            expected_version=if_match(request),
        )
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        return _with_etag(referral, AnswerRead.model_validate(answer))

    @post(
        "/{referral_id:uuid}/answer/accept",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Accept the submitted answer",
    )
    async def accept_answer(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        db_session: AsyncSession,
        data: NoteRequest | None = None,
    ) -> Response[AnswerRead]:
        answer = await service.accept_answer(
            db_session,
            referral_id,
            actor=request.user,
            note=data.note if data else None,
            expected_version=if_match(request),
        )
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        return _with_etag(referral, AnswerRead.model_validate(answer))

    @post(
        "/{referral_id:uuid}/publish",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Publish the accepted answer to the citizen (and the public feed)",
    )
    async def publish(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        db_session: AsyncSession,
        data: NoteRequest | None = None,
    ) -> Response[AnswerRead]:
        answer = await service.publish_answer(
            db_session,
            referral_id,
            actor=request.user,
            note=data.note if data else None,
            expected_version=if_match(request),
        )
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        return _with_etag(referral, AnswerRead.model_validate(answer))

    @post(
        "/{referral_id:uuid}/rating",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Record a rating the citizen gave in person",
    )
    async def rate(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: RatingRequest,
        db_session: AsyncSession,
    ) -> Response[ReferralRead]:
        expected = if_match(request)
        current = await service.get_visible_referral(db_session, referral_id, request.user)
        service.check_version(current, expected)
        referral = await service.rate_answer(
            db_session,
            referral_id,
            satisfied=data.satisfied,
            comment=data.comment,
            actor=request.user,
        )
        return _with_etag(referral, _read(referral, request.user))

    @post(
        "/{referral_id:uuid}/reopen",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Send a disputed answer back to the agency (limited by policy)",
    )
    async def reopen(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: ReasonRequest,
        db_session: AsyncSession,
    ) -> Response[ReferralRead]:
        referral = await service.reopen(
            db_session,
            referral_id,
            actor=request.user,
            reason=data.reason,
            expected_version=if_match(request),
        )
        return _with_etag(referral, _read(referral, request.user))

    @post(
        "/{referral_id:uuid}/escalate",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Escalate a disputed answer to the superior agency or the council list",
    )
    async def escalate(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: EscalateRequest,
        db_session: AsyncSession,
    ) -> Response[ReferralRead]:
        referral, _ = await service.escalate(
            db_session,
            referral_id,
            actor=request.user,
            to=data.to,
            reason=data.reason,
            expected_version=if_match(request),
        )
        return _with_etag(referral, _read(referral, request.user))

    @post(
        "/{referral_id:uuid}/close",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Close a published or disputed referral",
    )
    async def close(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: ReasonRequest,
        db_session: AsyncSession,
    ) -> Response[ReferralRead]:
        referral = await service.close_referral(
            db_session,
            referral_id,
            actor=request.user,
            reason=data.reason,
            expected_version=if_match(request),
        )
        return _with_etag(referral, _read(referral, request.user))

    @post(
        "/{referral_id:uuid}/cancel",
        guards=[FRONT],
        status_code=HTTP_200_OK,
        summary="Cancel an open referral",
    )
    async def cancel(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        data: ReasonRequest,
        db_session: AsyncSession,
    ) -> Response[ReferralRead]:
        await service.cancel_referral(
            db_session,
            referral_id,
            actor=request.user,
            reason=data.reason,
            expected_version=if_match(request),
        )
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        return _with_etag(referral, _read(referral, request.user))

    @get(
        "/{referral_id:uuid}/attachments/{evidence_id:uuid}",
        guards=[FRONT],
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        summary="Download an attachment of a submitted answer",
    )
    async def download(
        self,
        request: StaffRequest,
        referral_id: uuid.UUID,
        evidence_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
    ) -> Redirect:
        return await _download(
            db_session, object_store, settings, request.user, referral_id, evidence_id, False
        )


# -- public feed and scorecards ------------------------------------------------------------


class PublicAnswerController(Controller):
    path = "/public/answers"
    tags = ["public"]

    @get(
        "/",
        exclude_from_auth=True,
        summary="Published answers, newest first (personal data removed)",
    )
    async def feed(
        self,
        db_session: AsyncSession,
        unit_code: str | None = Parameter(default=None, max_length=16),
        category_code: str | None = Parameter(default=None, max_length=64),
        agency_id: uuid.UUID | None = None,
        cursor: str | None = Parameter(default=None, max_length=200),
        limit: Annotated[int, Parameter(ge=1, le=repository.MAX_PAGE)] = 20,
    ) -> PublicAnswerPage:
        rows, next_cursor = await repository.public_answers(
            db_session,
            repository.PublicFilter(
                unit_code=unit_code, category_code=category_code, agency_id=agency_id
            ),
            cursor=cursor,
            limit=limit,
        )
        return PublicAnswerPage(
            items=[PublicAnswerRead.model_validate(r) for r in rows], next_cursor=next_cursor
        )


class ScorecardController(Controller):
    path = "/scorecards"
    tags = ["scorecards"]

    @get(
        "/",
        guards=[READERS],
        summary="Agency scorecards for referrals received in a period",
        description=(
            "`from` and `to` are local dates (inclusive); default: the last 30 days. A Front "
            "officer of a ward sees the referrals of that ward only."
        ),
    )
    async def scorecards(
        self,
        request: StaffRequest,
        db_session: AsyncSession,
        settings: Settings,
        from_: date | None = Parameter(query="from", default=None),
        to: date | None = Parameter(default=None),
        agency_id: uuid.UUID | None = None,
        unit_code: str | None = Parameter(default=None, max_length=16),
    ) -> ScorecardResponse:
        _check_day(from_, "from")
        _check_day(to, "to")
        tz = ZoneInfo(settings.timezone)
        today = utcnow().astimezone(tz).date()
        last = to or today
        first = from_ or (last - timedelta(days=29))
        if first > last:
            raise Invalid(msg("period_reversed"), field="from")
        viewer = request.user
        if viewer.unit_code is not None:
            unit_code = viewer.unit_code
        start = datetime.combine(first, time(0), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
        cards = await agency_scorecards(
            db_session, start=start, end=end, agency_id=agency_id, unit_code=unit_code
        )
        return ScorecardResponse(
            start=start,
            end=end,
            agencies=[
                AgencyScorecardRead(
                    **card.__dict__,
                    acknowledged_on_time_rate=card.acknowledged_on_time_rate,
                    answered_on_time_rate=card.answered_on_time_rate,
                    reopen_rate=card.reopen_rate,
                    satisfaction_rate=card.satisfaction_rate,
                )
                for card in cards
            ],
        )


controllers = [
    AgencyReferralController,
    FrontReferralController,
    PublicAnswerController,
    ScorecardController,
]
