"""docker-compose.yml agrees with the settings models: nothing required is missing, nothing is
misspelt, and every host and port a service is given is one the stack really serves."""

import importlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from shared.auth import Scope
from shared.kafka import GRACEFUL_SHUTDOWN_SECONDS
from shared.settings import CommonSettings

COMPOSE = yaml.safe_load((Path(__file__).parents[3] / "docker-compose.yml").read_text())
APPS = ("profiles", "matcher", "notifier")


def settings_class(service: str) -> type[BaseSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    return next(
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, CommonSettings)
        and value is not CommonSettings
    )


def env_names(cls: type[BaseSettings]) -> dict[str, str]:
    """Every environment variable the class reads, mapped to its field name."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = {}
    for field, info in cls.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [prefix + field]
        names.update({str(choice).upper(): field for choice in choices})
    return names


def from_compose(service: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The service's settings as the container would read them from its environment."""
    cls = settings_class(service)
    for name in env_names(cls):
        monkeypatch.delenv(name, raising=False)
    for name, value in COMPOSE["services"][service]["environment"].items():
        monkeypatch.setenv(name, str(value))
    return cls()


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m)", value)
    assert match, value
    return int(match[1]) * {"ms": 0.001, "s": 1, "m": 60}[match[2]]


def port_of(service: str, listener: str) -> int:
    env = COMPOSE["services"][service]["environment"]
    advertised = env["KAFKA_ADVERTISED_LISTENERS"]
    found = re.search(rf"{listener}://([^:,]+):(\d+)", advertised)
    assert found, advertised
    return int(found[2])


@pytest.mark.parametrize("service", APPS)
def test_every_required_setting_is_set_and_every_variable_is_known(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = settings_class(service)
    known = env_names(cls)
    env: dict[str, Any] = COMPOSE["services"][service]["environment"]

    unknown = sorted(set(env) - set(known))
    assert unknown == [], f"{service}: variables no setting reads: {unknown}"
    required = {
        known_name for known_name, field in known.items() if cls.model_fields[field].is_required()
    }
    assert required <= set(env), f"{service}: required but unset: {required - set(env)}"
    from_compose(service, monkeypatch)


@pytest.mark.parametrize("service", APPS)
def test_hosts_and_ports_agree_with_the_stack(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = from_compose(service, monkeypatch)

    kafka_host, kafka_port = settings.kafka_bootstrap_servers.split(":")
    assert kafka_host == "kafka"
    assert int(kafka_port) == port_of("kafka", "PLAINTEXT")
    mongo = urlsplit(settings.mongodb_uri)
    assert mongo.hostname in COMPOSE["services"] and mongo.port == 27017
    assert "--replSet" in COMPOSE["services"][mongo.hostname]["command"]

    spec = COMPOSE["services"][service]
    inbound = getattr(settings, "inbound_port", None)  # the notifier's calendar replies
    extra = [f"{inbound}:{inbound}"] if inbound else []
    assert spec["ports"] == [f"{settings.http_port}:{settings.http_port}", *extra]
    assert f":{settings.http_port}/health" in " ".join(spec["healthcheck"]["test"])


@pytest.mark.parametrize("service", APPS)
def test_every_service_has_an_admin_a_portal_and_a_read_only_key(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = from_compose(service, monkeypatch)

    scopes = [frozenset({Scope.ADMIN}), frozenset({Scope.RESPOND}), frozenset({Scope.READ})]
    assert list(settings.api_keys.values()) == scopes


def test_notifier_sends_to_the_mail_catcher(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = from_compose("notifier", monkeypatch)

    assert settings.smtp_host == "mailpit"
    assert settings.smtp_port == 1025  # Mailpit's SMTP port
    assert COMPOSE["services"]["mailpit"]["image"].startswith("axllent/mailpit")
    assert "mailpit" in COMPOSE["services"]["notifier"]["depends_on"]


@pytest.mark.parametrize("service", APPS)
def test_services_wait_for_healthy_dependencies_and_outlive_graceful_shutdown(service: str) -> None:
    spec = COMPOSE["services"][service]

    assert spec["build"]["dockerfile"] == "deploy/Dockerfile"
    assert spec["command"] == ["python", "-m", f"services.{service}"]
    assert spec["restart"] == "unless-stopped"
    assert {"kafka", "mongo", "topics"} <= set(spec["depends_on"])
    assert all(dep["condition"].startswith("service_") for dep in spec["depends_on"].values())
    assert seconds(spec["stop_grace_period"]) > GRACEFUL_SHUTDOWN_SECONDS
    assert "healthcheck" in spec


def test_infrastructure_uses_official_images_with_healthchecks() -> None:
    services = COMPOSE["services"]

    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert services["mongo"]["image"] == "mongo:7"
    for name in ("kafka", "mongo", "mailpit"):
        assert "healthcheck" in services[name]
        assert services[name]["restart"] == "unless-stopped"


def test_sample_data_is_loaded_from_the_shipped_file_once_the_services_are_healthy() -> None:
    spec = COMPOSE["services"]["sample-data"]
    root = Path(__file__).parents[3]

    assert spec["command"][:2] == ["rmp", "load"]
    assert (root / spec["command"][2]).is_file()
    assert 'rmp = "deploy.cli:app"' in (root / "pyproject.toml").read_text()
    assert {dep: c["condition"] for dep, c in spec["depends_on"].items()} == {
        app: "service_healthy" for app in APPS
    }


def test_the_sample_programs_are_created_before_their_people_with_an_admin_key() -> None:
    spec = COMPOSE["services"]["sample-data"]
    root = Path(__file__).parents[3]
    command = spec["command"]

    programs = root / command[command.index("--programs") + 1]
    assert programs.is_file()
    keys = json.loads(COMPOSE["x-api-keys"])
    assert keys[spec["environment"]["RMP_API_KEY"]] == [Scope.ADMIN.value]
    assert urlsplit(spec["environment"]["RMP_PROFILES_URL"]).port == 8001
