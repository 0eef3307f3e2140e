"""SMS and Zalo notices of ``petitions.notify`` (:mod:`service.petitions.notifications`):
a notification as the phone channels of ``service.notices`` take it, which channel, and the
hand-off. Apart so that the notifications module stays one screenful of rules."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from service.i18n import msg
from service.notices import config as phone_channels
from service.notices.base import PhoneChannel, PhoneNotice
from service.petitions.messages import STATUS_LABELS
from service.petitions.models import NotifyChannel, PetitionStatus
from service.settings import Settings

if TYPE_CHECKING:
    from service.petitions.notifications import Notice


def portal_url(settings: Settings) -> str:
    """Where a citizen reading an SMS follows the petition (the portal's tracking page,
    code and secret in hand; the API's track URL needs a header no phone can send)."""
    return settings.public_base_url.rstrip("/") + "/tra-cuu"


def phone_notice(settings: Settings, notice: Notice) -> PhoneNotice:
    """The notice as the phone channels take it: the SMS text from the catalogue (in
    Vietnamese, as the citizen reads it) and the ZNS template's parameters."""
    assert notice.phone is not None
    label = STATUS_LABELS.get(PetitionStatus(notice.status), notice.status)
    link = portal_url(settings)
    at = datetime.fromisoformat(notice.occurred_at).astimezone(ZoneInfo(settings.timezone))
    return PhoneNotice(
        phone=notice.phone,
        text=msg("notice.sms.body", code=notice.tracking_code, message=notice.message).render("vi"),
        link=msg("notice.sms.link", link=link).render("vi"),
        template=notice.kind,
        params={
            "ma_don": notice.tracking_code,
            "trang_thai": label,
            "noi_dung": notice.message,
            "ngay": f"{at:%d/%m/%Y}",
        },
        # Stable per notification, short enough for ZNS's tracking_id.
        reference=f"{notice.petition_id.hex}-{notice.event_id}",
    )


def phone_channel_for(settings: Settings, notice: Notice) -> PhoneChannel | None:
    if notice.channel == NotifyChannel.sms:
        return phone_channels.sms_gateway(settings)
    zns = phone_channels.zalo_zns(settings)
    if zns is None or zns.config.template_ids.get(notice.kind) is None:
        return None
    return zns


async def send_to_phone(channel: PhoneChannel, settings: Settings, notice: Notice) -> int:
    """Hand the notice to the SMS gateway or ZNS; its HTTP status. Raises NoticeUnavailable
    while the service cannot take it (retried), NoticeRefused when it refuses it for good."""
    sent = await channel.send(phone_notice(settings, notice))
    return sent.status
