"""The phone channels' settings: what production refuses, what the template must hold, and
that the secrets never show."""

from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr, ValidationError

from service.auth.secret_policy import secret_problems
from service.notices.config import sms_gateway, zalo_zns
from service.settings import Settings

SAFE = {
    "environment": "production",
    "jwt_secret": "x" * 16 + "-fresh-random-jwt-secret-value",
    "encryption_key": Fernet.generate_key().decode(),
    "broker_url": "amqp://giamsat:a-long-broker-password@mq:5672/",
}


def production(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **{**SAFE, **overrides})  # type: ignore[call-arg]


def test_production_wants_https_for_the_phone_services() -> None:
    assert secret_problems(production()) == []
    # Zalo's default URL is https; an http one is refused once a token is set.
    plain = production(
        sms_gateway_url="http://sms.example.vn/send",
        zalo_zns_url="http://zns.local/message/template",
        zalo_access_token="token",
    )
    problems = secret_problems(plain)
    assert any(p.startswith("GIAMSAT_SMS_GATEWAY_URL is not https") for p in problems)
    assert any(p.startswith("GIAMSAT_ZALO_ZNS_URL is not https") for p in problems)
    assert secret_problems(production(sms_gateway_url="https://sms.example.vn/send")) == []
    # Development and tests may use the local fakes over http.
    assert not any(
        "SMS" in p
        for p in secret_problems(Settings(_env_file=None, sms_gateway_url="http://127.0.0.1:1/"))  # type: ignore[call-arg]
    )


@pytest.mark.parametrize(
    "template",
    ["not json", "[]", "{}", '{"to": "{phone}"}', '{"text": "{text}"}'],
)
def test_a_body_template_without_phone_and_text_is_refused(template: str) -> None:
    with pytest.raises(ValidationError, match="sms_gateway_body_template"):
        Settings(_env_file=None, sms_gateway_body_template=template)  # type: ignore[call-arg]


def test_channels_are_off_until_configured_and_secrets_do_not_show() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert sms_gateway(settings) is None
    assert zalo_zns(settings) is None
    token_only = settings.model_copy(update={"zalo_access_token": SecretStr("zns-secret")})
    assert zalo_zns(token_only) is None  # no template: nothing to send with
    configured = settings.model_copy(
        update={
            "sms_gateway_url": "https://sms.example.vn/send",
            "sms_gateway_auth_value": SecretStr("Bearer sms-secret"),
            "zalo_access_token": SecretStr("zns-secret"),
            "zalo_template_updated": "231002",
        }
    )
    sms = sms_gateway(configured)
    zns = zalo_zns(configured)
    assert sms is not None
    assert sms.config.auth_value == "Bearer sms-secret"
    assert zns is not None
    assert dict(zns.config.template_ids) == {"updated": "231002"}
    shown = repr(configured) + str(configured.model_dump())
    assert "sms-secret" not in shown
    assert "zns-secret" not in shown
