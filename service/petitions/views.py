"""The read models of petitions: for staff the list, the dashboard, the detail view, the
history, duplicates, the delivery log, and the petitioner's identity for those who may see
it; for the citizen the tracking view.

A denunciation's texts (title, description, the citizen's answers and additions) are shown
with the denouncer's own name, address, phone, email and ID number removed, in every view and
to everyone: the identity comes out only through ``reveal_identity`` (audited, with a reason).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import Forbidden, NotFound
from service.i18n import msg
from service.petitions import access, snippets
from service.petitions.confidential import (
    denouncers_data,
    identity_of_row,
    identity_of_row_plain,
    personal_data_of,
    petitioners_data,
)
from service.petitions.duplicates import stored_suggestions, suggest_on_demand
from service.petitions.models import (
    ActorKind,
    NotifyChannel,
    Petition,
    Petitioner,
    PetitionKind,
    PetitionStatus,
)
from service.petitions.repository import PetitionFilter, SortOrder, listing, reference
from service.petitions.repository import petitions as repository
from service.petitions.repository.dashboard import dashboard as dashboard_counts
from service.petitions.repository.dashboard import from_summary as summary_counts
from service.petitions.schemas import (
    AdditionView,
    CitizenEvidence,
    ClarificationView,
    CountRow,
    Dashboard,
    DeliveryView,
    DuplicateCandidate,
    EvidenceLink,
    HistoryEntry,
    MergedInto,
    OpenQuestion,
    PetitionDetail,
    PetitionerView,
    PetitionListItem,
    PetitionPage,
    PetitionSummary,
    SearchMatch,
    TextSpan,
    TrackingEvent,
    TrackingView,
)
from service.petitions.service import add_event, audit, get_petition
from service.petitions.workflow import Performer, allowed_actions, citizen_actions
from service.replies import views as referral_views
from service.replies.redaction import (
    NOTHING,
    PersonalData,
    redact,
    remove_personal,
    remove_personal_optional,
)
from service.settings import Settings
from service.storage.models import Evidence
from service.storage.service import download_url, get_evidence
from service.storage.store import ObjectStore
from service.storage.views import file_facts

__all__ = ["PetitionFilter", "SortOrder"]  # the list's filter and sorts, for the controllers

REVEAL_HINT = msg("identity_reveal_hint")


async def summaries(
    session: AsyncSession, settings: Settings, petitions: Iterable[Petition]
) -> list[PetitionSummary]:
    """List rows: a denunciation's title without its denouncer's identity (the denouncer
    may have signed the title; one query for the page's denunciations)."""
    rows = list(petitions)
    denunciations = [p.id for p in rows if p.kind == PetitionKind.denunciation]
    personal = await personal_data_of(session, settings, denunciations)
    out = []
    for petition in rows:
        summary = PetitionSummary.model_validate(petition)
        if petition.kind == PetitionKind.denunciation and personal:
            summary.title = remove_personal(summary.title, personal)
        out.append(summary)
    return out


async def text_guard(session: AsyncSession, settings: Settings, petition: Petition) -> PersonalData:
    """What to remove from the petition's texts in staff views: a denouncer's identity."""
    if petition.kind != PetitionKind.denunciation:
        return NOTHING
    return await petitioners_data(session, settings, petition)


def _plain_contact(petitioner: Petitioner) -> PetitionerView:
    return PetitionerView(confidential=False, **identity_of_row_plain(petitioner).as_dict())


async def _contact(
    session: AsyncSession, petition: Petition, viewer: StaffPrincipal
) -> PetitionerView | None:
    """Plain contact details for those who may see them; for a confidential identity only
    the fact that it exists (it is revealed by ``reveal_identity``, never in a view)."""
    petitioner = await repository.petitioner(session, petition.id)
    if petitioner is None:
        return None
    if access.is_confidential(petitioner):
        return PetitionerView(confidential=True)
    if not access.may_see_contact(viewer, petition):
        return None
    return _plain_contact(petitioner)


# What the detail shows of the petition as stored (beside the summary's fields and the texts
# that may name someone, which are redacted).
DETAIL_AS_STORED = (
    *("residential_group", "latitude", "longitude", "contested_decision_date"),
    *("consent_process", "consent_publish", "notify_channel", "merged_into_id", "referral_id"),
    *("reject_reason_code", "reopen_count", "evidence_count", "warn_at", "version"),
    *("clock_started_at", "clock_paused_at", "clock_stopped_at", "updated_at"),
    *("denounced_agency_id", "denounced_position", "address_rule", "notify_opted_out_at"),
)


async def detail(
    session: AsyncSession, settings: Settings, petition: Petition, viewer: StaffPrincipal
) -> PetitionDetail:
    clarifications = await repository.clarifications(session, petition.id)
    additions = await repository.additions(session, petition.id)
    evidence = await repository.evidence(session, petition.id)
    merged = await repository.merged_into(session, petition.id)
    suggestions = await stored_suggestions(session, petition, viewer)
    guard = await text_guard(session, settings, petition)
    [summary] = await summaries(session, settings, [petition])
    candidates = await summaries(session, settings, [c.petition for c in suggestions])
    merged_rows = await summaries(session, settings, merged)
    return PetitionDetail(
        **summary.model_dump(),
        **{name: getattr(petition, name) for name in DETAIL_AS_STORED},
        description=remove_personal(petition.description, guard),
        address_text=remove_personal_optional(petition.address_text, guard),
        reject_reason=remove_personal_optional(petition.reject_reason, guard),
        petitioner=await _contact(session, petition, viewer),
        clarifications=[
            ClarificationView.model_validate(c).model_copy(
                update={
                    "question": remove_personal(c.question, guard),
                    "answer": remove_personal_optional(c.answer, guard),
                }
            )
            for c in clarifications
        ],
        additions=[
            AdditionView.model_validate(a).model_copy(
                update={"text": remove_personal(a.text, guard)}
            )
            for a in additions
        ],
        evidence=[
            EvidenceLink(
                id=e.id,
                name=remove_personal(e.original_name, guard),
                added_by=link.added_by,
                added_at=link.added_at,
                **file_facts(e),
            )
            for e, link in evidence
        ],
        duplicate_suggestions=[
            DuplicateCandidate(petition=row, score=c.score, distance_m=c.distance_m)
            for c, row in zip(suggestions, candidates, strict=True)
        ],
        merged_petitions=merged_rows,
        allowed_actions=(
            allowed_actions(PetitionStatus(petition.status), Performer.front_officer)
            if access.may_triage(viewer)
            else []
        ),
    )


async def history_entries(
    session: AsyncSession, settings: Settings, petition: Petition
) -> list[HistoryEntry]:
    """The staff history; a denunciation's reasons and messages (the citizen's withdrawal
    reason, the Front's questions) without the denouncer's identity."""
    guard = await text_guard(session, settings, petition)
    return [
        HistoryEntry.model_validate(e).model_copy(
            update={
                "reason": remove_personal_optional(e.reason, guard),
                "citizen_message": remove_personal_optional(e.citizen_message, guard),
            }
        )
        for e in await repository.history(session, petition.id)
    ]


async def reveal_identity(
    session: AsyncSession,
    settings: Settings,
    petition: Petition,
    viewer: StaffPrincipal,
    reason: str,
    *,
    via: str = "petition",
) -> PetitionerView:
    """The one way a denouncer's identity leaves the database (and the way plain contact
    details are shown on request): checked against ``access.may_reveal_identity``, audited
    with who, when and why (the reason without the identity in it), and noted in the
    petition's internal history. ``via`` says which route asked (petition or referral)."""
    petitioner = await repository.petitioner(session, petition.id)
    if petitioner is None:
        raise NotFound(msg("petition_anonymous"))
    confidential = access.is_confidential(petitioner)
    if confidential:
        if not access.may_reveal_identity(viewer, petition):
            raise Forbidden(msg("identity_reveal_forbidden"))
    elif not (
        access.may_see_contact(viewer, petition) or access.agency_sees_contact(viewer, petition)
    ):
        raise Forbidden(msg("contact_forbidden"))
    identity = identity_of_row(settings, petitioner)
    why = redact(reason, identity.personal_data())
    await audit(
        session,
        viewer,
        "confidential_identity_viewed" if confidential else "contact_viewed",
        petition,
        extra={"reason": why, "via": via},
    )
    if confidential:
        await add_event(
            session,
            petition,
            action="identity_revealed",
            actor=viewer,
            actor_kind=ActorKind.staff,
            reason=why,
            data={"via": via},
        )
    return PetitionerView(confidential=confidential, **identity.as_dict())


async def contact_details(
    session: AsyncSession, petition: Petition, viewer: StaffPrincipal
) -> PetitionerView:
    """``GET .../petitioner``: plain contact details for those who may see them. A
    denouncer's identity is not read by a GET: 403 naming the audited action."""
    petitioner = await repository.petitioner(session, petition.id)
    if petitioner is None:
        raise NotFound(msg("petition_anonymous"))
    if access.is_confidential(petitioner):
        raise Forbidden(REVEAL_HINT)
    if not access.may_see_contact(viewer, petition):
        raise Forbidden(msg("contact_forbidden"))
    return _plain_contact(petitioner)


# -- lists, counts, logs --------------------------------------------------------------------


async def petition_page(
    session: AsyncSession,
    settings: Settings,
    viewer: StaffPrincipal,
    filters: PetitionFilter,
    *,
    sort: SortOrder,
    limit: int,
    cursor: str | None,
) -> PetitionPage:
    rows, next_cursor = await listing.list_petitions(
        session, viewer, filters, sort=sort, limit=limit, cursor=cursor
    )
    items = [PetitionListItem(**s.model_dump()) for s in await summaries(session, settings, rows)]
    if filters.q and rows:
        await _mark_matches(session, settings, filters.q, rows, items)
    return PetitionPage(items=items, next_cursor=next_cursor)


async def _mark_matches(
    session: AsyncSession,
    settings: Settings,
    q: str,
    rows: list[Petition],
    items: list[PetitionListItem],
) -> None:
    """Highlights over the texts as the list shows them: the item's title (already without a
    denouncer's identity) and the description without it, removed as the detail view removes
    it (``text_guard``: the denouncer's and those of petitions merged into it), for the whole
    page at once."""
    words = snippets.query_words(q)
    denunciations = [p.id for p in rows if p.kind == PetitionKind.denunciation]
    guard = await denouncers_data(session, settings, denunciations) if denunciations else NOTHING
    for petition, item in zip(rows, items, strict=True):
        denounced = petition.kind == PetitionKind.denunciation
        part = snippets.excerpt(
            remove_personal(petition.description, guard if denounced else NOTHING), words
        )
        item.search = SearchMatch(
            title_highlights=[
                TextSpan(start=a, end=b) for a, b in snippets.highlights(item.title, words)
            ],
            snippet=part.text,
            snippet_highlights=[TextSpan(start=a, end=b) for a, b in part.highlights],
        )


async def dashboard(
    session: AsyncSession, viewer: StaffPrincipal, filters: PetitionFilter
) -> Dashboard:
    counts = await dashboard_counts(session, viewer, filters)

    def rows(values: dict[str | None, int]) -> list[CountRow]:
        ordered = sorted(values.items(), key=lambda item: (-item[1], str(item[0])))
        return [CountRow(key=key, count=count) for key, count in ordered]

    return Dashboard(
        total=counts.total,
        by_status=rows(counts.by_status),
        by_kind=rows(counts.by_kind),
        by_category=rows(counts.by_category),
        by_unit=rows(counts.by_unit),
        by_agency=rows(counts.by_agency),
        overdue_now=counts.overdue_now,
        due_soon_now=counts.due_soon_now,
        routed=counts.routed,
        routed_on_time=counts.routed_on_time,
        on_time_rate=counts.on_time_rate,
    )


COUNT_CAP = listing.COUNT_CAP


def counted_from_summary(filters: PetitionFilter) -> bool:
    """Whether :func:`dashboard` of ``filters`` is read from the summary (cheap, exact)."""
    return summary_counts(filters)


async def capped_counts(
    session: AsyncSession,
    viewer: StaffPrincipal,
    lists: dict[str, PetitionFilter],
    *,
    cap: int = COUNT_CAP,
) -> dict[str, int]:
    """Each list's petitions as ``viewer`` pages through them, counted up to ``cap + 1``
    (above the cap: "more than")."""
    return await listing.capped_counts(session, viewer, lists, cap=cap)


async def duplicate_candidates(
    session: AsyncSession, settings: Settings, petition: Petition, viewer: StaffPrincipal
) -> list[DuplicateCandidate]:
    """Likely duplicates computed now (and stored for the detail view)."""
    found = await suggest_on_demand(session, petition, viewer)
    rows = await summaries(session, settings, [c.petition for c in found])
    return [
        DuplicateCandidate(petition=row, score=c.score, distance_m=c.distance_m)
        for c, row in zip(found, rows, strict=True)
    ]


async def deliveries(session: AsyncSession, petition: Petition) -> list[DeliveryView]:
    rows = await repository.deliveries(session, petition.id)
    return [DeliveryView.model_validate(r) for r in rows]


def uploaded(evidence: Evidence) -> CitizenEvidence:
    """A file just attached, as the uploader sees it."""
    return CitizenEvidence(
        id=evidence.id,
        name=evidence.original_name,
        uploaded_at=evidence.uploaded_at,
        **file_facts(evidence),
    )


async def evidence_download_url(
    session: AsyncSession,
    object_store: ObjectStore,
    petition: Petition,
    evidence_id: uuid.UUID,
    viewer: StaffPrincipal,
) -> str:
    """A short-lived link to one of the petition's files, for those who may download it
    (the custody log records who fetched it)."""
    evidence = await downloadable_evidence(session, petition, evidence_id, viewer)
    return await download_url(session, object_store, evidence, viewer)


async def downloadable_evidence(
    session: AsyncSession, petition: Petition, evidence_id: uuid.UUID, viewer: StaffPrincipal
) -> Evidence:
    """One of the petition's files, if ``viewer`` may download (or preview) it."""
    if viewer.role is Role.council_reader:
        raise Forbidden(msg("council_no_evidence"))
    if not access.may_download_evidence(viewer, petition):
        raise Forbidden(msg("denunciation_files_restricted"))
    if await repository.evidence_link(session, petition.id, evidence_id) is None:
        raise NotFound(msg("petition_file_not_found"))
    return await get_evidence(session, evidence_id)


# -- the citizen --------------------------------------------------------------------------


def notices_on(petition: Petition) -> bool:
    return petition.notify_channel != NotifyChannel.none and petition.notify_opted_out_at is None


async def tracking_view(session: AsyncSession, petition: Petition) -> TrackingView:
    """What the citizen sees with their code and secret (the petition they follow: a merged
    one shows its lead's agency, answer and count of people)."""
    lead: Petition | None = None
    if petition.merged_into_id is not None:
        lead = await get_petition(session, petition.merged_into_id)
    handled = lead or petition
    answer = await referral_views.published_answer_for_item(session, "petition", handled.id)
    agency_name = None
    if handled.agency_id is not None:
        agency = await reference.agency(session, handled.agency_id)
        agency_name = agency.name if agency else None
    questions = await repository.clarifications(session, petition.id, open_only=True)
    return TrackingView(
        tracking_code=petition.tracking_code,
        kind=petition.kind,
        category=petition.category_code,
        title=petition.title,
        status=PetitionStatus(petition.status),
        received_at=petition.created_at,
        agency_name=agency_name,
        raised_by_count=handled.raised_by_count,
        merged_into=(
            MergedInto(tracking_code=lead.tracking_code, status=PetitionStatus(lead.status))
            if lead is not None
            else None
        ),
        history=[
            TrackingEvent(at=e.at, action=e.action, status=e.to_status, message=e.citizen_message)
            for e in await repository.history(session, petition.id, citizen_only=True)
        ],
        open_questions=[
            OpenQuestion(id=q.id, question=q.question, asked_at=q.asked_at) for q in questions
        ],
        evidence=[uploaded(e) for e, _ in await repository.evidence(session, petition.id)],
        answer=answer.model_dump(mode="json") if answer is not None else None,
        consent_to_publish=petition.consent_publish,
        notifications=notices_on(petition),
        allowed_actions=citizen_actions(petition),
    )
