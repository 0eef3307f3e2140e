"""Compilation into recommendations, referral to agencies, following the referral."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.deadlines.models import ItemKind
from service.directory.models import Agency
from service.errors import Conflict, Invalid, StateConflict
from service.i18n import msg
from service.replies import events
from service.replies import service as replies
from service.replies.events import ReferralEvent
from service.voters import repository
from service.voters.models import (
    CouncilSession,
    VoterOpinion,
    VoterRecommendation,
    VoterRecommendationState,
)
from service.voters.schemas import (
    RecommendationCreate,
    RecommendationRead,
    ReferRequest,
    Source,
    SuggestedOpinion,
    Suggestion,
    read_of,
)
from service.voters.service.common import (
    ITEM_TYPE,
    MERGEABLE,
    OPEN_STATES,
    RECOMMENDATION_AUDIT,
    REFERABLE,
    _require_manager,
    load_council_session,
    manages_session,
)

# -- compilation -----------------------------------------------------------------------------


async def suggestions(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[Suggestion]:
    """Groups of opinions not yet compiled that read alike (connected by pairs above the
    duplicate search's similarity bar), largest first; the officer confirms each merge."""
    council_session = await load_council_session(session, session_id, viewer)
    _require_manager(viewer, council_session)
    pairs = await repository.similar_pairs(session, council_session.id)
    parent: dict[uuid.UUID, uuid.UUID] = {}

    def root(item: uuid.UUID) -> uuid.UUID:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    best: dict[uuid.UUID, float] = {}
    for pair in pairs:
        a, b = root(pair.left), root(pair.right)
        if a != b:
            parent[b] = a
    for pair in pairs:
        group = root(pair.left)
        best[group] = max(best.get(group, 0.0), pair.score)
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for item in parent:
        members.setdefault(root(item), []).append(item)
    ids = [item for group in members.values() for item in group]
    opinions = {o.id: o for o in await repository.list_opinions(session, ids=ids)}
    meetings = {m.id: m for m in await repository.list_meetings(session, council_session.id, None)}
    found = []
    for group, items in members.items():
        rows = sorted((opinions[i] for i in items if i in opinions), key=lambda o: o.created_at)
        found.append(
            Suggestion(
                score=best.get(group, 0.0),
                opinions=[
                    SuggestedOpinion(
                        opinion_id=o.id,
                        meeting_id=o.meeting_id,
                        unit_code=meetings[o.meeting_id].unit_code,
                        voters_count=o.voters_count,
                        text=o.text,
                    )
                    for o in rows
                ],
            )
        )
    found.sort(key=lambda s: (-len(s.opinions), -s.score))
    return found


async def _take_opinions(
    session: AsyncSession, council_session: CouncilSession, ids: Sequence[uuid.UUID]
) -> list[VoterOpinion]:
    wanted = list(dict.fromkeys(ids))
    opinions = await repository.lock_opinions(session, wanted)
    by_id = {o.id: o for o in opinions}
    for index, opinion_id in enumerate(ids):
        opinion = by_id.get(opinion_id)
        if opinion is None or opinion.council_session_id != council_session.id:
            raise Invalid(msg("voters_opinion_not_of_session"), field=f"opinion_ids[{index}]")
        if opinion.recommendation_id is not None:
            raise Conflict(msg("voters_opinion_compiled"), field=f"opinion_ids[{index}]")
    return opinions


async def _check_agency(session: AsyncSession, agency_id: uuid.UUID) -> None:
    agency = await session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise Invalid(msg("agency_not_active"), field="agency_id")


async def create_recommendation(
    session: AsyncSession, session_id: uuid.UUID, data: RecommendationCreate, actor: StaffPrincipal
) -> VoterRecommendation:
    council_session = await load_council_session(session, session_id, actor, for_update=True)
    _require_manager(actor, council_session)
    if data.agency_id is not None:
        await _check_agency(session, data.agency_id)
    opinions = await _take_opinions(session, council_session, data.opinion_ids)
    rec = VoterRecommendation(
        council_session_id=council_session.id,
        title=data.title,
        text=data.text,
        agency_id=data.agency_id,
        created_by=actor.user_id,
    )
    session.add(rec)
    await session.flush()  # the recommendation before the opinions that name it
    for opinion in opinions:
        opinion.recommendation_id = rec.id
    added = [o.id for o in opinions]
    return await RECOMMENDATION_AUDIT.created(
        session, actor, rec, "voters.recommendation.compiled", title=rec.title, opinion_ids=added
    )


async def merge_opinions(
    session: AsyncSession,
    rec: VoterRecommendation,
    council_session: CouncilSession,
    opinion_ids: Sequence[uuid.UUID],
    actor: StaffPrincipal,
) -> VoterRecommendation:
    """More sources of the same matter join the recommendation (the officer confirmed)."""
    _require_manager(actor, council_session)
    _require_state(rec, MERGEABLE, actor, council_session)
    opinions = await _take_opinions(session, council_session, opinion_ids)
    for opinion in opinions:
        opinion.recommendation_id = rec.id
    added = [o.id for o in opinions]
    return await RECOMMENDATION_AUDIT.changed(
        session, actor, rec, "voters.recommendation.merged", {}, opinion_ids=added
    )


def _require_state(
    rec: VoterRecommendation,
    allowed: frozenset[VoterRecommendationState],
    actor: StaffPrincipal,
    council_session: CouncilSession,
) -> VoterRecommendationState:
    state = VoterRecommendationState(rec.state)
    if state not in allowed:
        raise StateConflict(
            msg("voters_recommendation_state", state=state),
            state=state,
            allowed_actions=recommendation_actions(rec, actor, council_session),
        )
    return state


def recommendation_actions(
    rec: VoterRecommendation, viewer: StaffPrincipal, council_session: CouncilSession
) -> list[str]:
    if not manages_session(viewer, council_session):
        return []
    state = VoterRecommendationState(rec.state)
    actions = []
    if state in MERGEABLE:
        actions.append("merge")
    if state in REFERABLE:
        actions.append("refer")
    return actions


async def refer_recommendation(
    session: AsyncSession,
    rec: VoterRecommendation,
    council_session: CouncilSession,
    data: ReferRequest,
    actor: StaffPrincipal,
) -> VoterRecommendation:
    """Send the recommendation to its agency as a referral (replies' workflow and deadlines)."""
    _require_manager(actor, council_session)
    state = _require_state(rec, REFERABLE, actor, council_session)
    if data.agency_id is not None:
        await _check_agency(session, data.agency_id)
        rec.agency_id = data.agency_id
    elif rec.agency_id is None or state is VoterRecommendationState.declined:
        raise Invalid(msg("voters_agency_required"), field="agency_id")
    assert rec.agency_id is not None
    item = replies.ReferredItem(
        ITEM_TYPE, rec.id, ItemKind.voter_recommendation, council_session.unit_code, rec.title
    )
    referral = await replies.create_referral(
        session, item=item, agency_id=rec.agency_id, actor=actor, note=data.note
    )
    rec.referral_id = referral.id
    rec.state = VoterRecommendationState.referred
    rec.referred_at = utcnow()
    rec.answered_at = rec.answer_outcome = rec.answer_summary = None
    return await RECOMMENDATION_AUDIT.changed(
        session,
        actor,
        rec,
        "voters.recommendation.referred",
        {"state": state},
        agency_id=rec.agency_id,
        referral_id=referral.id,
    )


async def list_recommendations(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[VoterRecommendation]:
    council_session = await load_council_session(session, session_id, viewer)
    return await repository.list_recommendations(session, council_session.id)


async def recommendation_reads(
    session: AsyncSession, recs: Sequence[VoterRecommendation]
) -> list[RecommendationRead]:
    by_rec: dict[uuid.UUID, list[Source]] = {}
    for row in await repository.sources(session, [r.id for r in recs]):
        by_rec.setdefault(row.recommendation_id, []).append(Source.model_validate(row))
    reads = []
    for rec in recs:
        sources = by_rec.get(rec.id, [])
        meetings = len({s.meeting_id for s in sources})
        voters_total = sum(s.voters_count for s in sources)
        reads.append(
            read_of(
                RecommendationRead,
                rec,
                sources=sources,
                meetings=meetings,
                voters_total=voters_total,
            )
        )
    return reads


# -- following the referral ------------------------------------------------------------------


async def apply_referral_event(session: AsyncSession, event: ReferralEvent) -> None:
    """Mirror what happened to a recommendation's referral, in the same transaction."""
    rec = await event.current_item(
        ITEM_TYPE, lambda item_id: repository.get_recommendation(session, item_id, for_update=True)
    )
    if rec is None:
        return
    state = VoterRecommendationState(rec.state)
    new_state = state
    if event.name == events.ACKNOWLEDGED:
        if state in OPEN_STATES:
            new_state = VoterRecommendationState.acknowledged
    elif event.name == events.DECLINED:
        new_state = VoterRecommendationState.declined
    elif event.name == events.EXTENSION_GRANTED:
        if state is VoterRecommendationState.overdue:
            new_state = VoterRecommendationState.acknowledged
    elif event.name == events.ANSWER_PUBLISHED:
        new_state = VoterRecommendationState.answered
        event.record_answer(rec)
    elif event.name == events.REOPENED:
        new_state = VoterRecommendationState.acknowledged
        events.clear_answer(rec)
    elif event.name == events.OVERDUE:
        if state in (VoterRecommendationState.referred, VoterRecommendationState.acknowledged):
            new_state = VoterRecommendationState.overdue
    elif event.name == events.ESCALATED:
        if (escalated := event.escalation()) is not None:
            rec.referral_id, rec.agency_id = escalated
            new_state = VoterRecommendationState.referred
    elif event.name == events.CANCELLED:
        if state is not VoterRecommendationState.answered:
            new_state = VoterRecommendationState.withdrawn
    else:
        return
    rec.state = new_state
    action = f"voters.recommendation.{event.name.removeprefix('referral.')}"
    await RECOMMENDATION_AUDIT.changed(
        session,
        event.actor,
        rec,
        action,
        {"state": state},
        state=new_state,
        referral_id=event.referral_id,
    )
