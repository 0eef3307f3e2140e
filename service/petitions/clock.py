"""The Front's routing-step clock on a petition, through ``service.deadlines``.

The deadlines package and the directory's calendar do the arithmetic; this module only says
when the petition's clock starts, pauses, resumes, restarts and stops, with which rule
(``deadline_policy`` for the petition's kind and urgency, step ``routing``).
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from service.deadlines.clock import (
    DeadlineRule,
    pause_clock,
    recompute_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from service.deadlines.models import DeadlineStatus, DeadlineStep, ItemKind, Urgency
from service.deadlines.policy import rule_for
from service.directory.cache import reference_cache
from service.directory.calendar import load_calendar
from service.petitions.models import Petition

logger = structlog.get_logger(__name__)


async def routing_rule(session: AsyncSession, petition: Petition) -> DeadlineRule:
    return await rule_for(
        session, ItemKind(petition.kind), Urgency(petition.urgency), DeadlineStep.routing
    )


async def start_routing_clock(session: AsyncSession, petition: Petition, at: datetime) -> None:
    """A new routing step from ``at`` (at intake, and again when an agency declines).

    Without a policy row for the petition's kind (an administrator removed it) the petition
    is still received, with no clock, and the gap is logged: intake must not fail on it.
    """
    try:  # the policy and the calendar from the per-process reference cache
        rule = await reference_cache.deadline_rule(
            session, ItemKind(petition.kind), Urgency(petition.urgency), DeadlineStep.routing
        )
    except LookupError:
        logger.warning("no_routing_deadline_policy", kind=str(petition.kind))
        return
    start_clock(petition, await reference_cache.calendar(session), rule, at)


def pause(petition: Petition, at: datetime) -> None:
    """Waiting for the citizen (``needs_info``)."""
    pause_clock(petition, at)


async def resume(session: AsyncSession, petition: Petition, at: datetime) -> None:
    """The citizen answered (or the officer resumed): the time left is added back."""
    if petition.clock_paused_at is None:
        return
    resume_clock(petition, await load_calendar(session), at)


def stop(petition: Petition, at: datetime) -> None:
    """The routing step is over (referred, rejected, merged, withdrawn)."""
    if petition.clock_started_at is not None and petition.clock_stopped_at is None:
        stop_clock(petition, at)


def is_running(petition: Petition) -> bool:
    return petition.clock_started_at is not None and petition.deadline_status not in (
        DeadlineStatus.stopped,
        DeadlineStatus.none,
    )


async def apply_new_rule(session: AsyncSession, petition: Petition, now: datetime) -> None:
    """The kind or urgency changed in triage: same start and pauses, the new rule."""
    if not is_running(petition):
        return
    try:
        rule = await routing_rule(session, petition)
    except LookupError:
        logger.warning("no_routing_deadline_policy", kind=str(petition.kind))
        return
    petition.deadline_rule = rule.as_json()
    recompute_clock(petition, await load_calendar(session), now)
