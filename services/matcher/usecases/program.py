"""One program's matching state as the replica that owns it holds it, rebuilt from the store, and
what one step over it has done.

The store is the truth and this is a cache: the engine is built from the program's people (the
opted-in ones) and its pairings (live ones are locked, terminal ones blocked), and is dropped
whenever the replica loses the program or a step fails. The members, the live pairings and the
engine change together, only through `Program`'s methods.
"""

import gc
from dataclasses import dataclass, field
from datetime import datetime

from services.matcher.core.lifecycle import LIVE
from services.matcher.core.policy import Policy
from services.matcher.engine.engine import MatchingEngine
from services.matcher.usecases.ports import PairingRecord, PairingStore, PeopleStore, pairing_id
from shared.availability import Slot
from shared.profile import ProfileSnapshot


@dataclass
class Step:
    """What one step of one program has done so far."""

    now: datetime
    correlation_id: str | None
    touched: set[str] = field(default_factory=set)
    followed: set[str] = field(default_factory=set)  # follow-up occasions recorded


@dataclass
class Program:
    id: str
    engine: MatchingEngine
    members: dict[str, ProfileSnapshot] = field(default_factory=dict)
    live: dict[str, PairingRecord] = field(default_factory=dict)
    settle_until: datetime | None = None
    """Continuous mode: when the waiting newcomers are proposed (None: nobody waits)."""
    closing: dict[str, PairingRecord] = field(default_factory=dict)
    """Pairings the program's end ended: their final check-in may still be nudged."""
    followed: set[str] = field(default_factory=set)
    """Follow-up occasions known to be recorded (a cache of `FollowupStore.recorded`)."""
    agenda: dict[str, datetime | None] = field(default_factory=dict)
    """Each live pairing's next follow-up, as last planned (None: none to come)."""
    series: dict[str, Slot | None] = field(default_factory=dict)
    """The first meeting of each active pairing's series, once computed."""
    followups_due: tuple[datetime | None] | None = None
    """The next follow-up as last stored for the sweeper (None: not stored by this owner)."""
    _by_person: dict[str, set[str]] = field(default_factory=dict)

    def live_of(self, person_id: str) -> list[PairingRecord]:
        return [self.live[pid] for pid in sorted(self._by_person.get(person_id, ()))]

    def live_pair(self, younger_id: str, older_id: str) -> PairingRecord | None:
        return self.live.get(pairing_id(self.id, younger_id, older_id))

    def join(self, person: ProfileSnapshot) -> None:
        """A member open to matching, new or changed."""
        self.members[person.id] = person
        self.engine.upsert(person)

    def leave(self, person_id: str) -> None:
        """No longer a member (opted out, moved or deleted); the caller ends their pairings."""
        if self.members.pop(person_id, None) is not None:
            self.engine.remove(person_id)

    def lock(self, record: PairingRecord) -> None:
        """A live pairing: its pair holds capacity in the engine and is tracked here."""
        self.engine.lock(record.younger.id, record.older.id)
        self._track(record)

    def update(self, record: PairingRecord) -> None:
        """A live pairing moved on (accepted, activated): keep the newer record."""
        self._track(record)

    def release(self, record: PairingRecord) -> None:
        """A pairing that is over, or a pair proposed before: never proposed again, and its
        capacity is free again if it was live here."""
        younger, older = record.younger.id, record.older.id
        if record.reason_code == "program_ended":
            self.closing[record.id] = record
        if self._forget(record):
            self.engine.unlock(younger, older)
        self.engine.block(younger, older)

    def broken(self) -> list[tuple[PairingRecord, str]]:
        """Live pairings whose hard constraints no longer hold, with why. A lock without its
        pairing cannot happen; should one appear, it is dropped rather than kept."""
        found = []
        for younger, older, reason in self.engine.broken_locks():
            record = self.live_pair(younger, older)
            if record is None:
                self.engine.unlock(younger, older)
            else:
                found.append((record, reason))
        return found

    def _track(self, record: PairingRecord) -> None:
        self.live[record.id] = record
        for person in (record.younger.id, record.older.id):
            self._by_person.setdefault(person, set()).add(record.id)

    def _forget(self, record: PairingRecord) -> bool:
        """Stop tracking a pairing; True when it was tracked (and so locked)."""
        if self.live.pop(record.id, None) is None:
            return False
        for person in (record.younger.id, record.older.id):
            self._by_person.get(person, set()).discard(record.id)
        return True


async def load_program(
    program_id: str, *, people: PeopleStore, pairings: PairingStore, policy: Policy
) -> tuple[Program, list[PairingRecord]]:
    """The program rebuilt from the store, and live pairings whose people are no longer members
    (they left while no replica held the program): the caller cancels those."""
    program = Program(program_id, MatchingEngine(policy))
    for person in await people.of_program(program_id):
        if person.opted_in:
            program.join(person)
    stranded = []
    for record in await pairings.of_program(program_id):
        if record.state not in LIVE:
            program.release(record)
        elif record.younger.id in program.members and record.older.id in program.members:
            program.lock(record)
        else:
            stranded.append(record)
    return program, stranded


def freeze_long_lived() -> None:
    """Move every object alive now, above all a just-loaded engine, out of the collector's reach.

    A program of 100,000 people is millions of long-lived objects, and every full collection
    walks them all: once it made a single change take 1.47 s instead of about 1 ms. Frozen
    objects (the permanent generation) are never walked again, yet still freed by reference
    counting when a program is dropped; engines hold no reference cycles, so nothing frozen
    lingers as garbage. Collecting first keeps the load's own garbage out of the frozen set, and
    costs only the objects not yet frozen, so taking over a small program stays cheap.
    """
    gc.collect()
    gc.freeze()
