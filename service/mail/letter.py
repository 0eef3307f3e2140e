"""A letter: what one email to one recipient says, independent of how it is sent.

``key`` is the letter's idempotency key, stable across retries (``petition:<id>:<event>``,
``report-delivery:<id>``...). The ``Message-ID`` header is derived from it, so every attempt
at the same letter carries the same id and a receiving server (or person) can drop repeats.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str
    key: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = field(default=())

    def message_id(self, sender: str) -> str:
        """``<hash-of-key@sender's domain>``: the same for every attempt at this letter."""
        domain = sender.rpartition("@")[2].strip(" >") or "localhost"
        digest = hashlib.sha256(self.key.encode()).hexdigest()[:32]
        return f"<{digest}@{domain}>"

    def message(self, sender: str) -> EmailMessage:
        """The MIME message: text, an HTML alternative when given, then the attachments."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = self.message_id(sender)
        message.set_content(self.text)
        if self.html is not None:
            message.add_alternative(self.html, subtype="html")
        for attachment in self.attachments:
            message.add_attachment(
                attachment.data,
                maintype=attachment.maintype,
                subtype=attachment.subtype,
                filename=attachment.filename,
            )
        return message
