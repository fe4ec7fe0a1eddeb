"""Runs the three services and the mail sink as separate processes, for the demo and e2e tests.

Each process gets the shared endpoints through its environment, logs to `<log_dir>/<name>.log`,
and counts as up once its readiness endpoint answers 200.
"""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

STACK = Path(__file__).resolve().parent / "local" / "stack.sh"
SERVICE_PORTS = {"profiles": 8001, "matcher": 8002, "notifier": 8003}
DEMO_KEYS = {
    "demo-admin-key": ["admin"],
    "demo-portal-key": ["respond"],
    "demo-read-key": ["read"],
}
"""The demo's API keys, the same for every service: an operator, an answering portal, a
dashboard. `SystemConfig.api_key` is the one the demo's own clients send."""


def start_local_stack() -> dict[str, str]:
    """Start the local Kafka and FerretDB (harmless when running); returns their endpoints."""
    out = subprocess.run([str(STACK), "start"], check=True, capture_output=True, text=True)
    return dict(line.split("=", 1) for line in out.stdout.split())


def stop_local_stack() -> None:
    subprocess.run([str(STACK), "stop"], check=False)


@dataclass(frozen=True)
class SystemConfig:
    kafka_bootstrap_servers: str
    mongodb_uri: str
    log_dir: Path
    mail_dir: Path
    topic_prefix: str = ""
    database_prefix: str = ""
    smtp_port: int = 1025
    inbound_port: int = 2524
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    api_key: str = "demo-admin-key"
    api_keys: dict[str, list[str]] = field(default_factory=lambda: dict(DEMO_KEYS))
    answer_link_key: str = "demo-answer-link-key-not-for-production"
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, service: str) -> dict[str, str]:
        prefix = service.upper() + "_"
        return (
            os.environ
            | {
                "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
                "MONGODB_URI": self.mongodb_uri,
                "TOPIC_PREFIX": self.topic_prefix,
                "LOG_JSON": "true",
                f"{prefix}HTTP_PORT": str(self.ports[service]),
                f"{prefix}MONGODB_DATABASE": f"{self.database_prefix}{service}",
                f"{prefix}API_KEYS": json.dumps(self.api_keys),
                "NOTIFIER_SMTP_HOST": "127.0.0.1",
                "NOTIFIER_SMTP_PORT": str(self.smtp_port),
                "NOTIFIER_SMTP_SECURITY": "none",  # the local sink has no TLS
                "NOTIFIER_INBOUND_PORT": str(self.inbound_port),  # calendar replies, over LMTP
                "NOTIFIER_INVITE_KEY": f"{self.database_prefix}local-invite-key",
                "ANSWER_LINK_KEYS": json.dumps([self.answer_link_key]),
                "ANSWER_LINK_BASE_URL": self.url("matcher"),
            }
            | self.extra_env
        )

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"


class System:
    """The mail sink and the three services, each its own process."""

    def __init__(self, config: SystemConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, *, within: float = 90.0) -> None:
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "mailsink",
            [
                "-m",
                "deploy.mailsink",
                "--port",
                str(self.config.smtp_port),
                "--out",
                str(self.config.mail_dir),
            ],
            os.environ.copy(),
        )
        for service in SERVICE_PORTS:
            self.start_service(service)
        self.wait_ready(within=within)

    def start_service(self, service: str) -> None:
        self._spawn(service, ["-m", f"services.{service}"], self.config.env(service))

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.config.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, *args], env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, *, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        for service in SERVICE_PORTS:
            while not self._ready(service):
                self._check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{service} not ready; see {self.config.log_dir}/{service}.log"
                    )
                time.sleep(0.3)

    def _ready(self, service: str) -> bool:
        try:
            return (
                httpx.get(f"{self.config.url(service)}/health/ready", timeout=2).status_code == 200
            )
        except httpx.HTTPError:
            return False

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}; see {self.config.log_dir}/{name}.log"
                )

    def stop_service(self, name: str, *, within: float = 30.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        for name in [*SERVICE_PORTS, "mailsink"]:
            self.stop_service(name)
