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

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Conflict, Invalid
from service.i18n import msg
from service.petitions.confidential import decrypt_json, encrypt_json
from service.petitions.repository import intake as repository
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
    digest = request_hash(endpoint, body)
    inserted = await repository.claim_key(
        session,
        client_id=client_id,
        key=key,
        endpoint=endpoint,
        digest=digest,
        retention=RETENTION,
    )
    if inserted is None:
        return await _replay(session, settings, client_id=client_id, key=key, digest=digest)
    status, response, petition_id = await create()
    await repository.store_response(
        session,
        inserted,
        status=status,
        encrypted_body=encrypt_json(settings, response),
        petition_id=petition_id,
    )
    return StoredResponse(status=status, body=response, replayed=False)


async def _replay(
    session: AsyncSession, settings: Settings, *, client_id: uuid.UUID, key: str, digest: str
) -> StoredResponse:
    row = await repository.stored_response(session, client_id=client_id, key=key)
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
    return await repository.purge_keys(session, RETENTION)
