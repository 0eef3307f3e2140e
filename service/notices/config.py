"""The phone channels built from the settings; None when a channel is not configured (its
notices are then recorded as skipped, as email is without an SMTP host)."""

from __future__ import annotations

from service.notices.phones import PhoneFormat
from service.notices.sms import BodyFormat, HttpSmsGateway, SmsGatewayConfig
from service.notices.zalo import ZaloZns, ZaloZnsConfig
from service.settings import Settings

RECEIVED = "received"
UPDATED = "updated"


def sms_gateway(settings: Settings) -> HttpSmsGateway | None:
    if not settings.sms_gateway_url:
        return None
    secret = settings.sms_gateway_auth_value
    return HttpSmsGateway(
        SmsGatewayConfig(
            url=settings.sms_gateway_url,
            method=settings.sms_gateway_method,
            auth_header=settings.sms_gateway_auth_header,
            auth_value=secret.get_secret_value() if secret is not None else None,
            body_format=BodyFormat(settings.sms_gateway_body_format),
            body_template=settings.sms_gateway_body_template,
            sender=settings.sms_sender,
            phone_format=PhoneFormat(settings.sms_phone_format),
            strip_diacritics=settings.sms_strip_diacritics,
            max_segments=settings.sms_max_segments,
            timeout_seconds=settings.sms_timeout_seconds,
        )
    )


def zalo_zns(settings: Settings) -> ZaloZns | None:
    token = settings.zalo_access_token
    if token is None or not token.get_secret_value():
        return None
    templates = {
        kind: template_id
        for kind, template_id in (
            (RECEIVED, settings.zalo_template_received),
            (UPDATED, settings.zalo_template_updated),
        )
        if template_id
    }
    if not templates:
        return None
    return ZaloZns(
        ZaloZnsConfig(
            access_token=token.get_secret_value(),
            template_ids=templates,
            url=settings.zalo_zns_url,
            timeout_seconds=settings.zalo_timeout_seconds,
        )
    )
