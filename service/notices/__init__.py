"""Notices to a citizen's phone: a generic HTTP SMS gateway and Zalo's template notification
service (ZNS), behind one small interface (:class:`base.PhoneNotice` in,
:class:`base.Sent` out, :class:`base.NoticeUnavailable` / :class:`base.NoticeRefused` for
failures).

Infrastructure: nothing here imports a domain package. ``service.petitions.notifications``
decides *what* to tell and *when* (outbox, delivery log, retries, opt-out); this package only
knows phone numbers, SMS lengths and how each service is called.

- ``phones``: Vietnamese mobile numbers (validate, normalise to 84xxxxxxxxx / 0xxxxxxxxx,
  mask for logs) and a structlog processor that masks any left in a log line.
- ``sms_text``: diacritics stripped when the gateway needs it, GSM-7 / UCS-2 segments,
  truncation with an ellipsis that keeps the tracking link.
- ``sms``: the HTTP SMS gateway adapter (URL, method, auth header, JSON/form body template).
- ``zalo``: the ZNS adapter (``POST /message/template`` with the OA's ``access_token``).
- ``config``: the adapters built from the settings (None when not configured).
"""
