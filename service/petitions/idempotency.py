"""``Idempotency-Key`` for creating POSTs of API clients.

The key row is inserted in the request's own transaction with
``INSERT ... ON CONFLICT (client_id, key) DO NOTHING``. A second request with the same key
blocks on the unique index until the first commits (then it finds the row and replays the
stored response) or rolls back (then its insert goes through and it does the work itself):
two concurrent requests never create two petitions. The same key with another body is a
422. The stored response holds the tracking secret, so it is encrypted. Keys are kept at
least ``RETENTION`` (``petitions.purge_idempotency_keys`` deletes older ones).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Conflict, Invalid
from service.i18n import msg
from service.petitions.confidential import decrypt_json, encrypt_json
from service.petitions.models import IdempotencyKey
from service.settings import Settings

RETENTION = timedelta(hours=24)
HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_hash(endpoint: str, body: Any) -> str:
    canonical = json.dumps(
        {"endpoint": endpoint, "body": to_jsonable_python(body)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _table() -> sa.Table:
    return IdempotencyKey.__table__  # type: ignore[attr-defined, no-any-return]


async def run_once(
    session: AsyncSession,
    settings: Settings,
    *,
    client_id: uuid.UUID,
    key: str,
    endpoint: str,
    body: Any,
    create: Callable[[], Awaitable[tuple[int, dict[str, Any], uuid.UUID | None]]],
) -> StoredResponse:
    """Run ``create`` once per (client, key); replay its response for a repeat.

    ``create`` returns (status, JSON body, petition id). If it raises, the transaction rolls
    back with the key, so a retry runs again.
    """
    table = _table()
    digest = request_hash(endpoint, body)
    # An expired key (older than the retention, not purged yet) is free again.
    await session.execute(
        sa.delete(table).where(
            table.c.client_id == client_id,
            table.c.key == key,
            table.c.created_at < sa.func.now() - RETENTION,
        )
    )
    inserted = (
        await session.execute(
            insert(table)
            .values(client_id=client_id, key=key, endpoint=endpoint, request_hash=digest)
            .on_conflict_do_nothing(index_elements=["client_id", "key"])
            .returning(table.c.id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        return await _replay(session, settings, client_id=client_id, key=key, digest=digest)
    status, response, petition_id = await create()
    await session.execute(
        sa.update(table)
        .where(table.c.id == inserted)
        .values(
            response_status=status,
            response_body_encrypted=encrypt_json(settings, response),
            petition_id=petition_id,
        )
    )
    return StoredResponse(status=status, body=response, replayed=False)


async def _replay(
    session: AsyncSession, settings: Settings, *, client_id: uuid.UUID, key: str, digest: str
) -> StoredResponse:
    table = _table()
    row = (
        await session.execute(
            sa.select(
                table.c.request_hash, table.c.response_status, table.c.response_body_encrypted
            )
            .where(table.c.client_id == client_id, table.c.key == key)
            .with_for_update()
        )
    ).one_or_none()
    if row is None:  # purged between the insert and here: extremely unlikely
        raise Conflict(msg("idempotency_key_released"))
    if row.request_hash != digest:
        raise Invalid(
            msg("idempotency_key_reused"),
            field=f"header.{HEADER}",
        )
    if row.response_status is None or row.response_body_encrypted is None:
        raise Conflict(msg("idempotency_key_in_progress"))
    body = decrypt_json(settings, row.response_body_encrypted)
    return StoredResponse(status=row.response_status, body=body, replayed=True)


async def purge_expired(session: AsyncSession) -> int:
    table = _table()
    result = await session.execute(
        sa.delete(table).where(table.c.created_at < sa.func.now() - RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)
