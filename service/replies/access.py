"""Who sees a referral, who reads an answer's text, and the referral a change is made to.

Used by the operations (``service/``), the read models (``views.py``) and the actions'
loader alike, so that a view and a change never disagree on who may see what.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.deadlines.models import ItemKind
from service.kernel.rows import Loader, visible_loader
from service.replies import repository
from service.replies.models import Referral
from service.replies.workflow import allowed_actions, parties_of

Actor = StaffPrincipal | ClientPrincipal | None


def can_see(referral: Referral, viewer: Actor) -> bool:
    """Agency officers see their agency's referrals; Front officers, supervisors and
    council readers those of their unit (all of them at city level); admins everything.
    ``None`` (the system, or a citizen already authorised by the petitions package) and API
    clients are trusted by the caller."""
    if not isinstance(viewer, StaffPrincipal):
        return True
    if viewer.role == Role.admin:
        return True
    if viewer.role == Role.agency_officer:
        return viewer.agency_id is not None and referral.agency_id == viewer.agency_id
    return viewer.sees_unit(referral.unit_code)


def may_read_answer_text(referral: Referral, viewer: Actor) -> bool:
    """Who reads what an agency answers to a denunciation (before and after publication; it
    is never on the public feed): the agency's officers who write it and the Front officers
    who review it (``can_see`` has checked their agency and unit). Not administrators or
    anyone else: the answer may name the denouncer."""
    if referral.item_kind != ItemKind.denunciation or not isinstance(viewer, StaffPrincipal):
        return True
    return viewer.role in (Role.agency_officer, Role.front_officer)


# 404 for a referral the viewer may not see, as for one that does not exist.
get_visible_referral: Loader[Referral, Actor] = visible_loader(
    repository.get_referral,
    lambda viewer, referral: can_see(referral, viewer),
    "referral_not_found",
)


async def load_for_change(session: AsyncSession, referral_id: uuid.UUID, actor: Actor) -> Referral:
    """The referral a change is made to: visible to the actor, locked ``FOR UPDATE`` (the
    actions' loader; the ``If-Match`` check follows on the row it returns)."""
    return await get_visible_referral(session, referral_id, actor, for_update=True)


async def lock_referral(session: AsyncSession, referral_id: uuid.UUID) -> Referral:
    """The referral a change by the system is made to (jobs, or another package that has
    authorised its caller itself): locked ``FOR UPDATE``, 404 when there is none."""
    return await load_for_change(session, referral_id, None)


def actions_for(referral: Referral, viewer: Actor) -> list[str]:
    return allowed_actions(referral.state, parties_of(viewer))
