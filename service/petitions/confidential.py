"""Encryption of a denouncer's identity (Law on Denunciations, Art. 9 and 47) and of the
stored idempotent responses (they carry the tracking secret).

Fernet (AES-128-CBC + HMAC-SHA256) with ``settings.encryption_key``. A decrypted identity is
shown only by ``views.reveal_identity`` (audited, to those ``access.may_reveal_identity``
names); elsewhere it is used only to remove itself from texts (``personal_data_of``) and to
address the denouncer's own notifications. Never logged, audited, listed or exported.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.crypto import cipher
from service.petitions.models import Petition, Petitioner
from service.petitions.repository import petitions as repository
from service.replies.redaction import NOTHING, PersonalData
from service.settings import Settings


@dataclass(frozen=True)
class Identity:
    full_name: str | None = None
    phone: str | None = None
    email: str | None = None
    national_id: str | None = None
    address: str | None = None

    @classmethod
    def of(cls, source: object) -> Identity:
        """The identity a row or a request body carries in fields of the same names."""
        return cls(**{field.name: getattr(source, field.name) for field in fields(cls)})

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def personal_data(self) -> PersonalData:
        return PersonalData.of(
            full_name=self.full_name,
            address=self.address,
            phone=self.phone,
            email=self.email,
            national_id=self.national_id,
        )

    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def __repr__(self) -> str:  # never print the values (logs, tracebacks)
        return "Identity(<confidential>)"

    __str__ = __repr__


def _fernet(settings: Settings) -> MultiFernet:
    """The current key encrypts; it and the old keys decrypt (``service.auth.crypto``)."""
    return cipher(settings)


def encrypt_json(settings: Settings, value: Any) -> str:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return _fernet(settings).encrypt(data).decode()


def decrypt_json(settings: Settings, token: str) -> Any:
    try:
        return json.loads(_fernet(settings).decrypt(token.encode()))
    except InvalidToken as exc:
        # A changed key: say so without echoing anything of the ciphertext.
        raise RuntimeError("confidential data cannot be decrypted with the current key") from exc


def encrypt_identity(settings: Settings, identity: Identity) -> str:
    return encrypt_json(settings, identity.as_dict())


def decrypt_identity(settings: Settings, token: str) -> Identity:
    data = decrypt_json(settings, token)
    return Identity(**{key: data.get(key) for key in Identity.__dataclass_fields__})


def identity_of_row(settings: Settings, petitioner: Petitioner) -> Identity:
    """The identity a petitioner row holds, decrypted when it is confidential."""
    if petitioner.identity_ciphertext is not None:
        return decrypt_identity(settings, petitioner.identity_ciphertext)
    return identity_of_row_plain(petitioner)


async def personal_data_of(
    session: AsyncSession, settings: Settings, petition_ids: Iterable[uuid.UUID]
) -> PersonalData:
    """What the petitioners of these petitions gave about themselves, for ``redact`` to
    remove from texts (never to show)."""
    ids = list(petition_ids)
    if not ids:
        return NOTHING
    found = NOTHING
    for petitioner in await repository.petitioners(session, ids):
        found = found + identity_of_row(settings, petitioner).personal_data()
    return found


async def petitioners_data(
    session: AsyncSession, settings: Settings, petition: Petition
) -> PersonalData:
    """The personal data of a petition's petitioner and of everyone whose petition was merged
    into it (their texts are shown with it)."""
    return await denouncers_data(session, settings, [petition.id])


async def denouncers_data(
    session: AsyncSession, settings: Settings, lead_ids: Iterable[uuid.UUID]
) -> PersonalData:
    """``petitioners_data`` of several petitions at once (a page of a list): two queries."""
    leads = list(lead_ids)
    merged = await repository.merged_ids(session, leads)
    return await personal_data_of(session, settings, [*leads, *merged])


async def plain_personal_data_of(
    session: AsyncSession, petition_ids: Iterable[uuid.UUID]
) -> PersonalData | None:
    """``personal_data_of`` without the key, for readers that hold no settings (reports):
    None when one of the petitioners is confidential (then show no text at all)."""
    ids = list(petition_ids)
    if not ids:
        return NOTHING
    found = NOTHING
    for petitioner in await repository.petitioners(session, ids):
        if petitioner.identity_ciphertext is not None:
            return None
        found = found + identity_of_row_plain(petitioner).personal_data()
    return found


def identity_of_row_plain(petitioner: Petitioner) -> Identity:
    return Identity.of(petitioner)


async def cluster_personal_data(session: AsyncSession, lead_id: uuid.UUID) -> PersonalData | None:
    """The plain personal data of a lead petition and of those merged into it."""
    merged = await repository.merged_ids(session, [lead_id])
    return await plain_personal_data_of(session, [lead_id, *merged])
