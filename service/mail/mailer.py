"""The one way the service sends email: ``await mailer.send(letter)``.

``SmtpMailer`` speaks SMTP (smtplib, in a thread) with the settings' one timeout, STARTTLS or
implicit TLS, and login. ``RecordingMailer`` keeps letters in memory for tests that only check
what was sent. ``mailer_for(settings)`` is the SMTP mailer, or None when no host is set (the
callers then record the letter as skipped).

One error policy for every caller:

- ``MailUnavailable``: try again later. The server could not be reached or timed out, answered
  4xx, or refused *us* (login, sender address, no STARTTLS): configuration is fixed by an
  administrator, and the letter must not be lost meanwhile. Jobs let it propagate, so dramatiq
  retries them with backoff.
- ``LetterRefused``: this letter will never go through (a 5xx for the recipient or the
  content). Callers record it and do not retry.

Both carry only the exception's type and SMTP code in ``detail``: a server's text may echo
the address, and the detail is stored.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from service.mail.letter import Letter
from service.settings import Settings

NO_SMTP = "SMTP is not configured (GIAMSAT_SMTP_HOST is unset)"


class MailError(Exception):
    def __init__(self, detail: str, smtp_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.smtp_code = smtp_code


class MailUnavailable(MailError):
    """Not sent this time; sending again later may work (retry with backoff)."""


class LetterRefused(MailError):
    """The server refused this letter for good (5xx); record it, do not retry."""


class Mailer(Protocol):
    """Anything that sends a letter; raises ``MailUnavailable`` or ``LetterRefused``."""

    async def send(self, letter: Letter) -> None: ...


def build(letter: Letter, sender: str) -> EmailMessage:
    """The letter's MIME message; a letter that cannot be one (a line break in a header, an
    address that is not one) is refused for good: it would fail the same way every time."""
    try:
        return letter.message(sender)
    except ValueError:
        raise LetterRefused("ValueError: the letter cannot be written as an email") from None


def _permanent(code: int | None) -> bool:
    return code is not None and 500 <= code < 600


def classify(exc: Exception) -> MailError:
    """The one policy: which SMTP failures are the letter's (refused) and which are not."""
    code: int | None = None
    permanent = False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [reply[0] for reply in exc.recipients.values()]
        code = max(codes) if codes else None
        permanent = bool(codes) and all(_permanent(c) for c in codes)
    elif isinstance(exc, smtplib.SMTPDataError):
        code = exc.smtp_code
        permanent = _permanent(code)
    elif isinstance(exc, smtplib.SMTPResponseException):
        # Login refused, sender refused, a command refused: ours to fix, the letter is fine.
        code = exc.smtp_code
    detail = type(exc).__name__ + (f" ({code})" if code else "")
    return (LetterRefused if permanent else MailUnavailable)(detail, code)


# The mailer's fields taken as they are from the settings of the same name after ``smtp_``.
_SMTP_SETTINGS_AS_SET = ("host", "port", "starttls", "implicit_tls", "username")


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    timeout: float = 30.0
    starttls: bool = False
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        if settings.smtp_host is None:
            raise ValueError(NO_SMTP)
        context = None
        if settings.smtp_starttls or settings.smtp_implicit_tls:
            context = ssl.create_default_context(
                cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None
            )
        return cls(
            **{name: getattr(settings, f"smtp_{name}") for name in _SMTP_SETTINGS_AS_SET},
            sender=settings.smtp_from,
            timeout=settings.smtp_timeout_seconds,
            password=(
                settings.smtp_password.get_secret_value() if settings.smtp_password else None
            ),
            ssl_context=context,
        )

    async def send(self, letter: Letter) -> None:
        await asyncio.to_thread(self.send_now, letter)

    def send_now(self, letter: Letter) -> None:
        """The blocking send (one connection per letter: letters are one per job)."""
        message = build(letter, self.sender)
        try:
            with self._connect() as smtp:
                if self.starttls:
                    smtp.starttls(context=self._context())
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:  # OSError: refused, timeout, TLS
            raise classify(exc) from None

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def mailer_for(settings: Settings) -> Mailer | None:
    """The SMTP mailer the settings describe; None when no host is configured."""
    return SmtpMailer.from_settings(settings) if settings.smtp_host else None


@dataclass
class RecordingMailer:
    """Keeps every letter it is given (``letters``), for tests that check what was sent.

    ``refuse`` lists addresses answered as a 550 would be (``LetterRefused``); ``unavailable``
    makes every send fail as a server that is down would (``MailUnavailable``).
    """

    sender: str = "giamsat@localhost"
    refuse: frozenset[str] = frozenset()
    unavailable: bool = False
    letters: list[Letter] = field(default_factory=list)

    async def send(self, letter: Letter) -> None:
        if self.unavailable:
            raise MailUnavailable("ConnectionRefusedError")
        if letter.to in self.refuse:
            raise LetterRefused("SMTPRecipientsRefused (550)", 550)
        build(letter, self.sender)  # what SMTP would build: a bad header fails here too
        self.letters.append(letter)

    def to(self, address: str) -> list[Letter]:
        return [letter for letter in self.letters if letter.to == address]
