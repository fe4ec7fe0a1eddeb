"""In-memory fakes of the matcher's ports, recording what they were asked to do."""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.matcher.adapters.coordinator import Steps
from services.matcher.core.lifecycle import AWAITING, PairingState
from services.matcher.report.source import CheckinAnswers
from services.matcher.usecases import followup_ports
from services.matcher.usecases.followup_ports import (
    Answered,
    FollowupStore,
    Recorded,
    answer_id,
)
from services.matcher.usecases.ports import (
    PairingRecord,
    PairingStore,
    PeopleStore,
    Slot,
    SlotClaim,
    SlotGuard,
    Unpublished,
    slot_order,
)
from services.matcher.usecases.round_log import RoundRecord, RoundStore
from services.matcher.usecases.work import Forward, MatchWork, PersonChanged, Wake
from shared.checkins import CheckinAnswer
from shared.envelope import Envelope
from shared.kafka import encode
from shared.profile import ProfileSnapshot
from shared.publisher import Message, Publisher
from tests.fakes.programs import FakePrograms as FakePrograms  # kept here too: older imports


class FakePeople:
    """Latest snapshot per person; programs touched are the current and the previous one."""

    def __init__(self, *people: ProfileSnapshot) -> None:
        self.people: dict[str, ProfileSnapshot] = {p.id: p for p in people}
        self.calls: list[tuple[str, str, int | None]] = []
        self.answer: list[str] | None = None  # force what apply/remove return

    async def apply(self, snapshot: ProfileSnapshot) -> list[str]:
        self.calls.append(("apply", snapshot.id, snapshot.version))
        current = self.people.get(snapshot.id)
        if current is not None and current.version > snapshot.version:
            return [] if self.answer is None else self.answer
        self.people[snapshot.id] = snapshot
        programs = [snapshot.program_id]
        if current is not None and current.program_id != snapshot.program_id:
            programs.append(current.program_id)
        return programs if self.answer is None else self.answer

    async def remove(self, person_id: str, *, version: int | None) -> list[str]:
        self.calls.append(("remove", person_id, version))
        current = self.people.pop(person_id, None)
        programs = [current.program_id] if current else []
        return programs if self.answer is None else self.answer

    async def many(self, ids: Collection[str]) -> Mapping[str, ProfileSnapshot]:
        return {i: self.people[i] for i in ids if i in self.people}

    async def of_program(self, program_id: str) -> list[ProfileSnapshot]:
        return [p for p in self.people.values() if p.program_id == program_id]


@dataclass
class _Doc:
    record: PairingRecord
    outbox: list[Envelope] = field(default_factory=list)
    published: set[str] = field(default_factory=set)  # event ids

    def unsent(self) -> list[tuple[int, Envelope]]:
        return [(n, e) for n, e in enumerate(self.outbox) if str(e.event_id) not in self.published]


class FakePairings:
    def __init__(self) -> None:
        self.docs: dict[str, _Doc] = {}

    def events(self, pairing_id: str) -> list[Envelope]:
        return list(self.docs[pairing_id].outbox)

    async def get(self, pairing_id: str) -> PairingRecord | None:
        doc = self.docs.get(pairing_id)
        return doc.record if doc else None

    async def find(
        self,
        *,
        program_id: str | None,
        person_id: str | None,
        state: PairingState | None,
        limit: int,
    ) -> list[PairingRecord]:
        found = [
            d.record
            for _, d in sorted(self.docs.items())
            if program_id in (None, d.record.program_id)
            and person_id in (None, d.record.younger.id, d.record.older.id)
            and state in (None, d.record.state)
        ]
        return found[:limit] if limit else found

    async def of_program(self, program_id: str) -> list[PairingRecord]:
        return await self.find(program_id=program_id, person_id=None, state=None, limit=0)

    async def create(self, record: PairingRecord, event: Envelope) -> bool:
        if record.id in self.docs:
            return False
        self.docs[record.id] = _Doc(record, [event])
        return True

    async def create_each(self, new: Sequence[tuple[PairingRecord, Envelope]]) -> list[bool]:
        return [await self.create(record, event) for record, event in new]

    async def save(
        self, record: PairingRecord, *, expected_sequence: int, event: Envelope | None
    ) -> bool:
        doc = self.docs.get(record.id)
        if doc is None or doc.record.sequence != expected_sequence:
            return False
        doc.record = record
        doc.outbox += [event] if event else []
        return True

    async def unpublished(
        self, program_id: str, ids: Collection[str] | None = None
    ) -> list[Unpublished]:
        return [
            Unpublished(pid, unsent[0][0], [(encode(e), e.headers()) for _, e in unsent])
            for pid, d in sorted(self.docs.items())
            if d.record.program_id == program_id
            and (ids is None or pid in ids)
            and (unsent := d.unsent())
        ]

    async def mark_published(self, sent: Mapping[str, Collection[str]]) -> None:
        for pairing_id, event_ids in sent.items():
            self.docs[pairing_id].published |= set(event_ids)

    async def due_programs(self, *, now: datetime, stuck_before: datetime) -> set[str]:
        return {
            d.record.program_id
            for d in self.docs.values()
            if (d.record.state in AWAITING and d.record.expires_at < now) or d.unsent()
        }

    async def add_flag(self, pairing_id: str, flag: str) -> None:
        doc = self.docs[pairing_id]
        if flag not in doc.record.flags:
            doc.record = doc.record.model_copy(update={"flags": [*doc.record.flags, flag]})

    async def count_by_state(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.docs.values():
            counts[d.record.state.value] = counts.get(d.record.state.value, 0) + 1
        return counts


class FakeSlots:
    def __init__(self) -> None:
        self.slots: dict[str, tuple[Slot, str]] = {}  # id -> (slot, program)
        self.kept: list[str] = []  # programs whose step ended well (`claims_kept`)
        self.unsure: list[str] = []

    async def claim(
        self, person_id: str, capacity: int, *, pairing_id: str, program_id: str, first: int = 0
    ) -> str | None:
        for k in slot_order(capacity, first):
            slot_id = f"{person_id}#{k}"
            held = self.slots.get(slot_id)
            if held is not None and held[0].pairing_id == pairing_id:
                return slot_id
            if slot_id not in self.slots:
                self.slots[slot_id] = (Slot(slot_id, pairing_id, datetime.now(UTC)), program_id)
                return slot_id
        return None

    async def claim_each(self, claims: Sequence[SlotClaim]) -> list[bool]:
        held = []
        for claim in claims:
            found = self.slots.setdefault(
                claim.slot_id,
                (Slot(claim.slot_id, claim.pairing_id, datetime.now(UTC)), claim.program_id),
            )
            held.append(found[0].pairing_id == claim.pairing_id)
        return held

    async def release(self, pairing_id: str, slot_ids: Collection[str]) -> None:
        for slot_id in slot_ids:
            if slot_id in self.slots and self.slots[slot_id][0].pairing_id == pairing_id:
                del self.slots[slot_id]

    async def release_pairing(self, pairing_id: str) -> None:
        for slot_id in [s for s, (slot, _) in self.slots.items() if slot.pairing_id == pairing_id]:
            del self.slots[slot_id]

    async def of_program(self, program_id: str) -> list[Slot]:
        return [slot for slot, program in self.slots.values() if program == program_id]

    async def programs_claimed_between(self, *, since: datetime, until: datetime) -> set[str]:
        return {p for slot, p in self.slots.values() if since <= slot.claimed_at < until}

    async def claims_swept(self) -> None:
        return None

    async def claims_kept(self, program_id: str) -> None:
        self.kept.append(program_id)

    def claims_unsure(self, program_id: str) -> None:
        self.unsure.append(program_id)


class RecordingPublisher:
    """Records what was published; while `failing`, raises as a broker that is down would."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []  # topic, key, payload
        self.failing = False

    async def publish(self, message: Message) -> None:
        if self.failing:
            raise ConnectionError("broker unavailable")
        self.sent.append((message.topic, message.key, message.value or b""))


class RecordingDeadLetters:
    """Records what was dead-lettered, as `shared.kafka.dead_letter` on a broker would send it."""

    def __init__(self) -> None:
        self.letters: list[tuple[Any, BaseException]] = []

    async def __call__(self, record: Any, error: BaseException) -> None:
        self.letters.append((record, error))


class RecordingForward:
    def __init__(self) -> None:
        self.sent: list[MatchWork] = []

    async def __call__(self, work: MatchWork) -> None:
        self.sent.append(work)


class RecordingSteps:
    """Records each step; can fail a given number of times first."""

    def __init__(self, *, failures: int = 0) -> None:
        self.steps: list[tuple[str, list[str]]] = []
        self.dropped: list[str] = []
        self.expected: list[str] = []  # the people of the work announced as it arrived
        self.failures = failures
        self.running: set[str] = set()

    async def step(self, program_id: str, work: Sequence[MatchWork]) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("store down")
        self.steps.append((program_id, [_person(w) for w in work]))

    def drop(self, program_ids: Iterable[str]) -> None:
        self.dropped.extend(program_ids)

    def expect(self, work: Sequence[MatchWork]) -> None:
        self.expected.extend(_person(w) for w in work)

    async def recorded(self) -> None:
        return None

    def people(self) -> set[str]:
        return {p for _, people in self.steps for p in people}


class FakeRounds:
    """Round records by id, with the order in which plans were stored."""

    def __init__(self) -> None:
        self.records: dict[str, RoundRecord] = {}
        self.planned: list[str] = []  # ids, in the order plans were stored

    async def get(self, round_id: str) -> RoundRecord | None:
        return self.records.get(round_id)

    async def plan(self, record: RoundRecord) -> bool:
        if record.id in self.records:
            return False
        self.records[record.id] = record
        self.planned.append(record.id)
        return True

    async def finish(self, round_id: str, *, proposed: int, at: datetime) -> None:
        record = self.records[round_id]
        done = {"state": "done", "proposed": proposed, "finished_at": at}
        self.records[round_id] = record.model_copy(update=done)


class RecordingWake:
    def __init__(self) -> None:
        self.asked: list[tuple[str, datetime]] = []

    def __call__(self, program_id: str, at: datetime) -> None:
        self.asked.append((program_id, at))


def _person(work: MatchWork) -> str:
    assert isinstance(work.data.item, PersonChanged)
    return work.data.item.person_id


# Each fake stands in for a port: these lines make mypy check that it still fits.
_people: PeopleStore = FakePeople()
_pairings: PairingStore = FakePairings()
_slots: SlotGuard = FakeSlots()
_publisher: Publisher = RecordingPublisher()
_forward: Forward = RecordingForward()
_steps: Steps = RecordingSteps()
_rounds: RoundStore = FakeRounds()
_wake: Wake = RecordingWake()


class FakeFollowups:
    """Occasions by id with their events; each program's next due time."""

    def __init__(self) -> None:
        self.occasions: dict[str, tuple[str, str, Envelope | None]] = {}
        self.unsent: set[str] = set()
        self.due: dict[str, datetime] = {}

    def events(self) -> list[Envelope]:
        return [event for _, _, event in self.occasions.values() if event is not None]

    async def record(
        self, occasion_id: str, *, pairing_id: str, program_id: str, event: Envelope | None
    ) -> bool:
        if occasion_id in self.occasions:
            return False
        self.occasions[occasion_id] = (pairing_id, program_id, event)
        if event is not None:
            self.unsent.add(occasion_id)
        return True

    async def recorded(self, ids: Collection[str]) -> set[str]:
        return {i for i in ids if i in self.occasions}

    async def unpublished(self, program_id: str, ids: Collection[str] | None) -> list[Recorded]:
        chosen = sorted(self.unsent if ids is None else set(ids) & self.unsent)
        return [
            Recorded(i, pid, encode(event), event.headers())
            for i in chosen
            for pid, program, event in [self.occasions[i]]
            if program == program_id and event is not None
        ]

    async def mark_published(self, ids: Collection[str]) -> None:
        self.unsent -= set(ids)

    async def set_due(self, program_id: str, at: datetime | None) -> None:
        if at is None:
            self.due.pop(program_id, None)
        else:
            self.due[program_id] = at

    async def due_programs(self, *, now: datetime) -> set[str]:
        return {program for program, at in self.due.items() if at <= now}


class FakeAnswerStore:
    """Current answers by id (`answer_id`), each with its earlier revisions."""

    def __init__(self) -> None:
        self.answers: dict[str, CheckinAnswer] = {}
        self.history: dict[str, list[CheckinAnswer]] = {}

    async def record(self, answer: CheckinAnswer) -> Answered:
        key = answer_id(answer.pairing_id, answer.checkin_id, answer.person_id)
        current = self.answers.get(key)
        said = ("met", "learned", "learned_text", "usefulness")
        if current is not None and all(getattr(current, f) == getattr(answer, f) for f in said):
            return Answered(current, changed=False)
        new = answer.model_copy(update={"revision": 1 if current is None else current.revision + 1})
        if current is not None:
            self.history.setdefault(key, []).append(current)
        self.answers[key] = new
        return Answered(new, changed=True)

    async def current(self, ids: Collection[str]) -> dict[str, CheckinAnswer]:
        return {i: self.answers[i] for i in ids if i in self.answers}

    async def for_program(self, program_id: str) -> list[CheckinAnswer]:
        return [a for a in self.answers.values() if a.program_id == program_id]


_followups: FollowupStore = FakeFollowups()
_answers: followup_ports.CheckinAnswers = FakeAnswerStore()
_report_answers: CheckinAnswers = FakeAnswerStore()  # the report's narrower read port
