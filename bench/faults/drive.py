"""Sends a workload: each op at its time, through its person's door, and records what the
system acknowledged (profile ids, versions, event ids) for the checker."""

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bench.faults.api_door import send_api
from bench.faults.doors import GaveUp, Http, Topics
from bench.faults.drive_record import Record
from bench.faults.workload import Op, Workload
from shared.commands import ProfileChangeRequest, UpdateProfile
from shared.profile import ProfileFields
from shared.topics import Topics as TopicNames

NAMESPACE = uuid.UUID("5f0c1a8e-2b7d-4e39-9a41-6c3d2e1f0b7a")


@dataclass
class Driver:
    workload: Workload
    profiles: Http
    topics: Topics
    names: TopicNames
    seed: int
    base: datetime  # occurred_at of tick 0
    record: Record = field(default_factory=Record)
    sent_bytes: dict[int, bytes] = field(default_factory=dict)  # op index -> command bytes

    async def run(self, started: float) -> None:
        """Each door sends its ops in order; a slow op delays only its own door."""
        lanes = {"api": [], "ingress": []}  # type: dict[str, list[tuple[int, Op]]]
        for index, op in enumerate(self.workload.ops):
            lanes["ingress" if op.kind == "malformed" else op.door].append((index, op))
        await asyncio.gather(*(self._lane(ops, started) for ops in lanes.values()))

    async def _lane(self, ops: list[tuple[int, Op]], started: float) -> None:
        for index, op in ops:
            await asyncio.sleep(max(0.0, op.at - (time.monotonic() - started)))
            try:
                await (self._ingress(index, op) if op.door == "ingress" else self._api(op))
                self.record.sent[op.kind] = self.record.sent.get(op.kind, 0) + 1
            except GaveUp as exc:
                self.record.problems.append(f"op {index} {op.kind} {op.person}: gave up ({exc})")

    async def _ingress(self, index: int, op: Op) -> None:
        if op.kind == "malformed":
            topic = (
                self.names.profile_updates
                if op.topic == "updates"
                else self.names.pairing_responses
            )
            await self.topics.send(topic, op.raw or b"", key=b"malformed")
            return
        assert op.person is not None
        if op.kind == "duplicate" and op.of is not None:
            self.record.command_ids[index] = self.record.command_ids[op.of]
            await self.topics.send(
                self.names.profile_updates, self.sent_bytes[op.of], key=op.person.encode()
            )
            return
        event_id = uuid.uuid5(NAMESPACE, f"{self.seed}:{index}")
        request = ProfileChangeRequest(
            op="delete" if op.kind == "delete" else "upsert",
            profile_id=op.person,
            profile=ProfileFields.model_validate(op.fields) if op.fields else None,
        )
        command = UpdateProfile(
            event_id=event_id,
            occurred_at=self.base + timedelta(seconds=op.tick),
            producer="faults",
            data=request,
        )
        value = command.model_dump_json().encode()
        self.record.command_ids[index] = str(event_id)
        self.sent_bytes[index] = value
        self.record.ids[op.person] = op.person
        await self.topics.send(self.names.profile_updates, value, key=op.person.encode())

    async def _api(self, op: Op) -> None:
        await send_api(self.profiles, self.record, op)
