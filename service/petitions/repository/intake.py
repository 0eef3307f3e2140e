"""The rows behind intake that are not the petition itself: the tracking number (a sequence
per prefix and year) and the ``Idempotency-Key`` records (see :mod:`service.petitions.codes` and
:mod:`service.petitions.idempotency` for why each statement is shaped as it is).
"""

from __future__ import annotations

import functools
import json
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import AuditEvent
from service.jobs.models import OutboxMessage
from service.petitions.models import IdempotencyKey, Petition, Petitioner, PetitionEvent


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def next_number(session: AsyncSession, prefix: str, year: int) -> int:
    """The next number of (prefix, year) from its sequence (``tracking_number``, migration
    0250): no row lock, so concurrent intakes never wait on each other for it."""
    statement = sa.select(sa.func.tracking_number(prefix, year))
    return int((await session.execute(statement)).scalar_one())


def _table(model: Any) -> sa.Table:
    return model.__table__  # type: ignore[no-any-return]


# The columns of each row intake writes (the petition: all but its generated search columns).
_PETITION_COLUMNS = tuple(c.key for c in _table(Petition).columns if c.computed is None)
_PETITIONER_COLUMNS = tuple(c.key for c in _table(Petitioner).columns)
_EVENT_COLUMNS = tuple(c.key for c in _table(PetitionEvent).columns if c.key != "id")
_AUDIT_COLUMNS = (
    *("actor_type", "actor_id", "action", "entity_type", "entity_id"),
    *("before", "after", "request_id", "occurred_at"),
)
_JOB_COLUMNS = ("job_name", "payload", "queue", "state", "attempts", "dedupe_key")
_NOTIFY_COLUMNS = ("job_name", "queue", "state", "attempts")


def petition_values(petition: Petition) -> dict[str, Any]:
    """The row of a new ``petition`` object, for ``insert_intake``."""
    return {key: getattr(petition, key) for key in _PETITION_COLUMNS}


def _insert(model: Any, prefix: str, columns: tuple[str, ...], **extra: Any) -> Any:
    """``INSERT INTO <model's table> (columns) VALUES (:<prefix>_<column>, ...)``."""
    table = _table(model)
    values = {key: sa.bindparam(f"{prefix}_{key}", type_=table.c[key].type) for key in columns}
    return insert(table).values({**values, **extra})


@functools.cache
def _intake_statement(with_petitioner: bool, with_notify: bool) -> Any:
    """The one statement of ``insert_intake``, built once per shape: every value is a bound
    parameter, so SQLAlchemy neither rebuilds it nor recomputes its cache key per request."""
    outbox = _table(OutboxMessage)
    ctes: list[Any] = [_insert(Petition, "petition", _PETITION_COLUMNS).cte("intake_petition")]
    if with_petitioner:
        ctes.append(_insert(Petitioner, "petitioner", _PETITIONER_COLUMNS).cte("intake_petitioner"))
    ctes.append(
        _insert(OutboxMessage, "job", _JOB_COLUMNS, available_at=sa.func.now())
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .cte("intake_job")
    )
    ctes.append(_insert(AuditEvent, "audit", _AUDIT_COLUMNS).cte("intake_audit"))
    events = _table(PetitionEvent)
    new_event = (
        _insert(PetitionEvent, "event", _EVENT_COLUMNS).returning(events.c.id).cte("intake_event")
    )
    ctes.append(new_event)
    if with_notify:
        payload = sa.func.jsonb_set(
            sa.cast(sa.bindparam("notify_payload", type_=sa.Text), JSONB),
            sa.literal_column("'{event_id}'"),
            sa.func.to_jsonb(new_event.c.id),
        )
        dedupe_key = sa.bindparam("notify_dedupe_key_prefix", type_=sa.String) + sa.cast(
            new_event.c.id, sa.String
        )
        ctes.append(
            insert(outbox)
            .from_select(
                [*_NOTIFY_COLUMNS, "available_at", "payload", "dedupe_key"],
                sa.select(
                    *(
                        sa.bindparam(f"notify_{key}", type_=outbox.c[key].type)
                        for key in _NOTIFY_COLUMNS
                    ),
                    sa.func.now(),
                    payload,
                    dedupe_key,
                ).select_from(new_event),
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .cte("intake_notify")
        )
    return sa.select(new_event.c.id).add_cte(*ctes)


def _prefixed(prefix: str, row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    return {f"{prefix}_{key}": row[key] for key in columns}


async def insert_intake(
    session: AsyncSession,
    *,
    petition: dict[str, Any],
    petitioner: dict[str, Any] | None,
    event: dict[str, Any],
    job: dict[str, Any],
    notify: dict[str, Any] | None,
    audit: dict[str, Any],
) -> int:
    """Every row of one intake in one statement (one round trip, no ORM flush): the
    petition, its petitioner, its history event, the outbox ``job`` (``outbox_values``, due
    now), the audit event, and with ``notify`` (the outbox values of the notification, with
    ``dedupe_key_prefix``) the notification of that event, whose id only the database knows
    yet: its payload gets ``event_id`` and its dedupe key ends with it. Returns the event's
    id.

    Data-modifying CTEs all run, once, in one snapshot; the foreign keys (petitioner and
    event to petition) are checked at the end of the statement, when the petition is there.
    Both outbox rows keep ``ON CONFLICT (dedupe_key) DO NOTHING``, as ``enqueue`` does.
    """
    params = {
        **_prefixed("petition", petition, _PETITION_COLUMNS),
        **_prefixed("job", job, _JOB_COLUMNS),
        **_prefixed("audit", audit, _AUDIT_COLUMNS),
        **_prefixed("event", event, _EVENT_COLUMNS),
    }
    if petitioner is not None:
        params.update(_prefixed("petitioner", petitioner, _PETITIONER_COLUMNS))
    if notify is not None:
        params.update(_prefixed("notify", notify, _NOTIFY_COLUMNS))
        params["notify_payload"] = to_json(notify["payload"])
        params["notify_dedupe_key_prefix"] = notify["dedupe_key_prefix"]
    statement = _intake_statement(petitioner is not None, notify is not None)
    return int((await session.execute(statement, params)).scalar_one())


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
