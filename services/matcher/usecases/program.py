"""One program's matching state as the replica that owns it holds it, rebuilt from the store.

The store is the truth and this is a cache: the engine is built from the program's people (the
opted-in ones) and its pairings (live ones are locked, terminal ones blocked), and is dropped
whenever the replica loses the program or a step fails.
"""

import gc
from dataclasses import dataclass, field

from services.matcher.core.lifecycle import LIVE
from services.matcher.core.policy import Policy
from services.matcher.engine.engine import MatchingEngine
from services.matcher.usecases.ports import PairingRecord, PairingStore, PeopleStore, pairing_id
from shared.profile import ProfileSnapshot


@dataclass
class Program:
    id: str
    engine: MatchingEngine
    members: dict[str, ProfileSnapshot] = field(default_factory=dict)
    live: dict[str, PairingRecord] = field(default_factory=dict)
    _by_person: dict[str, set[str]] = field(default_factory=dict)

    def live_of(self, person_id: str) -> list[PairingRecord]:
        return [self.live[pid] for pid in sorted(self._by_person.get(person_id, ()))]

    def live_pair(self, younger_id: str, older_id: str) -> PairingRecord | None:
        return self.live.get(pairing_id(self.id, younger_id, older_id))

    def hold(self, record: PairingRecord) -> None:
        """Track a live pairing (its pair is locked in the engine by the caller)."""
        self.live[record.id] = record
        for person in (record.younger.id, record.older.id):
            self._by_person.setdefault(person, set()).add(record.id)

    def forget(self, record: PairingRecord) -> bool:
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
            program.members[person.id] = person
            program.engine.upsert(person)
    stranded = []
    for record in await pairings.of_program(program_id):
        younger, older = record.younger.id, record.older.id
        if record.state not in LIVE:
            program.engine.block(younger, older)
        elif younger in program.members and older in program.members:
            program.engine.lock(younger, older)
            program.hold(record)
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
