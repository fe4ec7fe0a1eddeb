"""The stage a run plays on: the local stack, the run's own topics and databases, the mail
server, the three services as separate processes, and the program records."""

import asyncio
import os
import socket
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.faults.doors import Http, Topics
from bench.faults.smtp import SwitchableSmtp
from deploy.processes import SERVICE_PORTS, STACK, System, SystemConfig, start_local_stack
from shared.kafka import ensure_topics
from shared.topics import Topics as TopicNames

LEASE_SECONDS = 40
"""The notifier's claim lease in a run: short, so a claim left by a killed notifier is taken
over within the run (the default, 180 s, is for production). It must exceed the longest
delivery: 4 attempts of at most 5 s (`NOTIFIER_SMTP_TIMEOUT_SECONDS`) and their back-offs."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stage:
    run: str
    bootstrap: str
    system: System
    smtp: SwitchableSmtp
    names: TopicNames
    started: float
    stack: Path = STACK

    @property
    def prefix(self) -> str:
        return self.names.prefix

    def http(self, service: str) -> Http:
        return Http(self.system.config.url(service), self.system.config.api_key)

    def topics(self) -> Topics:
        return Topics(self.bootstrap)

    def stop(self) -> None:
        self.system.stop()
        self.smtp.down()


def endpoints() -> dict[str, str]:
    """The stack the environment names (as `./dev test` sets it), else the local one, started."""
    given = {k: os.environ.get(k, "") for k in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI")}
    return given if all(given.values()) else start_local_stack()


async def open_stage(run: str, out: Path) -> Stage:
    endpoints_ = await asyncio.to_thread(endpoints)
    bootstrap = endpoints_["KAFKA_BOOTSTRAP_SERVERS"]
    names = TopicNames(prefix=f"{run}.")
    await ensure_topics(bootstrap, names, partitions=3)
    config = SystemConfig(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=endpoints_["MONGODB_URI"],
        log_dir=out / "logs",
        mail_dir=out / "mail",
        topic_prefix=names.prefix,
        database_prefix=f"{run}_",
        smtp_port=free_port(),
        inbound_port=free_port(),
        ports={name: free_port() for name in SERVICE_PORTS},
        extra_env={
            "MATCHER_BATCH_WINDOW_MS": "100",
            "MATCHER_SETTLE_MINUTES": "0",
            "NOTIFIER_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
            "NOTIFIER_SMTP_TIMEOUT_SECONDS": "5",
        },
    )
    started = time.monotonic()
    smtp = SwitchableSmtp(config.mail_dir, config.smtp_port)
    smtp.up()
    system = System(config)
    config.log_dir.mkdir(parents=True, exist_ok=True)
    for service in SERVICE_PORTS:
        system.start_service(service)
    await asyncio.to_thread(system.wait_ready, within=180)
    return Stage(run, bootstrap, system, smtp, names, started)


async def put_programs(stage: Stage, programs: list[str]) -> None:
    """Each program continuous with no settle window, so pairs form while the run goes on."""
    profiles = stage.http("profiles")
    today = date.today()
    try:
        for program in programs:
            body = {
                "name": f"Fault run {program}",
                "timezone": "Europe/Berlin",
                "schedule": {"mode": "continuous", "settle_minutes": 0},
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=180)).isoformat(),
                "sender": "mentoring@example.org",
            }
            response = await profiles.call("PUT", f"/programs/{program}", json=body)
            response.raise_for_status()
    finally:
        await profiles.close()
