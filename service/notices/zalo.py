"""Zalo Notification Service (ZNS): a message from the Front's Official Account, from a
template Zalo approved beforehand, to a phone number that has a Zalo account.

The request (Zalo for Developers, "ZNS API: gửi thông báo ZNS", and zalo.cloud/zns):
``POST https://business.openapi.zalo.me/message/template`` with the OA's token in the
``access_token`` header and the JSON body
``{"phone": "84912345678", "template_id": "...", "template_data": {...}, "tracking_id": "..."}``
(``tracking_id``: ours, echoed in Zalo's delivery callbacks; we send the notice's stable
reference). The answer is HTTP 200 with ``{"error": 0, "message": "Success", "data":
{"msg_id": "...", "sent_time": "...", "quota": {...}}}``, or a negative ``error`` with its
``message``.

Which ``error`` codes end the notice (zalo.cloud/zns/guidelines/handle-error-code): -108
"Phone number invalid" and -118 "Zalo account not existed" are about the recipient, and
sending again cannot change them: recorded as refused, never retried. Every other code is
retried with backoff until the job's retries run out: -124 "Access token invalid" (an OA
access token lives 25 hours and is renewed with the refresh token; once the new token is in
the settings the next retry goes through), -100 "Unknown error" (the table says: try again
later), quota and rate limits (-1 and the daily-quota codes), template or permission problems
an administrator fixes. A non-200 answer or a network error is retried too.

Template parameters: the template the Front registers with Zalo names them; ours are
``ma_don`` (the tracking code), ``trang_thai`` (the status), ``noi_dung`` (the message),
``ngay`` (dd/mm/yyyy, Asia/Ho_Chi_Minh). ZNS limits each parameter's length by its type,
so values are cut to ``PARAM_LIMITS`` with an ellipsis. One template id per kind of notice
(``received``, ``updated``) comes from the settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from service.notices.base import (
    HttpPhoneChannel,
    NoticeRefused,
    NoticeUnavailable,
    PhoneNotice,
    Sent,
)

DEFAULT_URL = "https://business.openapi.zalo.me/message/template"
TOKEN_HEADER = "access_token"
# About the recipient: sending again cannot help.
REFUSED_CODES = {-108: "Phone number invalid", -118: "Zalo account not existed"}
TOKEN_INVALID = -124
PARAM_LIMITS = {"ma_don": 30, "trang_thai": 50, "noi_dung": 200, "ngay": 20}


@dataclass(frozen=True)
class ZaloZnsConfig:
    access_token: str
    # Kind of notice (``PhoneNotice.template``) -> the approved ZNS template id.
    template_ids: Mapping[str, str] = field(default_factory=dict)
    url: str = DEFAULT_URL
    timeout_seconds: float = 10.0


def _cut(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


class ZaloZns(HttpPhoneChannel[ZaloZnsConfig]):
    service = "ZNS"
    name = "zalo"

    def template_id(self, notice: PhoneNotice) -> str | None:
        return self.config.template_ids.get(notice.template)

    def request_for(self, notice: PhoneNotice) -> httpx.Request:
        template_id = self.template_id(notice)
        if not template_id:
            raise NoticeUnavailable(f"no ZNS template id for {notice.template!r} notices")
        data = {
            name: _cut(value, PARAM_LIMITS.get(name, 200)) for name, value in notice.params.items()
        }
        body = {
            "phone": notice.phone,
            "template_id": template_id,
            "template_data": data,
            "tracking_id": notice.reference,
        }
        return httpx.Request(
            "POST",
            self.config.url,
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={
                TOKEN_HEADER: self.config.access_token,
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "giamsat-zns/1",
            },
        )

    def answer(self, response: httpx.Response) -> Sent:
        status = response.status_code
        if status != 200:
            raise NoticeUnavailable(f"ZNS answered HTTP {status}", status=status)
        try:
            answer = response.json()
            error = int(answer.get("error"))
        except (ValueError, TypeError, AttributeError):
            raise NoticeUnavailable(
                "ZNS answered something that is not its JSON", status=status
            ) from None
        if error == 0:
            data = answer.get("data") or {}
            msg_id = data.get("msg_id") if isinstance(data, dict) else None
            return Sent(status=status, provider_id=str(msg_id) if msg_id is not None else None)
        # Zalo's own words, short; never the token or the number (ours are not in them).
        said = str(answer.get("message") or "")[:200]
        if error in REFUSED_CODES:
            raise NoticeRefused(f"ZNS error {error}: {said or REFUSED_CODES[error]}", code=error)
        raise NoticeUnavailable(f"ZNS error {error}: {said}", status=error)
