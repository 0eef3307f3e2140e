"""Re-encrypting every encrypted column with the current Fernet key (after a key rotation).

Batches in primary-key order, one transaction per batch with the batch's rows locked; each
batch is one ``UPDATE ... FROM unnest(...)``. Rows already under the current key are left
alone, so running it again changes nothing and an interrupted run simply resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.auth.crypto import ENCRYPTED_COLUMNS, EncryptedColumn, InvalidToken, cipher
from service.auth.crypto import current_cipher as current_key_cipher
from service.db import session_scope
from service.settings import Settings


@dataclass
class ColumnResult:
    column: EncryptedColumn
    reencrypted: int = 0
    already_current: int = 0
    # Under none of the configured keys: an old key is missing from GIAMSAT_ENCRYPTION_OLD_KEYS.
    undecryptable: int = 0

    def line(self) -> str:
        return (
            f"{self.column.table}.{self.column.column}: {self.reencrypted} re-encrypted, "
            f"{self.already_current} already under the current key, "
            f"{self.undecryptable} under no configured key"
        )


async def _batch(
    session: AsyncSession, column: EncryptedColumn, after: Any, size: int
) -> list[tuple[Any, str]]:
    table, key, value = column.table, column.key, column.column
    where = f"{value} IS NOT NULL" + (f" AND {key} > :after" if after is not None else "")
    rows = await session.execute(
        text(
            f"SELECT {key}, {value} FROM {table} WHERE {where} "
            f"ORDER BY {key} LIMIT :size FOR UPDATE"
        ),
        {"after": after, "size": size},
    )
    return [(row[0], row[1]) for row in rows]


async def reencrypt_column(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    column: EncryptedColumn,
    *,
    batch_size: int = 500,
) -> ColumnResult:
    every_key, current_key = cipher(settings), current_key_cipher(settings)
    result = ColumnResult(column)
    after: Any = None
    while True:
        async with session_scope(sessions) as session:
            rows = await _batch(session, column, after, batch_size)
            if not rows:
                return result
            after = rows[-1][0]
            keys, tokens = [], []
            for key, token in rows:
                try:
                    current_key.decrypt(token.encode())
                    result.already_current += 1
                    continue
                except InvalidToken:
                    pass
                try:
                    tokens.append(every_key.rotate(token.encode()).decode())
                except InvalidToken:
                    result.undecryptable += 1
                    continue
                keys.append(key)
            if keys:
                await session.execute(
                    text(
                        f"UPDATE {column.table} AS t SET {column.column} = u.token "
                        f"FROM unnest(CAST(:keys AS {column.key_type}[]), "
                        "CAST(:tokens AS text[])) AS u(key, token) "
                        f"WHERE t.{column.key} = u.key"
                    ),
                    {"keys": keys, "tokens": tokens},
                )
                result.reencrypted += len(keys)


async def reencrypt_all(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, *, batch_size: int = 500
) -> list[ColumnResult]:
    return [
        await reencrypt_column(sessions, settings, column, batch_size=batch_size)
        for column in ENCRYPTED_COLUMNS
    ]
