"""Fixtures for the real broker and the real store.

Endpoints come from `KAFKA_BOOTSTRAP_SERVERS` and `MONGODB_URI` when set (the README's test command
sets them after starting the local stack). Otherwise testcontainers starts `apache/kafka` in KRaft
mode and `mongo:7`. Each test gets its own topic prefix and database, so tests never see each
other's data.
"""

import asyncio
import io
import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import ensure_topics
from shared.logging import configure_logging
from shared.mongo import Document, mongo_client
from shared.topics import Topics
from tests.helpers import free_port

KAFKA_IMAGE = "apache/kafka:4.1.1"
MONGO_IMAGE = "mongo:7"
TESTS = Path(__file__).parent
FOLDER_MARKS = {"integration": pytest.mark.integration, "e2e": pytest.mark.e2e}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark by folder, so `-m "not integration"` never depends on a module remembering to."""
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0]
        if folder in FOLDER_MARKS:
            item.add_marker(FOLDER_MARKS[folder])


def _no_endpoint(what: str, variable: str, exc: Exception) -> None:
    pytest.exit(
        f"no {what}: set {variable} or make Docker available for testcontainers ({exc})",
        returncode=3,
    )


def _start_kafka_container() -> Iterator[str]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    port = free_port()
    env = {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"PLAINTEXT://:{port},CONTROLLER://:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://127.0.0.1:{port}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
    }
    container = DockerContainer(KAFKA_IMAGE).with_bind_ports(port, port)
    for key, value in env.items():
        container = container.with_env(key, value)
    with container:
        wait_for_logs(container, "Kafka Server started", timeout=120)
        yield f"127.0.0.1:{port}"


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """The bootstrap servers of a real Kafka broker."""
    if endpoint := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield endpoint
        return
    try:
        yield from _start_kafka_container()
    except Exception as exc:  # Docker missing or refusing: say why, once.
        _no_endpoint("Kafka broker", "KAFKA_BOOTSTRAP_SERVERS", exc)


@pytest.fixture(scope="session")
def mongo_uri() -> Iterator[str]:
    """The URI of a real MongoDB wire-protocol server."""
    if uri := os.environ.get("MONGODB_URI"):
        yield uri
        return
    try:
        from testcontainers.mongodb import MongoDbContainer

        with MongoDbContainer(MONGO_IMAGE) as mongo:
            yield mongo.get_connection_url()
    except Exception as exc:
        _no_endpoint("MongoDB server", "MONGODB_URI", exc)


@pytest.fixture
def unique() -> str:
    """A short id unique to this test, for prefixes, names and ids."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
async def topics(kafka_bootstrap: str, unique: str) -> AsyncIterator[Topics]:
    """This test's own topics, created on the real broker and deleted afterwards: every partition
    holds open files on the broker, so a long-lived broker would run out of them."""
    own = Topics(prefix=f"t{unique}.")
    await ensure_topics(kafka_bootstrap, own, partitions=3)
    yield own
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        await admin.start()
        await admin.delete_topics(own.all())
    except KafkaError:
        pass  # best effort: a broker taken down by an outage test keeps them
    finally:
        await admin.close()


@pytest.fixture
async def mongo_db(mongo_uri: str, unique: str) -> AsyncIterator[str]:
    """The name of this test's own database; dropped afterwards."""
    name = f"t{unique}"
    yield name
    client = mongo_client(mongo_uri)
    try:
        await client.drop_database(name)
    finally:
        await client.close()


@pytest.fixture
async def mongo(mongo_uri: str, mongo_db: str) -> AsyncIterator[AsyncDatabase[Document]]:
    """A client database handle on this test's own database."""
    client = mongo_client(mongo_uri)
    try:
        yield client[mongo_db]
    finally:
        await client.close()


class KafkaControl:
    """Takes the real broker down and brings it back, for outage tests."""

    def __init__(self, script: str) -> None:
        self._script = script

    async def _run(self, verb: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            self._script, verb, stdout=asyncio.subprocess.DEVNULL
        )
        if await proc.wait() != 0:
            raise RuntimeError(f"{self._script} {verb} failed")

    async def stop(self) -> None:
        await self._run("stop-kafka")

    async def start(self) -> None:
        await self._run("start-kafka")


@pytest.fixture
def kafka_control(kafka_bootstrap: str) -> KafkaControl:
    """Control of the broker's process; needs the local stack (`RMP_STACK_CONTROL`)."""
    script = os.environ.get("RMP_STACK_CONTROL")
    if not script:
        pytest.skip("broker outage tests need the local stack (RMP_STACK_CONTROL)")
    return KafkaControl(script)


@pytest.fixture
def json_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The services' JSON logging, written to a buffer instead of stdout."""
    buffer = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    with monkeypatch.context() as patched:
        patched.setattr(sys, "stdout", buffer)
        configure_logging(service="test", level="INFO", json=True)
    try:
        yield buffer
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
