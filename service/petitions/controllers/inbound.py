"""``POST /notices/sms/inbound``: an SMS gateway forwards a citizen's reply. A reply that
asks to stop ("STOP", "HUY", "TU CHOI"...) stops the SMS notices of every petition of that
number, as the tracking action ``POST /track/{code}/notifications`` does.

The gateway calls with an API key holding the ``sms:inbound`` scope (``giamsat
create-api-client --scope sms:inbound``); the answer says only whether the text was a stop
request and how many petitions it stopped, to that trusted caller.
"""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import RequestBody
from litestar.status_codes import HTTP_200_OK
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import api_client
from service.errors import Invalid
from service.i18n import msg
from service.notices.phones import normalise_mobile
from service.petitions import citizen
from service.settings import Settings

SCOPE = "sms:inbound"


class InboundSms(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    sender: str = Field(
        alias="from",
        min_length=1,
        max_length=32,
        description="The number the reply came from (84912345678, 0912345678, +84...)",
    )
    text: str = Field(max_length=1600, description="The reply's text")


class InboundSmsResult(BaseModel):
    stop: bool = Field(description="Whether the text asks to stop the notices")
    petitions: int = Field(description="How many petitions' SMS notices it stopped")


class SmsInboundController(Controller):
    path = "/notices/sms/inbound"
    tags = ["notices"]

    @post(
        "/",
        guards=[api_client(SCOPE)],
        status_code=HTTP_200_OK,
        summary="A citizen's SMS reply, forwarded by the SMS gateway (STOP opts out)",
    )
    async def inbound(
        self,
        data: RequestBody[InboundSms],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> InboundSmsResult:
        phone = normalise_mobile(data.sender)
        if phone is None:
            raise Invalid(msg("mobile_number_invalid"), field="from")
        if not citizen.asks_to_stop(data.text):
            return InboundSmsResult(stop=False, petitions=0)
        stopped = await citizen.opt_out_by_phone(db_session, settings, phone)
        return InboundSmsResult(stop=True, petitions=stopped)
