"""A generic HTTP SMS gateway: most Vietnamese SMS providers (brand-name SMS) take one HTTP
request per message with the number, the text and the brand name (sender), in a JSON or a
form body, authenticated by a key in a header. What differs is the field names, so the
request is a template:

- ``url`` and ``method`` (``POST``; ``GET`` puts the fields in the query string);
- ``auth_header`` and its secret ``auth_value`` (e.g. ``Authorization`` / ``Bearer ...``, or
  ``X-API-Key``), never logged;
- ``body_format``: ``json`` or ``form``;
- ``body_template``: a JSON object whose string values may hold ``{phone}``, ``{text}``,
  ``{sender}`` and ``{reference}`` (stable per notice, for gateways that drop repeats), e.g.
  ``{"to": "{phone}", "message": "{text}", "brandname": "{sender}", "ref": "{reference}"}``.
  Values are substituted after the template is parsed, so a quote in a text never breaks
  the JSON.

A 2xx answer is a sent SMS. A network error, a timeout, 408, 429, any 5xx, and 401/403 (a key
to fix: once an administrator fixes it, the next retry goes through) are retried; any other
4xx is the gateway refusing this message, recorded and not retried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from service.notices.base import (
    HttpPhoneChannel,
    NoticeRefused,
    NoticeUnavailable,
    PhoneNotice,
    Sent,
)
from service.notices.phones import PhoneFormat, formatted
from service.notices.sms_text import fit

RETRIED_STATUSES = frozenset({401, 403, 408, 425, 429})
PLACEHOLDERS = ("phone", "text", "sender", "reference")


class BodyFormat(StrEnum):
    json = "json"
    form = "form"


def parse_template(template: str) -> dict[str, Any]:
    """The body template as a JSON object (ValueError naming what is wrong)."""
    try:
        parsed = json.loads(template)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from None
    if not isinstance(parsed, dict) or not parsed:
        raise ValueError("must be a non-empty JSON object")
    return parsed


def _fill(value: Any, fields: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name in PLACEHOLDERS:
            value = value.replace("{" + name + "}", fields[name])
        return value
    if isinstance(value, dict):
        return {k: _fill(v, fields) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, fields) for v in value]
    return value


@dataclass(frozen=True)
class SmsGatewayConfig:
    url: str
    method: str = "POST"
    auth_header: str | None = None
    auth_value: str | None = None
    body_format: BodyFormat = BodyFormat.json
    body_template: str = '{"to": "{phone}", "text": "{text}", "from": "{sender}"}'
    sender: str = ""
    phone_format: PhoneFormat = PhoneFormat.international
    strip_diacritics: bool = True
    max_segments: int = 3
    timeout_seconds: float = 10.0


class HttpSmsGateway(HttpPhoneChannel[SmsGatewayConfig]):
    service = "SMS gateway"
    name = "sms"

    def __init__(self, config: SmsGatewayConfig, transport: httpx.AsyncBaseTransport | None = None):
        super().__init__(config, transport)
        self.template = parse_template(config.body_template)

    def text_for(self, notice: PhoneNotice) -> str:
        return fit(
            notice.text,
            notice.link,
            max_segments=self.config.max_segments,
            ascii_only=self.config.strip_diacritics,
        ).text

    def request_for(self, notice: PhoneNotice) -> httpx.Request:
        config = self.config
        fields = {
            "phone": formatted(notice.phone, config.phone_format),
            "text": self.text_for(notice),
            "sender": config.sender,
            "reference": notice.reference,
        }
        filled = _fill(self.template, fields)
        headers = {"User-Agent": "giamsat-sms/1"}
        if config.auth_header and config.auth_value:
            headers[config.auth_header] = config.auth_value
        method = config.method.upper()
        if method == "GET":
            return httpx.Request(method, config.url, params=_flat(filled), headers=headers)
        if config.body_format is BodyFormat.form:
            return httpx.Request(method, config.url, data=_flat(filled), headers=headers)
        return httpx.Request(
            method,
            config.url,
            content=json.dumps(filled, ensure_ascii=False).encode(),
            headers={**headers, "Content-Type": "application/json; charset=utf-8"},
        )

    def answer(self, response: httpx.Response) -> Sent:
        status = response.status_code
        if 200 <= status < 300:
            return Sent(status=status)
        if status >= 500 or status in RETRIED_STATUSES:
            raise NoticeUnavailable(f"the SMS gateway answered {status}", status=status)
        raise NoticeRefused(f"the SMS gateway refused the message ({status})", code=status)


def _flat(values: dict[str, Any]) -> dict[str, str]:
    return {
        k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in values.items()
    }
