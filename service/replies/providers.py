"""Item providers: how replies shows an item it does not own.

A referral points at an item of another package (a petition, a supervision
recommendation) by ``item_type`` and ``item_id``. That package registers a provider for its
item type in its ``wire`` (``builder.provide("petition", PetitionProvider(settings))``) so that
replies can show the item to the agency and publish it, without importing the package. The
providers live in the process's wiring; ``item_provider(session, item_type)`` finds them on
the session.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.errors import NotFound
from service.i18n import Message
from service.kernel.wiring import wiring_of
from service.replies.redaction import NOTHING, PersonalData


@runtime_checkable
class ItemProvider(Protocol):
    async def agency_view(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal
    ) -> dict[str, Any]:
        """What the handling agency may see of the item: never a denouncer's identity (not
        as a field, not inside a text); that is revealed only by ``reveal_identity``."""
        ...

    async def reveal_identity(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal, reason: str
    ) -> dict[str, Any]:
        """Who filed the item, for a viewer the item's package allows, audited with the
        reason (who, when, why); Forbidden or NotFound otherwise."""
        ...

    async def personal_data(self, session: AsyncSession, item_id: uuid.UUID) -> PersonalData:
        """The personal data of whoever filed the item, for ``redact`` to remove from every
        text published with it (answers included); never shown."""
        ...

    async def public_view(self, session: AsyncSession, item_id: uuid.UUID) -> dict[str, Any] | None:
        """None when the item may not be published (no consent). Otherwise a dict with
        ``title`` and ``description`` already redacted, and optionally ``category_code``
        and ``unit_code`` (used by the public feed's filters)."""
        ...


class FrontWrittenItem:
    """The half of a provider for an item no citizen filed (the Front's criticism points,
    supervision and voters' recommendations): there is nobody to reveal (404 with
    ``no_petitioner``), and its texts are redacted by pattern only."""

    no_petitioner: Message

    async def reveal_identity(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal, reason: str
    ) -> dict[str, Any]:
        raise NotFound(self.no_petitioner)

    async def personal_data(self, session: AsyncSession, item_id: uuid.UUID) -> PersonalData:
        return NOTHING


def check_item_provider(provider: object) -> ItemProvider:
    """``provider`` if it has the four methods (a domain's ``wire`` checks what it provides)."""
    if not isinstance(provider, ItemProvider):
        raise TypeError(
            "an item provider needs async agency_view(), public_view(), reveal_identity()"
            " and personal_data()"
        )
    return provider


def item_provider(session: AsyncSession, item_type: str) -> ItemProvider | None:
    """The provider of ``item_type`` in the session's wiring (None when nobody provides it)."""
    provider = wiring_of(session).item_provider(item_type)
    return check_item_provider(provider) if provider is not None else None
