"""The adapters against local servers that answer as the services document: the exact
request each service gets, and how each answer is taken (sent, retried, refused)."""

import pytest

from service.notices.base import NoticeRefused, NoticeUnavailable, PhoneNotice
from service.notices.phones import PhoneFormat
from service.notices.sms import BodyFormat, HttpSmsGateway, SmsGatewayConfig
from service.notices.zalo import ZaloZns, ZaloZnsConfig
from tests.notices.fakes import ZNS_NOT_ON_ZALO, ZNS_TOKEN, FakeSmsGateway, FakeZns

NOTICE = PhoneNotice(
    phone="84912345678",
    text='Đơn HN-2026-000001: Đơn của bạn đã được chuyển đến "UBND phường Hoàn Kiếm".',
    link="Tra cứu: https://giamsat.example.vn/tra-cuu",
    template="updated",
    params={
        "ma_don": "HN-2026-000001",
        "trang_thai": "Đã chuyển cơ quan có thẩm quyền",
        "noi_dung": "Đơn của bạn đã được chuyển đến UBND phường Hoàn Kiếm để giải quyết. " * 5,
        "ngay": "01/12/2026",
    },
    reference="0b7f3c1e5d2a4e7b9a513c2d9e8f7a61-42",
)
ASCII_TEXT = (
    'Don HN-2026-000001: Don cua ban da duoc chuyen den "UBND phuong Hoan Kiem". '
    "Tra cuu: https://giamsat.example.vn/tra-cuu"
)


def gateway(fake: FakeSmsGateway, **overrides: object) -> HttpSmsGateway:
    config = {
        "url": fake.url,
        "auth_header": "Authorization",
        "auth_value": "Bearer sms-key",
        "sender": "MTTQ-HN",
        **overrides,
    }
    return HttpSmsGateway(SmsGatewayConfig(**config))  # type: ignore[arg-type]


class TestSmsGateway:
    async def test_json_body_from_the_template(self, sms_gateway: FakeSmsGateway) -> None:
        template = (
            '{"to": "{phone}", "message": "{text}", "brandname": "{sender}", '
            '"ref": "{reference}", "type": 2}'
        )
        sent = await gateway(sms_gateway, body_template=template).send(NOTICE)
        assert sent.status == 200
        [request] = sms_gateway.requests
        assert (request.method, request.path) == ("POST", "/api/send")
        assert request.headers["authorization"] == "Bearer sms-key"
        assert request.headers["content-type"] == "application/json; charset=utf-8"
        # A quote in the text stays inside its JSON string; non-text values pass as they are.
        assert request.json() == {
            "to": "84912345678",
            "message": ASCII_TEXT,
            "brandname": "MTTQ-HN",
            "ref": NOTICE.reference,
            "type": 2,
        }

    async def test_form_body_national_number_with_diacritics(
        self, sms_gateway: FakeSmsGateway
    ) -> None:
        sms = gateway(
            sms_gateway,
            body_format=BodyFormat.form,
            body_template='{"Phone": "{phone}", "Content": "{text}"}',
            phone_format=PhoneFormat.national,
            strip_diacritics=False,
            auth_header="X-API-Key",
            auth_value="k-123",
        )
        await sms.send(NOTICE)
        [request] = sms_gateway.requests
        assert request.headers["x-api-key"] == "k-123"
        assert "authorization" not in request.headers
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert request.form() == {
            "Phone": ["0912345678"],
            "Content": [NOTICE.text + " " + NOTICE.link],
        }

    async def test_get_puts_the_fields_in_the_query(self, sms_gateway: FakeSmsGateway) -> None:
        await gateway(
            sms_gateway, method="GET", body_template='{"to": "{phone}", "msg": "{text}"}'
        ).send(NOTICE)
        [request] = sms_gateway.requests
        assert request.method == "GET"
        assert request.body == b""
        assert request.query == {"to": ["84912345678"], "msg": [ASCII_TEXT]}

    async def test_a_long_text_is_cut_to_the_segments_allowed(
        self, sms_gateway: FakeSmsGateway
    ) -> None:
        long = PhoneNotice(**{**NOTICE.__dict__, "text": NOTICE.text * 10})
        await gateway(sms_gateway, max_segments=1).send(long)
        text = sms_gateway.requests[0].json()["text"]
        assert len(text) <= 160
        assert text.endswith("... Tra cuu: https://giamsat.example.vn/tra-cuu")

    @pytest.mark.parametrize("status", [429, 500, 502, 503, 401, 403, 408])
    async def test_what_may_pass_is_retried(self, sms_gateway: FakeSmsGateway, status: int) -> None:
        sms_gateway.script = [(status, {"error": "try later"})]
        with pytest.raises(NoticeUnavailable) as raised:
            await gateway(sms_gateway).send(NOTICE)
        assert raised.value.status == status
        assert (await gateway(sms_gateway).send(NOTICE)).status == 200

    @pytest.mark.parametrize("status", [400, 404, 422])
    async def test_a_refusal_is_final(self, sms_gateway: FakeSmsGateway, status: int) -> None:
        sms_gateway.script = [(status, {"error": "invalid number"})]
        with pytest.raises(NoticeRefused) as raised:
            await gateway(sms_gateway).send(NOTICE)
        assert raised.value.code == status

    async def test_a_gateway_down_is_retried_without_the_number_in_the_error(
        self, sms_gateway: FakeSmsGateway
    ) -> None:
        sms_gateway.down = True
        sms = gateway(sms_gateway, method="GET", body_template='{"to": "{phone}", "t": "{text}"}')
        with pytest.raises(NoticeUnavailable) as raised:
            await sms.send(NOTICE)
        assert "912345678" not in str(raised.value)
        assert "127.0.0.1" not in str(raised.value)

    async def test_nobody_listening_is_retried(self) -> None:
        sms = HttpSmsGateway(SmsGatewayConfig(url="http://127.0.0.1:9/send", timeout_seconds=2))
        with pytest.raises(NoticeUnavailable):
            await sms.send(NOTICE)

    def test_a_broken_template_is_refused(self) -> None:
        with pytest.raises(ValueError, match="not JSON"):
            HttpSmsGateway(SmsGatewayConfig(url="http://x", body_template="{to: {phone}}"))


def zalo(fake: FakeZns, token: str = ZNS_TOKEN) -> ZaloZns:
    return ZaloZns(
        ZaloZnsConfig(
            access_token=token,
            template_ids={"received": "231001", "updated": "231002"},
            url=fake.url,
        )
    )


class TestZns:
    async def test_the_request_is_zns_shape_and_success_gives_the_msg_id(
        self, zns: FakeZns
    ) -> None:
        sent = await zalo(zns).send(NOTICE)
        assert sent.status == 200
        assert sent.provider_id == "a1b2c31"
        [request] = zns.requests
        assert (request.method, request.path) == ("POST", "/message/template")
        assert request.headers["access_token"] == ZNS_TOKEN
        assert request.headers["content-type"] == "application/json; charset=utf-8"
        body = request.json()
        assert set(body) == {"phone", "template_id", "template_data", "tracking_id"}
        assert body["phone"] == "84912345678"
        assert body["template_id"] == "231002"
        assert body["tracking_id"] == NOTICE.reference
        data = body["template_data"]
        assert data["ma_don"] == "HN-2026-000001"
        assert data["trang_thai"] == "Đã chuyển cơ quan có thẩm quyền"  # Vietnamese kept
        assert data["ngay"] == "01/12/2026"
        # Cut to the parameter's length, with an ellipsis.
        assert len(data["noi_dung"]) == 200
        assert data["noi_dung"].endswith("…")
        # The raw body is UTF-8 JSON, not \\u escapes (Zalo shows what it gets).
        assert "Đã chuyển" in request.body.decode()

    async def test_the_receipt_uses_its_own_template(self, zns: FakeZns) -> None:
        await zalo(zns).send(PhoneNotice(**{**NOTICE.__dict__, "template": "received"}))
        assert zns.requests[0].json()["template_id"] == "231001"

    async def test_an_invalid_token_is_retried(self, zns: FakeZns) -> None:
        """-124: the OA token expired; once renewed, the retry goes through."""
        with pytest.raises(NoticeUnavailable) as raised:
            await zalo(zns, token="expired").send(NOTICE)
        assert raised.value.status == -124
        assert "expired" not in str(raised.value)  # the token is never in an error
        assert (await zalo(zns).send(NOTICE)).provider_id is not None

    async def test_a_number_not_on_zalo_is_refused_for_good(self, zns: FakeZns) -> None:
        notice = PhoneNotice(**{**NOTICE.__dict__, "phone": ZNS_NOT_ON_ZALO})
        with pytest.raises(NoticeRefused) as raised:
            await zalo(zns).send(notice)
        assert raised.value.code == -118
        assert "Zalo account not existed" in raised.value.detail

    async def test_phone_number_invalid_is_refused(self, zns: FakeZns) -> None:
        zns.script = [(200, {"error": -108, "message": "Phone number invalid"})]
        with pytest.raises(NoticeRefused) as raised:
            await zalo(zns).send(NOTICE)
        assert raised.value.code == -108

    @pytest.mark.parametrize(
        "answer",
        [
            (200, {"error": -100, "message": "Unknown error"}),
            (429, {"error": -1, "message": "Too many requests"}),
            (500, {"message": "Internal Server Error"}),
            (200, "not the zns answer"),
        ],
    )
    async def test_what_may_pass_is_retried(self, zns: FakeZns, answer: tuple[int, object]) -> None:
        zns.script = [answer]
        with pytest.raises(NoticeUnavailable):
            await zalo(zns).send(NOTICE)
        assert (await zalo(zns).send(NOTICE)).status == 200
        assert len(zns.requests) == 2

    async def test_zns_down_is_retried(self, zns: FakeZns) -> None:
        zns.down = True
        with pytest.raises(NoticeUnavailable):
            await zalo(zns).send(NOTICE)
