"""The statements of an inbound SMS "STOP" (:func:`service.petitions.citizen.opt_out_by_phone`):
which petitions still notified by SMS belong to a mobile number.

A petitioner's number is stored as the citizen typed it (``0912 345 678``, ``+84...``), so
the comparison normalises it in SQL the way :func:`service.notices.phones.normalise_mobile`
does (digits only, ``+``/``00`` dropped, a leading ``0`` becomes ``84``). A denouncer's number
is only in the encrypted identity: those candidates (denunciations notified by SMS, few) are
streamed in batches for the caller to decrypt and compare.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.petitions.models import NotifyChannel, Petition, Petitioner

BATCH = 500


def _normalised(column: Any) -> sa.ColumnElement[str]:
    digits = sa.func.regexp_replace(column, r"[^0-9+]", "", "g")
    international = sa.func.regexp_replace(digits, r"^(\+|00)", "")
    return sa.func.regexp_replace(international, r"^0", "84")


def _still_notified_by_sms() -> list[sa.ColumnElement[bool]]:
    # The partial index ix_petition_sms_notified's predicate.
    return [
        col(Petition.notify_channel) == NotifyChannel.sms.value,
        col(Petition.notify_opted_out_at).is_(None),
    ]


async def plain_matches(session: AsyncSession, phone: str) -> list[uuid.UUID]:
    """Petitions notified by SMS whose (plaintext) petitioner number is ``phone`` (84...)."""
    rows = await session.execute(
        select(col(Petition.id))
        .join(Petitioner, col(Petitioner.petition_id) == col(Petition.id))
        .where(
            *_still_notified_by_sms(),
            col(Petitioner.identity_ciphertext).is_(None),
            _normalised(col(Petitioner.phone)) == phone,
        )
    )
    return list(rows.scalars())


async def encrypted_candidates(session: AsyncSession) -> AsyncIterator[list[tuple[uuid.UUID, str]]]:
    """(petition id, identity ciphertext) of petitions notified by SMS whose identity is
    encrypted, in batches by id (bounded memory however many there are)."""
    after: uuid.UUID | None = None
    while True:
        query = (
            select(col(Petition.id), col(Petitioner.identity_ciphertext))
            .join(Petitioner, col(Petitioner.petition_id) == col(Petition.id))
            .where(*_still_notified_by_sms(), col(Petitioner.identity_ciphertext).is_not(None))
            .order_by(col(Petition.id))
            .limit(BATCH)
        )
        if after is not None:
            query = query.where(col(Petition.id) > after)
        batch = [(pid, str(ct)) for pid, ct in (await session.execute(query)).all()]
        if not batch:
            return
        yield batch
        after = batch[-1][0]
