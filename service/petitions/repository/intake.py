"""The rows behind intake that are not the petition itself: the tracking number (a sequence
per prefix and year) and the ``Idempotency-Key`` records (see :mod:`service.petitions.codes` and
:mod:`service.petitions.idempotency` for why each statement is shaped as it is).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.petitions.models import IdempotencyKey


async def next_number(session: AsyncSession, prefix: str, year: int) -> int:
    """The next number of (prefix, year) from its sequence (``tracking_number``, migration
    0250): no row lock, so concurrent intakes never wait on each other for it."""
    statement = sa.select(sa.func.tracking_number(prefix, year))
    return int((await session.execute(statement)).scalar_one())


def _keys() -> sa.Table:
    return IdempotencyKey.__table__  # type: ignore[attr-defined, no-any-return]


async def claim_key(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    key: str,
    endpoint: str,
    digest: str,
    retention: timedelta,
) -> int | None:
    """Take (client, key) for this request: its row id, or None when another request holds
    it (after waiting for that one to commit or roll back). An expired key is free again: the
    one statement takes it over (``DO UPDATE ... WHERE`` expired), so a fresh key costs one
    round trip, not a delete and an insert."""
    table = _keys()
    statement = insert(table).values(
        client_id=client_id, key=key, endpoint=endpoint, request_hash=digest
    )
    inserted: int | None = (
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["client_id", "key"],
                set_={
                    "endpoint": endpoint,  # the values, not ``excluded`` (an alias per call)
                    "request_hash": digest,
                    "response_status": None,
                    "response_body_encrypted": None,
                    "petition_id": None,
                    "created_at": sa.func.now(),
                },
                where=table.c.created_at < sa.func.now() - retention,
            ).returning(table.c.id)
        )
    ).scalar_one_or_none()
    return inserted


async def store_response(
    session: AsyncSession,
    key_id: int,
    *,
    status: int,
    encrypted_body: Any,
    petition_id: uuid.UUID | None,
) -> None:
    table = _keys()
    await session.execute(
        sa.update(table)
        .where(table.c.id == key_id)
        .values(
            response_status=status,
            response_body_encrypted=encrypted_body,
            petition_id=petition_id,
        )
    )


async def stored_response(session: AsyncSession, *, client_id: uuid.UUID, key: str) -> Any:
    """The request hash and stored response of (client, key), locked."""
    table = _keys()
    return (
        await session.execute(
            sa.select(
                table.c.request_hash, table.c.response_status, table.c.response_body_encrypted
            )
            .where(table.c.client_id == client_id, table.c.key == key)
            .with_for_update()
        )
    ).one_or_none()


async def purge_keys(session: AsyncSession, retention: timedelta) -> int:
    table = _keys()
    result = await session.execute(
        sa.delete(table).where(table.c.created_at < sa.func.now() - retention)
    )
    return int(getattr(result, "rowcount", 0) or 0)
