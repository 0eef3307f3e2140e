"""What a publication says: the public face of its item, the same on every channel.

Only what is already public goes out: a published answer as the public feed shows it
(``replies.views.public_answer``: redacted, of a petitioner who consented), never one of a
complaint or a denunciation (``PRIVATE_KINDS``, refused here whatever the feed holds); a
supervision plan's conclusion (with the patterns of personal data masked:
``replies.redaction``); an announcement (the Front's own words, sent as written). Words a
citizen reads come from the catalogue (Vietnamese)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from service.channels import repository
from service.channels.adapters import Post
from service.channels.models import ItemType, Publication
from service.deadlines.models import ItemKind
from service.directory.models import AdminUnit
from service.errors import NotFound
from service.i18n import translate
from service.replies import views as replies_views
from service.replies.redaction import redact
from service.settings import Settings

# Never published to a channel, whatever the public feed holds.
PRIVATE_KINDS = frozenset({ItemKind.complaint.value, ItemKind.denunciation.value})
PORTAL_ANNOUNCEMENTS = "/thong-bao"
PORTAL_ANSWERS = "/tra-loi"


def announcement_url(settings: Settings, announcement_id: object) -> str:
    return f"{settings.public_base_url}{PORTAL_ANNOUNCEMENTS}/{announcement_id}"


def announcement_image_url(settings: Settings, announcement_id: object) -> str:
    return f"{announcement_url(settings, announcement_id)}/anh"


async def _author(session: AsyncSession, unit_code: str) -> str:
    unit = await session.get(AdminUnit, unit_code)
    name = unit.name if unit is not None else unit_code
    return translate("channels.author", name=name)


async def post_for(
    session: AsyncSession, settings: Settings, publication: Publication
) -> Post | None:
    """The post of ``publication``, or None when its item is no longer publishable (an
    answer taken off the public feed, a deleted announcement)."""
    common = {
        "delivery_id": str(publication.id),
        "item_type": str(publication.item_type),
        "item_id": str(publication.item_id),
        "unit_code": publication.unit_code,
        "author": await _author(session, publication.unit_code),
    }
    if publication.item_type == ItemType.answer:
        try:
            answer = await replies_views.public_answer(session, publication.item_id)
        except NotFound:
            return None
        if answer.item_kind in PRIVATE_KINDS:
            return None
        return Post(
            **common,
            title=translate("channels.answer_title", title=answer.title),
            text=translate(
                "channels.answer_text", agency=answer.agency_name, answer=answer.answer_text
            ),
            link=f"{settings.public_base_url}{PORTAL_ANSWERS}/{answer.id}",
        )
    if publication.item_type == ItemType.conclusion:
        plan = await repository.concluded_plan(session, publication.item_id)
        if plan is None or plan.conclusion is None:
            return None
        # Written for the council, it may name people or quote their numbers: the patterns
        # of personal data are masked as on the public answer feed.
        return Post(
            **common,
            title=translate("channels.conclusion_title", subject=redact(plan.subject)),
            text=redact(plan.conclusion),
        )
    announcement = await repository.announcement(session, publication.item_id)
    if announcement is None:
        return None
    return Post(
        **common,
        title=announcement.title,
        text=announcement.body,
        link=announcement_url(settings, announcement.id),
        image_url=(
            announcement_image_url(settings, announcement.id)
            if announcement.image_evidence_id
            else None
        ),
    )
