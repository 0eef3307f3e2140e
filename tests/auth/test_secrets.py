"""Secrets: production refuses public, missing or short ones; the Fernet key rotates."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import SQLModel

from service.app import create_app
from service.auth.crypto import ENCRYPTED_COLUMNS, generate_key
from service.auth.rotation import reencrypt_all
from service.auth.secret_policy import InsecureSecrets, require_safe_secrets, secret_problems
from service.petitions.confidential import (
    Identity,
    decrypt_identity,
    decrypt_json,
    encrypt_identity,
    encrypt_json,
)
from service.petitions.models import Channel, Petition, Petitioner, PetitionKind
from service.settings import Settings
from tests.factories import HOAN_KIEM, create_api_client

GIAMSAT = Path(sys.executable).with_name("giamsat")

SAFE = {
    "environment": "production",
    "jwt_secret": "x" * 16 + "-fresh-random-jwt-secret-value",
    "encryption_key": Fernet.generate_key().decode(),
    "broker_url": "amqp://giamsat:a-long-broker-password@mq:5672/",
}


def _production(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **{**SAFE, **overrides})  # type: ignore[call-arg]


def _clean_environment(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIAMSAT_")}
    return {**env, **extra}


class TestProductionRefusesUnsafeSecrets:
    @pytest.mark.parametrize("command", [["serve"], ["worker"]])
    def test_command_without_secrets_exits_with_one_line(
        self, command: list[str], tmp_path: Path
    ) -> None:
        result = subprocess.run(
            [str(GIAMSAT), *command],
            cwd=tmp_path,  # no .env here
            env=_clean_environment(GIAMSAT_ENVIRONMENT="production"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "GIAMSAT_JWT_SECRET is a public default value" in lines[0]
        assert "GIAMSAT_ENCRYPTION_KEY is a public default value" in lines[0]
        assert "giamsat secrets generate" in lines[0]
        assert "Traceback" not in result.stderr

    def test_create_app_refuses_the_default_secrets(self) -> None:
        settings = Settings(_env_file=None, environment="production")  # type: ignore[call-arg]
        with pytest.raises(InsecureSecrets, match="GIAMSAT_JWT_SECRET"):
            create_app(settings)

    def test_safe_secrets_pass(self) -> None:
        require_safe_secrets(_production())
        require_safe_secrets(_production(storage_backend="s3", s3_secret_key="a-long-minio-secret"))

    @pytest.mark.parametrize(
        ("overrides", "problem"),
        [
            ({"jwt_secret": ""}, "GIAMSAT_JWT_SECRET is not set"),
            ({"jwt_secret": "short-secret"}, "GIAMSAT_JWT_SECRET is too short (12 characters"),
            (
                {"jwt_secret": "change-me-in-production-please-32b"},
                "GIAMSAT_JWT_SECRET is a public default value",
            ),
            ({"encryption_key": ""}, "GIAMSAT_ENCRYPTION_KEY is not set"),
            (
                {"encryption_key": "ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZHVjdGk="},
                "GIAMSAT_ENCRYPTION_KEY is a public default value",
            ),
            ({"encryption_key": "not-a-fernet-key"}, "GIAMSAT_ENCRYPTION_KEY is not a valid"),
            (
                {"encryption_old_keys": "not-a-fernet-key"},
                "GIAMSAT_ENCRYPTION_OLD_KEYS (key 1) is not a valid",
            ),
            (
                {"storage_backend": "s3", "s3_secret_key": "minioadmin"},
                "GIAMSAT_S3_SECRET_KEY is a public default value",
            ),
            (
                {"storage_backend": "s3", "s3_secret_key": "abc"},
                "GIAMSAT_S3_SECRET_KEY is too short",
            ),
            (
                {"broker_url": "amqp://guest:guest@mq:5672/"},
                "GIAMSAT_BROKER_URL logs in with RabbitMQ's public guest account",
            ),
            (
                {"broker_url": "amqp://mq:5672/"},
                "GIAMSAT_BROKER_URL logs in with RabbitMQ's public guest account",
            ),
        ],
    )
    def test_each_unsafe_secret_is_named(self, overrides: dict[str, Any], problem: str) -> None:
        with pytest.raises(InsecureSecrets) as raised:
            require_safe_secrets(_production(**overrides))
        assert problem in str(raised.value)
        assert "\n" not in str(raised.value)

    def test_development_accepts_the_defaults_but_not_a_broken_key(self) -> None:
        assert secret_problems(Settings(_env_file=None)) == []  # type: ignore[call-arg]
        broken = Settings(_env_file=None, encryption_key="nope")  # type: ignore[call-arg]
        assert secret_problems(broken) == [
            "GIAMSAT_ENCRYPTION_KEY is not a valid Fernet key (32 random bytes, url-safe base64)"
        ]

    def test_demo_refuses_production(self, tmp_path: Path) -> None:
        """It would seed accounts and an API key whose secrets the README publishes."""
        result = subprocess.run(
            [str(GIAMSAT), "demo"],
            cwd=tmp_path,
            env=_clean_environment(GIAMSAT_ENVIRONMENT="production"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode != 0
        assert "Refusing to run the demo with GIAMSAT_ENVIRONMENT=production" in result.stderr
        assert not (tmp_path / "var").exists()

    def test_an_unknown_environment_name_is_refused(self) -> None:
        with pytest.raises(ValueError, match="environment"):
            Settings(_env_file=None, environment="prod")  # type: ignore[call-arg]


def test_generate_prints_usable_env_lines(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(GIAMSAT), "secrets", "generate"],
        cwd=tmp_path,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (tmp_path / ".env").write_text(result.stdout + "GIAMSAT_ENVIRONMENT=production\n")
    values = dict(
        line.split("=", 1) for line in result.stdout.splitlines() if not line.startswith("#")
    )
    assert set(values) == {"GIAMSAT_JWT_SECRET", "GIAMSAT_ENCRYPTION_KEY"}
    settings = Settings(
        _env_file=tmp_path / ".env",  # type: ignore[call-arg]
        broker_url="amqp://giamsat:a-long-broker-password@mq/",
    )
    assert settings.jwt_secret.get_secret_value() == values["GIAMSAT_JWT_SECRET"]
    require_safe_secrets(settings)


class TestKeyRotation:
    def test_old_keys_decrypt_and_the_current_key_encrypts(self) -> None:
        old, new = generate_key(), generate_key()
        before = _production(encryption_key=old)
        after = _production(encryption_key=new, encryption_old_keys=old)
        token = encrypt_identity(before, Identity(full_name="Nguyễn Văn A"))
        assert decrypt_identity(after, token).full_name == "Nguyễn Văn A"
        fresh = encrypt_json(after, {"a": 1})
        Fernet(new.encode()).decrypt(fresh.encode())
        with pytest.raises(RuntimeError, match="cannot be decrypted"):
            decrypt_json(before, fresh)

    def test_old_keys_read_comma_separated_or_json(self) -> None:
        a, b = generate_key(), generate_key()
        for raw in (f"{a}, {b}", f'["{a}", "{b}"]'):
            keys = _production(encryption_old_keys=raw).encryption_old_keys
            assert [key.get_secret_value() for key in keys] == [a, b]

    def test_every_encrypted_column_is_listed(self) -> None:
        import service.migrations.registry  # noqa: F401  (every model)

        found = {
            (table.name, column.name)
            for table in SQLModel.metadata.tables.values()
            for column in table.columns
            if any(word in column.name for word in ("cipher", "encrypted"))
        }
        assert found == {(column.table, column.column) for column in ENCRYPTED_COLUMNS}

    async def test_reencrypt_moves_every_column_to_the_current_key_in_batches(
        self, session: AsyncSession, connection: AsyncConnection, seeded: Any
    ) -> None:
        old, new = generate_key(), generate_key()
        before = _production(encryption_key=old)
        after = _production(encryption_key=new, encryption_old_keys=old)
        stranger = _production(encryption_key=generate_key())
        api_client, _ = await create_api_client(session)
        petitions = [
            Petition(
                tracking_code=f"HN-T-{uuid.uuid4().hex[:8]}",
                secret_hash="0" * 64,
                kind=PetitionKind.denunciation,
                category_code="environment_sanitation",
                title="Tố cáo",
                description="…",
                unit_code=HOAN_KIEM,
                channel=Channel.zalo,
                client_id=api_client.id,
            )
            for _ in range(3)
        ]
        session.add_all(petitions)
        await session.flush()
        session.add_all(
            Petitioner(
                petition_id=petition.id,
                identity_ciphertext=encrypt_identity(before, Identity(full_name=f"Người {n}")),
            )
            for n, petition in enumerate(petitions)
        )
        for n in range(5):
            settings = stranger if n == 4 else before
            await session.execute(
                text(
                    "INSERT INTO idempotency_key (client_id, key, endpoint, request_hash, "
                    "response_status, response_body_encrypted) VALUES (:c, :k, 'x', 'h', 201, :b)"
                ),
                {"c": api_client.id, "k": f"key-{n}", "b": encrypt_json(settings, {"n": n})},
            )
        await session.commit()

        def sessions() -> AsyncSession:
            return AsyncSession(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )

        first = await reencrypt_all(sessions, after, batch_size=2)  # type: ignore[arg-type]
        counts = {
            r.column.table: (r.reencrypted, r.already_current, r.undecryptable) for r in first
        }
        assert counts["petitioner"][0] >= 3
        assert counts["idempotency_key"][0] >= 4
        assert counts["idempotency_key"][2] >= 1  # the stranger's row is reported, not lost
        again = await reencrypt_all(sessions, after, batch_size=2)  # type: ignore[arg-type]
        assert all(r.reencrypted == 0 for r in again)  # idempotent

        only_new = _production(encryption_key=new)
        rows = await session.execute(
            text("SELECT p.identity_ciphertext FROM petitioner p WHERE p.petition_id = ANY(:ids)"),
            {"ids": [p.id for p in petitions]},
        )
        names = sorted(decrypt_identity(only_new, token).full_name or "" for (token,) in rows)
        assert names == ["Người 0", "Người 1", "Người 2"]
        bodies = await session.execute(
            text(
                "SELECT key, response_body_encrypted FROM idempotency_key "
                "WHERE client_id = :c ORDER BY key"
            ),
            {"c": api_client.id},
        )
        decrypted = {key: decrypt_json(only_new, body) for key, body in bodies if key != "key-4"}
        assert decrypted == {f"key-{n}": {"n": n} for n in range(4)}


def test_the_decoy_hash_has_the_configured_cost_and_matches_no_password() -> None:
    """An unknown username is checked against a decoy hash of the same cost as a real one,
    so the two failures take the same time."""
    from service.auth import secrets

    hasher = secrets._hasher
    try:
        secrets.configure_password_hashing(time_cost=2, memory_kib=2048)
        decoy, real = secrets.decoy_hash(), secrets.hash_password("mật khẩu")
        assert decoy.split("$")[:4] == real.split("$")[:4]  # algorithm, version, cost
        for password in ("mật khẩu", "", "not-a-real-password"):
            assert not secrets.verify_password(decoy, password)
        assert secrets.verify_password(real, "mật khẩu")
    finally:
        secrets._hasher = hasher
