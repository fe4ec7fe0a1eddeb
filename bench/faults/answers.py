"""People answering their pairings, as the pairings topic shows them: each person's decision
and door are drawn from the seed and the pairing id, so the same pairs get the same answers.

Answers go through the matcher's API or straight onto the responses topic; some are sent twice.
A 409 (the pairing moved on, say the partner declined first) is an answer that changed nothing.
"""

import asyncio
import hashlib
import uuid

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import TypeAdapter, ValidationError

from bench.faults.doors import GaveUp, Http, Topics
from shared.commands import Decision, PairingAnswer, RespondToPairing
from shared.events import PairingActivated, PairingEvent, PairingProposed
from shared.kafka import encode
from shared.topics import Topics as TopicNames

NAMESPACE = uuid.UUID("0e8e3f6a-4c55-4b1d-8f0e-77d1b2a9c3e4")
EVENTS: TypeAdapter[PairingEvent] = TypeAdapter(PairingEvent)


def draw(seed: int, *parts: str) -> float:
    """A number in [0, 1) fixed by the seed and the parts."""
    digest = hashlib.sha256(":".join([str(seed), *parts]).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def decision(seed: int, pairing: str, person: str, event_type: str) -> Decision | None:
    roll = draw(seed, pairing, person, event_type)
    if event_type == "pairing.proposed":
        return "accept" if roll < 0.75 else "decline" if roll < 0.85 else None
    return "end" if roll < 0.08 else None


class Answers:
    def __init__(
        self, *, seed: int, matcher: Http, topics: Topics, names: TopicNames, bootstrap: str
    ) -> None:
        self.seed, self.matcher, self.topics, self.names = seed, matcher, topics, names
        self.bootstrap = bootstrap
        self.pending: set[asyncio.Task[None]] = set()
        self.sent: dict[str, int] = {}
        self.problems: list[str] = []

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the pairings topic until `stop`, answering each event once."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            parts = await _partitions(self.bootstrap, self.names.pairings)
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            seen: set[str] = set()
            while not stop.is_set():
                try:
                    batches = await consumer.getmany(timeout_ms=1000)
                except Exception:
                    await asyncio.sleep(1)
                    continue
                for record in (r for rs in batches.values() for r in rs):
                    self._on(record.value or b"", seen)
        finally:
            await consumer.stop()

    def _on(self, value: bytes, seen: set[str]) -> None:
        try:
            event = EVENTS.validate_json(value)
        except ValidationError:
            return
        if str(event.event_id) in seen or not isinstance(event, PairingProposed | PairingActivated):
            return
        seen.add(str(event.event_id))
        people = [p for p in (event.data.younger, event.data.older) if p is not None]
        for person in people:
            chosen = decision(self.seed, event.data.pairing_id, person.id, event.event_type)
            if chosen is not None:
                task = asyncio.create_task(self._answer(event.data.pairing_id, person.id, chosen))
                self.pending.add(task)
                task.add_done_callback(self.pending.discard)

    async def _answer(self, pairing: str, person: str, chosen: Decision) -> None:
        await asyncio.sleep(1 + 4 * draw(self.seed, pairing, person, "delay"))
        times = 2 if draw(self.seed, pairing, person, "twice") < 0.1 else 1
        by_api = draw(self.seed, pairing, person, "door") < 0.5
        try:
            for _ in range(times):
                await (self._by_api if by_api else self._by_topic)(pairing, person, chosen)
                key = f"{chosen} via {'api' if by_api else 'topic'}"
                self.sent[key] = self.sent.get(key, 0) + 1
        except GaveUp as exc:
            self.problems.append(f"answer {pairing} {person}: gave up ({exc})")

    async def _by_api(self, pairing: str, person: str, chosen: Decision) -> None:
        body = {"person_id": person, "decision": chosen, "reason": "fault run"}
        response = await self.matcher.call("POST", f"/pairings/{pairing}/responses", json=body)
        if response.status_code not in (202, 409):
            self.problems.append(f"answer {pairing} {person}: {response.status_code}")

    async def _by_topic(self, pairing: str, person: str, chosen: Decision) -> None:
        answer = PairingAnswer(
            pairing_id=pairing, person_id=person, decision=chosen, reason="fault run"
        )
        event_id = uuid.uuid5(NAMESPACE, f"{self.seed}:{pairing}:{person}:{chosen}")
        command = RespondToPairing(event_id=event_id, producer="faults", data=answer)
        await self.topics.send(self.names.pairing_responses, encode(command), key=pairing.encode())


async def _partitions(bootstrap: str, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
