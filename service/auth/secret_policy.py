"""What a production deployment may not start with: a secret that is missing, public or short.

The defaults in ``service.settings`` (and ``.env.example``) make development easy and are
published with the code, so in production a token signed with the default JWT secret would
be accepted, and denouncers' identities would be encrypted with a key anyone can read.
``require_safe_secrets`` is called by ``create_app`` and by ``giamsat serve`` / ``giamsat
worker`` before anything starts; it raises one line naming every offending setting.
A Fernet key that is not a Fernet key is refused in every environment (nothing could be
encrypted with it).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr

from service.auth.crypto import key_problem
from service.settings import BrokerKind, Environment, Settings, StorageBackend

MIN_JWT_SECRET_LENGTH = 32  # 256 bits for HS256 (RFC 7518 §3.2)
MIN_S3_SECRET_LENGTH = 8  # MinIO refuses shorter root passwords

_DEFAULTS = Settings.model_fields
# Published with the code: the settings defaults, .env.example, and the test settings.
PUBLIC_JWT_SECRETS = frozenset(
    {
        _DEFAULTS["jwt_secret"].get_default().get_secret_value(),
        "test-secret-test-secret-test-secret",
    }
)
PUBLIC_ENCRYPTION_KEYS = frozenset({_DEFAULTS["encryption_key"].get_default().get_secret_value()})
PUBLIC_S3_SECRETS = frozenset(
    {"minioadmin", _DEFAULTS["s3_secret_key"].get_default().get_secret_value()}
)
# RabbitMQ's built-in account; an AMQP URL without credentials logs in as guest:guest too.
PUBLIC_BROKER_PASSWORDS = frozenset({"guest"})

GENERATE_HINT = "Generate fresh values with `giamsat secrets generate` and set them in .env."


class InsecureSecrets(RuntimeError):
    """The message names the settings (``GIAMSAT_...``) so the CLI shows it as one line."""


def _secret(value: SecretStr) -> str:
    return value.get_secret_value()


def _strength(name: str, value: str, public: frozenset[str], min_length: int) -> str | None:
    if not value.strip():
        return f"{name} is not set"
    if value in public:
        return f"{name} is a public default value"
    if len(value) < min_length:
        return f"{name} is too short ({len(value)} characters, at least {min_length})"
    return None


def _fernet_problems(settings: Settings) -> list[str]:
    problems = []
    current = _secret(settings.encryption_key)
    if not current.strip():
        problems.append("GIAMSAT_ENCRYPTION_KEY is not set")
    elif problem := key_problem(current):
        problems.append(f"GIAMSAT_ENCRYPTION_KEY {problem}")
    for position, old in enumerate(settings.encryption_old_keys, start=1):
        if problem := key_problem(_secret(old)):
            problems.append(f"GIAMSAT_ENCRYPTION_OLD_KEYS (key {position}) {problem}")
    return problems


def _production_problems(settings: Settings) -> list[str]:
    problems = []
    jwt_secret = _secret(settings.jwt_secret)
    if problem := _strength(
        "GIAMSAT_JWT_SECRET", jwt_secret, PUBLIC_JWT_SECRETS, MIN_JWT_SECRET_LENGTH
    ):
        problems.append(problem)
    # Its validity (and absence) is checked in every environment, below.
    if _secret(settings.encryption_key) in PUBLIC_ENCRYPTION_KEYS:
        problems.append("GIAMSAT_ENCRYPTION_KEY is a public default value")
    if settings.storage_backend is StorageBackend.s3 and (
        problem := _strength(
            "GIAMSAT_S3_SECRET_KEY",
            _secret(settings.s3_secret_key),
            PUBLIC_S3_SECRETS,
            MIN_S3_SECRET_LENGTH,
        )
    ):
        problems.append(problem)
    # The SMS gateway's key, the Zalo OA token and citizens' numbers cross the network.
    for name, url in (
        ("GIAMSAT_SMS_GATEWAY_URL", settings.sms_gateway_url),
        ("GIAMSAT_ZALO_ZNS_URL", settings.zalo_zns_url if settings.zalo_access_token else None),
    ):
        if url and urlsplit(url).scheme != "https":
            problems.append(f"{name} is not https (keys and phone numbers would cross in clear)")
    if settings.broker is BrokerKind.rabbitmq:
        password = urlsplit(settings.broker_url).password or "guest"
        if password in PUBLIC_BROKER_PASSWORDS:
            problems.append("GIAMSAT_BROKER_URL logs in with RabbitMQ's public guest account")
    return problems


def secret_problems(settings: Settings) -> list[str]:
    """Every reason the settings' secrets are unsafe to run with, in this environment."""
    problems = _fernet_problems(settings)
    if settings.environment is Environment.production:
        problems = _production_problems(settings) + problems
    return problems


def require_safe_secrets(settings: Settings) -> None:
    problems = secret_problems(settings)
    if not problems:
        return
    where = (
        "with GIAMSAT_ENVIRONMENT=production"
        if settings.environment is Environment.production
        else "with these settings"
    )
    raise InsecureSecrets(f"Refusing to start {where}: {'; '.join(problems)}. {GENERATE_HINT}")


def refuse_demo_in_production(settings: Settings) -> None:
    """The demo seeds accounts with a published password and a published API key."""
    if settings.environment is Environment.production:
        raise InsecureSecrets(
            "Refusing to run the demo with GIAMSAT_ENVIRONMENT=production: it creates accounts "
            "and an API key whose secrets are published in the README."
        )
