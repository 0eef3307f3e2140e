"""One delivery attempt of one publication (the ``channels.publish`` job).

The row is claimed ``FOR UPDATE SKIP LOCKED`` and stays locked while the remote is called,
so a message that arrives twice (the relay may publish a row again) sends once: the second
finds the row locked and leaves, or finds it ``sent`` (the remote id recorded) and does
nothing. What an attempt did is committed before the job answers the broker:

* sent — the remote post id and ``sent_at`` are kept; a success that named no post is sent
  too, with no id and a note in ``last_error`` (retrying it would post it twice);
* ``RemoteUnavailable`` (down, timeout, 5xx) — ``retrying``; the job raises ``PublishDeferred``
  and dramatiq retries with exponential backoff;
* ``RemoteRateLimited(retry_after)`` — ``retrying``; the job asks dramatiq to retry after exactly
  ``retry_after`` seconds (``dramatiq.Retry(delay=...)``);
* ``TokenExpired`` — ``failed``, and the account is marked ``needs_token``: nothing more is
  sent on it until an administrator sets a new token; the job stops;
* ``Rejected`` — ``failed``; the job stops;
* after ``channels_max_attempts`` attempts a retrying publication is ``failed`` too. An
  officer may retry a failed one (``POST /publications/{id}/retry``).

Error texts are the adapters' (codes and the remote's message, no token), scrubbed of
addresses (``service.scrub``) before they are stored or logged.

A crash between the remote's success and the commit (the process killed mid-call) is the one
case that can post twice: neither Zalo's article API nor the Graph API takes an idempotency
key. The webhook carries ``X-Giamsat-Delivery`` so a receiver can drop the repeat.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.channels import content, repository
from service.channels.adapters import (
    Adapter,
    FacebookAdapter,
    Rejected,
    RemoteRateLimited,
    RemoteUnavailable,
    TokenExpired,
    WebhookAdapter,
    ZaloAdapter,
)
from service.channels.models import ChannelAccount, ChannelKind, Publication, PublicationStatus
from service.channels.service import audit_event, decrypt_token
from service.db import session_scope, utcnow
from service.scrub import internal_names, scrub
from service.settings import Settings

logger = structlog.get_logger(__name__)

OPEN = {PublicationStatus.pending.value, PublicationStatus.retrying.value}
NO_POST_ID = "sent; the remote answered success without naming the post"


class PublishDeferred(RuntimeError):
    """The attempt failed for a reason that may pass; the broker retries with backoff."""


@dataclass(frozen=True)
class Outcome:
    status: PublicationStatus | None
    # Seconds the remote asked us to wait (rate limit), when retrying.
    retry_after: float | None = None
    # What went wrong (scrubbed), when failed or retrying.
    error: str | None = None


def adapter_for(settings: Settings, account: ChannelAccount) -> Adapter:
    token = decrypt_token(settings, account.token_ciphertext)
    timeout = settings.channels_timeout_seconds
    if account.channel == ChannelKind.zalo:
        return ZaloAdapter(
            base_url=settings.channels_zalo_base_url,
            access_token=token,
            timeout=timeout,
            default_cover_url=settings.channels_zalo_default_cover_url,
        )
    if account.channel == ChannelKind.facebook:
        return FacebookAdapter(
            base_url=settings.channels_facebook_base_url,
            version=settings.channels_facebook_api_version,
            page_id=account.external_id,
            access_token=token,
            timeout=timeout,
        )
    return WebhookAdapter(url=account.external_id, secret=token, timeout=timeout)


def _give_up(publication: Publication, error: str) -> Outcome:
    publication.status = PublicationStatus.failed
    publication.last_error = error
    return Outcome(PublicationStatus.failed, error=error)


async def attempt(session: AsyncSession, settings: Settings, publication_id: uuid.UUID) -> Outcome:
    """One attempt in the caller's transaction, with its audit event (the system's)."""
    publication = await repository.claim(session, publication_id)
    if publication is None:
        return Outcome(None)
    if publication.status not in OPEN or publication.remote_post_id is not None:
        return Outcome(PublicationStatus(publication.status))
    outcome = await _send(session, settings, publication)
    status = outcome.status.value if outcome.status else "skipped"
    await audit_event(
        session,
        None,
        f"publication.{status}",
        publication.id,
        {
            "channel": publication.channel,
            "attempts": publication.attempts,
            "remote_post_id": publication.remote_post_id,
            "error": outcome.error,
        },
    )
    return outcome


async def _send(session: AsyncSession, settings: Settings, publication: Publication) -> Outcome:
    now = publication.updated_at = utcnow()
    if publication.not_before is not None and publication.not_before > now:
        # A scheduled announcement retried (or a message early) waits for its time: the
        # portal shows it only then, so a post before it would link to a missing page.
        wait = (publication.not_before - now).total_seconds()
        return Outcome(PublicationStatus(publication.status), retry_after=wait)
    account = await repository.account(session, publication.unit_code, publication.channel)
    if account is None:
        return _give_up(publication, "no account is set for this channel")
    if account.needs_token:
        return _give_up(publication, "the account's token expired; set a new one")
    post = await content.post_for(session, settings, publication)
    if post is None:
        return _give_up(publication, "the item is no longer publishable")
    adapter = adapter_for(settings, account)
    publication.attempts += 1
    hide = [*internal_names(settings), account.external_id]
    try:
        remote_id = await adapter.publish(post)
    except TokenExpired as exc:
        await repository.mark_needs_token(session, account.id)
        return _give_up(publication, scrub(str(exc), hide=hide))
    except Rejected as exc:
        return _give_up(publication, scrub(str(exc), hide=hide))
    except (RemoteRateLimited, RemoteUnavailable) as exc:
        publication.last_error = scrub(str(exc), hide=hide)
        if publication.attempts >= settings.channels_max_attempts:
            return _give_up(publication, publication.last_error)
        publication.status = PublicationStatus.retrying
        retry_after = exc.retry_after if isinstance(exc, RemoteRateLimited) else None
        return Outcome(PublicationStatus.retrying, retry_after, publication.last_error)
    publication.status = PublicationStatus.sent
    publication.sent_at = utcnow()
    if remote_id is None:  # remote_post_id stays None (a row with one is never sent)
        publication.last_error = NO_POST_ID
        return Outcome(PublicationStatus.sent, error=NO_POST_ID)
    publication.remote_post_id = remote_id[:200]
    publication.last_error = None
    return Outcome(PublicationStatus.sent)


async def deliver(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, publication_id: uuid.UUID
) -> Outcome:
    """One attempt, committed; the outcome (the job turns ``retrying`` into a retry)."""
    async with session_scope(sessions) as session:
        outcome = await attempt(session, settings, publication_id)
    if outcome.error is not None:
        # The adapters' texts: the remote's code and message, never a token.
        logger.warning(
            "channel_publication_sent_without_id"
            if outcome.status is PublicationStatus.sent
            else "channel_publication_failed",
            publication_id=str(publication_id),
            status=outcome.status.value if outcome.status else None,
            error=outcome.error,
        )
    else:
        logger.info(
            "channel_publication_attempt",
            publication_id=str(publication_id),
            status=outcome.status.value if outcome.status else None,
        )
    return outcome
