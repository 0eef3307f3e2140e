"""Outgoing email: ``Letter`` (what one email says), ``Mailer`` (how it is sent: SMTP, or
recorded in memory for tests), one error policy (``MailUnavailable`` is retried,
``LetterRefused`` is recorded), and ``enqueue_letter`` for one letter per job."""

from service.mail.letter import Attachment, Letter
from service.mail.mailer import (
    NO_SMTP,
    LetterRefused,
    Mailer,
    MailError,
    MailUnavailable,
    RecordingMailer,
    SmtpMailer,
    mailer_for,
)

__all__ = [
    "NO_SMTP",
    "Attachment",
    "Letter",
    "LetterRefused",
    "MailError",
    "MailUnavailable",
    "Mailer",
    "RecordingMailer",
    "SmtpMailer",
    "mailer_for",
]
