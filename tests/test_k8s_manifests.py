"""The Kubernetes manifests (deploy/k8s/) are valid for the Kubernetes version we target
(strict: an unknown field fails), name every setting of .env.example with the secrets in the
Secret only, probe the app's health routes, and run the CLI's real commands."""

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from service import health
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.34.0"  # also in .ci/run
SECRETS = {
    "GIAMSAT_DATABASE_URL",
    "GIAMSAT_JWT_SECRET",
    "GIAMSAT_ENCRYPTION_KEY",
    "GIAMSAT_ENCRYPTION_OLD_KEYS",
    "GIAMSAT_S3_ACCESS_KEY",
    "GIAMSAT_S3_SECRET_KEY",
    "GIAMSAT_BROKER_URL",
    "GIAMSAT_REDIS_URL",
    "GIAMSAT_SMTP_USERNAME",
    "GIAMSAT_SMTP_PASSWORD",
    "GIAMSAT_SMS_GATEWAY_AUTH_VALUE",
    "GIAMSAT_ZALO_ACCESS_TOKEN",
}
SETTING = re.compile(r"^\s*#?\s*(GIAMSAT_[A-Z0-9_]+)\s*[:=]", re.MULTILINE)


def resources() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                found.append((path.name, document))
    return found


def one(kind: str, name: str) -> dict[str, Any]:
    matches = [r for _, r in resources() if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}"
    return matches[0]


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.mark.parametrize(
    ("file", "resource"), resources(), ids=[f"{f}:{r['kind']}" for f, r in resources()]
)
def test_each_resource_is_valid_for_the_target_version(file: str, resource: dict[str, Any]) -> None:
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_strict_validation_rejects_a_misspelt_field() -> None:
    deployment = one("Deployment", "giamsat-api")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["terminationGracePeriodSecond"] = 30
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_setting_is_in_the_config_map_or_the_secret_and_secrets_only_in_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documented = set(SETTING.findall((ROOT / ".env.example").read_text(encoding="utf-8")))
    config_text = (K8S / "configmap.yaml").read_text(encoding="utf-8")
    secret_text = (K8S / "secret.yaml").read_text(encoding="utf-8")
    in_config = set(SETTING.findall(config_text))
    in_secret = set(SETTING.findall(secret_text))

    assert documented, ".env.example lists no setting?"
    assert documented - (in_config | in_secret) == set()
    assert (in_config | in_secret) - documented == set()
    assert in_config & SECRETS == set()
    assert in_secret >= SECRETS
    # The pods' environment is one the settings accept, as the pods would read it.
    environment = one("ConfigMap", "giamsat-config")["data"]
    environment |= one("Secret", "giamsat-secrets")["stringData"]
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.environment == "production"
    assert settings.report_parent_body == Settings.model_fields["report_parent_body"].default


def test_the_api_probes_the_apps_health_routes_and_scales_by_cpu() -> None:
    api = container(one("Deployment", "giamsat-api"))
    routes = set(health.health.paths) | set(health.ready.paths)

    assert api["livenessProbe"]["httpGet"]["path"] == "/health"
    assert api["startupProbe"]["httpGet"]["path"] == "/health"
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert {"/health", "/ready"} <= routes
    assert api["command"][:2] == ["giamsat", "serve"]
    hpa = one("HorizontalPodAutoscaler", "giamsat-api")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "giamsat-api"
    assert hpa["spec"]["minReplicas"] >= 2
    service = one("Service", "giamsat-api")
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "giamsat-api"}


def test_the_worker_and_the_migration_run_the_clis_commands() -> None:
    from service.cli import main

    worker = container(one("Deployment", "giamsat-worker"))
    migrate = container(one("Job", "giamsat-migrate"))

    assert worker["command"][:2] == ["giamsat", "worker"]
    assert migrate["command"][-1] == "giamsat migrate && giamsat seed"
    commands = set(main.list_commands(None))  # type: ignore[arg-type]
    assert {"serve", "worker", "migrate", "seed"} <= commands
    for pod in (worker, migrate):
        sources = {next(iter(source.values()))["name"] for source in pod["envFrom"]}
        assert sources == {"giamsat-config", "giamsat-secrets"}
