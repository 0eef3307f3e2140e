"""Settings from the environment (prefix ``GIAMSAT_``) and an optional ``.env`` file.

Settings are passed in explicitly (``create_app(settings)``, ``session_scope(settings)``);
there is no module-level settings object to import.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class StorageBackend(StrEnum):
    """Where evidence and report files are kept: ``local``, a folder on this machine
    (development, the demo), or ``s3``, an S3-compatible object store."""

    local = "local"
    s3 = "s3"


class BrokerKind(StrEnum):
    """The dramatiq broker the outbox relay publishes to and the workers read from
    (``stub`` keeps the messages in memory, for tests)."""

    rabbitmq = "rabbitmq"
    redis = "redis"
    stub = "stub"


class Environment(StrEnum):
    """Where the service runs: a developer's machine, the test suite, or production, the
    one held to the secret policy (``service.auth.secret_policy``)."""

    development = "development"
    test = "test"
    # Refuses to start with a missing, default or short secret (service.auth.secret_policy).
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GIAMSAT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.development
    # No database URL means "embedded": `giamsat demo` starts PostgreSQL under data_dir.
    database_url: str | None = None
    database_pool_size: int = 10
    # A read replica (a hot standby streaming from the primary) for the read-heavy paths: the
    # lists, search and dashboards, the public feeds and the reports' data gathering
    # (``service.readonly``). They may lag the primary by the replication delay; a detail page
    # and every edit stay on the primary. Unset: everything reads the primary, as before.
    database_replica_url: str | None = None
    # How often (seconds) a process checks whether the reference data it caches (units,
    # categories, routing, calendar) changed on another replica; 0 checks on every use.
    reference_cache_seconds: float = Field(default=2.0, ge=0)
    # How long (seconds) a process keeps the console dashboard's figures of one scope and
    # period (``service.web.dashboard.cache``); 0 computes them on every view.
    dashboard_cache_seconds: float = Field(default=300.0, ge=0)
    # Build the address tables (``service.directory.addresses``: several seconds of CPU) in a
    # background thread when the server starts, instead of on the first petition filed with
    # an address and no unit code. Off by default so that tests and the demo do not pay it.
    address_preload: bool = False
    data_dir: Path = Path("var")

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Where clients reach the API (track URLs, signed upload/download URLs, links in emails).
    # Unset: derived from host and port (see ``public_base_url``). Set it behind a proxy.
    public_base_url_setting: str | None = Field(
        default=None,
        validation_alias=AliasChoices("GIAMSAT_PUBLIC_BASE_URL", "public_base_url"),
    )
    log_level: str = "INFO"
    log_json: bool = True

    jwt_secret: SecretStr = SecretStr("change-me-in-production-please-32b")
    access_token_ttl_seconds: int = 900
    # argon2id cost for staff passwords (argon2-cffi's defaults: RFC 9106's low-memory profile).
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    refresh_token_ttl_days: int = 14
    # The console's cookie session (service/web/sessions.py): it ends after this many minutes
    # without a request, and in any case this many hours after the login.
    console_idle_minutes: int = Field(default=30, ge=1)
    console_session_hours: int = Field(default=12, ge=1)
    # Fernet key (urlsafe base64, 32 bytes) for confidential personal data such as a
    # denouncer's identity. The default is for development only.
    encryption_key: SecretStr = SecretStr("ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZHVjdGk=")
    # Previous Fernet keys, still accepted for decryption while `giamsat secrets reencrypt`
    # moves the data to the current key (comma-separated or a JSON list).
    encryption_old_keys: Annotated[list[SecretStr], NoDecode] = []

    storage_backend: StorageBackend = StorageBackend.local
    storage_local_root: Path | None = None
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "minioadmin"
    s3_secret_key: SecretStr = SecretStr("minioadmin")
    s3_bucket: str = "giamsat"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    max_upload_bytes: int = 100 * 1024 * 1024
    max_request_body_bytes: int = 2 * 1024 * 1024
    download_url_ttl_seconds: int = 300

    broker: BrokerKind = BrokerKind.rabbitmq
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # The relay polls (nothing NOTIFYs it, migration 0260): a job waits at most this long.
    relay_interval_seconds: float = 0.25
    relay_batch_size: int = 500
    job_max_retries: int = 8

    # Prefix of this deployment's queue names on the broker and of its keys in Redis, so that
    # deployments sharing one RabbitMQ vhost or Redis database never take each other's jobs.
    queue_namespace: str = "giamsat"
    # Redis shared by every API process and replica (rate limits, Litestar's stores), e.g.
    # redis://redis:6379/1. Unset: each process counts alone (one process, development only).
    redis_url: str | None = None
    # The client address is read from X-Forwarded-For only when the connection comes from one
    # of these proxies (addresses or CIDRs, comma-separated, e.g. "10.0.0.0/8,127.0.0.1");
    # empty: nobody is trusted and the address is the connection's.
    trusted_proxies: Annotated[list[str], NoDecode] = []

    # Outgoing mail (service.mail.SmtpMailer). No host: every letter is recorded as skipped.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "giamsat@localhost"
    # STARTTLS after connecting (submission, usually port 587) or TLS from the first byte
    # (SMTPS, usually port 465): at most one. The server's certificate is verified against
    # the system's CAs, or against ``smtp_ca_file`` (PEM) when set.
    smtp_starttls: bool = False
    smtp_implicit_tls: bool = False
    smtp_ca_file: Path | None = None
    # Login (AUTH) when a username is set; only over STARTTLS or implicit TLS.
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # One timeout (seconds) for connecting and for each reply of the server.
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)

    # Notices to a citizen's phone (service.notices; README "SMS and Zalo notices").
    # A generic HTTP SMS gateway: unset URL = SMS notices are recorded as skipped.
    sms_gateway_url: str | None = None
    sms_gateway_method: Literal["POST", "GET"] = "POST"
    # The header carrying the gateway's key (e.g. Authorization / "Bearer ..."); the value is
    # a secret, never logged.
    sms_gateway_auth_header: str | None = "Authorization"
    sms_gateway_auth_value: SecretStr | None = None
    sms_gateway_body_format: Literal["json", "form"] = "json"
    # A JSON object; its strings may hold {phone}, {text}, {sender} and {reference}.
    sms_gateway_body_template: str = '{"to": "{phone}", "text": "{text}", "from": "{sender}"}'
    sms_sender: str = "MTTQ"  # the brand name registered with the gateway
    sms_phone_format: Literal["84", "0"] = "84"  # 84912345678 or 0912345678
    # Strip Vietnamese diacritics (GSM-7: 160 characters a part instead of 70 in UCS-2).
    sms_strip_diacritics: bool = True
    sms_max_segments: int = Field(default=3, ge=1, le=10)
    sms_timeout_seconds: float = Field(default=10.0, gt=0)
    # Zalo ZNS: no access token or no template id = Zalo notices are recorded as skipped.
    zalo_zns_url: str = "https://business.openapi.zalo.me/message/template"
    zalo_access_token: SecretStr | None = None
    zalo_template_received: str | None = None  # the approved template for "received"
    zalo_template_updated: str | None = None  # ... and for every later change
    zalo_timeout_seconds: float = Field(default=10.0, gt=0)

    timezone: str = "Asia/Ho_Chi_Minh"

    # Online citizen reception (service/reception): the platform hosts no video; a
    # reception's meeting link is this provider template with {code} (the booking's room
    # code), e.g. https://meet.jit.si/mttq-{code}. Reminders go out this many hours before.
    reception_meeting_url_template: str = "https://meet.jit.si/giamsat-{code}"
    reception_reminder_hours: int = Field(default=24, ge=1, le=168)

    # Open311 (service/open311): the jurisdiction_id this server answers to; a request naming
    # another is a 404.
    open311_jurisdiction_id: str = "hanoi.giamsat.vn"

    # Reports (reports/): defaults for the Decree 30 header and closing block; a request may
    # override each. "\n" in a body's name breaks the line. Recipients are "Name" or
    # "Name <email>" (JSON list in the environment); the archive line closes "Nơi nhận:".
    report_parent_body: str = "Ủy ban MTTQ Việt Nam\nThành phố Hà Nội"
    report_issuing_body: str = "Ban Thường trực"
    report_place: str = "Hà Nội"
    report_number_symbol: str = "/BC-MTTQ"
    report_signer_on_behalf: str | None = "TM. Ban Thường trực"
    report_signer_title: str = "Chủ tịch"
    report_signer_name: str = "(Họ và tên)"
    report_recipients: list[str] = ["Thường trực HĐND Thành phố", "UBND Thành phố"]
    report_archive_line: str = "Lưu: VT"
    # None = plain PDF; "pdf/a-3b" = archival PDF/A-3b for every report by default.
    report_pdf_variant: str | None = None
    report_chunk_rows: int = 400
    # Larger PDFs are sent as a download link instead of an attachment.
    report_attachment_max_bytes: int = 10 * 1024 * 1024
    # Lifetime of the download link in a delivery email (S3 allows at most 7 days).
    report_link_ttl_seconds: int = 7 * 24 * 3600
    report_delivery_max_attempts: int = 6

    # Publishing to channels (service/channels): the remotes' base URLs (tests point them at
    # local servers), the Graph API version, one timeout per call, attempts before a
    # publication is marked failed, and the cover photo of a Zalo article without an image.
    channels_zalo_base_url: str = "https://openapi.zalo.me"
    channels_facebook_base_url: str = "https://graph.facebook.com"
    channels_facebook_api_version: str = "v21.0"
    channels_timeout_seconds: float = Field(default=10.0, gt=0)
    channels_max_attempts: int = Field(default=10, ge=1)
    channels_zalo_default_cover_url: str | None = None
    # Exports of the staff lists (service/exports): rows per page read from the database, and
    # the most rows one file holds (one XLSX sheet holds 1,048,575 beside its header).
    export_page_rows: int = Field(default=1000, ge=10, le=10_000)
    export_max_rows: int = Field(default=1_000_000, ge=1, le=1_048_575)
    # Exports one process streams at once (each holds a database connection while it runs).
    export_concurrency: int = Field(default=2, ge=1, le=50)

    @field_validator("encryption_old_keys", mode="before")
    @classmethod
    def _split_old_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                import json

                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("sms_gateway_body_template")
    @classmethod
    def _check_sms_template(cls, value: str) -> str:
        # The gateway's own parser (imported here: only a configured template needs it).
        from service.notices.sms import parse_template

        parse_template(value)  # ValueError: not JSON, or not a non-empty JSON object
        if "{phone}" not in value or "{text}" not in value:
            raise ValueError("must hold {phone} and {text}")
        return value

    @field_validator("queue_namespace")
    @classmethod
    def _check_namespace(cls, value: str) -> str:
        if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,39}", value):
            raise ValueError("letters, digits, '-' and '_' only (at most 40)")
        return value

    @model_validator(mode="after")
    def _check_smtp(self) -> Settings:
        if self.smtp_starttls and self.smtp_implicit_tls:
            raise ValueError("GIAMSAT_SMTP_STARTTLS and GIAMSAT_SMTP_IMPLICIT_TLS: choose one")
        if self.smtp_username and not (self.smtp_starttls or self.smtp_implicit_tls):
            raise ValueError(
                "GIAMSAT_SMTP_USERNAME needs GIAMSAT_SMTP_STARTTLS or GIAMSAT_SMTP_IMPLICIT_TLS "
                "(the password would cross the network in clear)"
            )
        if self.smtp_username and self.smtp_password is None:
            raise ValueError("GIAMSAT_SMTP_USERNAME is set without GIAMSAT_SMTP_PASSWORD")
        return self

    @property
    def objects_root(self) -> Path:
        return self.storage_local_root or (self.data_dir / "objects")

    @property
    def public_base_url(self) -> str:
        """``GIAMSAT_PUBLIC_BASE_URL`` when set, else ``http://<host>:<port>`` of the bind
        address (a wildcard bind such as ``0.0.0.0`` is reached locally at 127.0.0.1)."""
        if self.public_base_url_setting:
            return self.public_base_url_setting.rstrip("/")
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    def require_database_url(self) -> str:
        if self.database_url is None:
            raise RuntimeError(
                "GIAMSAT_DATABASE_URL is not set; run `giamsat demo` for the embedded database"
            )
        return self.database_url
