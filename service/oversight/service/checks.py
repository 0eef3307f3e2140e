"""Implementation checks in re-supervision sessions: whether a recommendation issued earlier
was carried out, as the supervisors found it (``last_check_result``; the recommendation keeps
the state of the agency's answer).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.errors import Invalid, StateConflict
from service.i18n import msg
from service.oversight import repository
from service.oversight.models import (
    CheckResult,
    RecommendationCheck,
    SessionState,
)
from service.oversight.schemas import (
    CheckCreate,
)
from service.oversight.service.recommendations import RECOMMENDATION_AUDIT, snapshot
from service.oversight.service.sessions import load_session


async def record_check(
    session: AsyncSession, session_id: uuid.UUID, data: CheckCreate, actor: StaffPrincipal
) -> RecommendationCheck:
    """During an open re-supervision session, record whether a recommendation was carried
    out. The recommendation keeps the state of its answer; ``last_check_result`` says what
    the supervisors found."""
    supervision_session, _, access = await load_session(session, session_id, actor)
    access.require_member(msg("what_record_checks"))
    if SessionState(supervision_session.state) is not SessionState.open:
        raise StateConflict(
            msg("checks_session_not_open"),
            state=supervision_session.state,
            allowed_actions=[],
        )
    if data.recommendation_id not in supervision_session.resupervision_of:
        raise Invalid(
            msg("not_resupervision"),
            field="recommendation_id",
        )
    rec = await repository.get_recommendation(session, data.recommendation_id, for_update=True)
    if rec is None:
        raise Invalid(msg("recommendation_unknown"), field="recommendation_id")
    if data.log_entry_id is not None:
        entry = await repository.get_entry(session, data.log_entry_id)
        if entry is None or entry.session_id != supervision_session.id:
            raise Invalid(msg("entry_not_of_session"), field="log_entry_id")
    check = RecommendationCheck(
        **data.model_dump(), session_id=supervision_session.id, checked_by=actor.user_id
    )
    session.add(check)
    before = snapshot(rec)
    rec.last_check_result = CheckResult(data.result)
    rec.last_checked_at = check.checked_at
    await RECOMMENDATION_AUDIT.changed(
        session,
        actor,
        rec,
        "oversight.recommendation.checked",
        before,
        result=data.result,
        session_id=supervision_session.id,
    )
    return check


async def list_checks(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[RecommendationCheck]:
    await load_session(session, session_id, viewer)
    return await repository.recommendation_checks(session, session_id=session_id)
