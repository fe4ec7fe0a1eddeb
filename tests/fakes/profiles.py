"""In-memory stand-ins for the profiles service's ports, recording what was done to them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.profiles.errors import DuplicateEmail
from services.profiles.hints import Hint, HintStore
from services.profiles.outbox import OutboxStore
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.service import WriteObserver
from services.profiles.store import ProfileQuery, ProfileStore
from shared.publisher import Message, Publisher


class FakeProfileStore:
    """Keeps records in a dict and enforces the same rules as the MongoDB store: unique ids,
    one email per program, updates conditional on the version."""

    def __init__(self) -> None:
        self.records: dict[str, ProfileRecord] = {}
        self.sent_marks: dict[str, str] = {}  # event id -> profile id: published, not trimmed
        self.writes = 0
        self.before_write: list[ProfileRecord] = []  # records another writer slips in first

    async def ensure_indexes(self) -> None:
        return None

    async def get(self, profile_id: str) -> ProfileRecord | None:
        return self.records.get(profile_id)

    def _check_email(self, record: ProfileRecord) -> None:
        if record.fields is None:
            return
        for other in self.records.values():
            same = other.fields is not None and other.fields.email == record.fields.email
            if other.id != record.id and other.program_id == record.program_id and same:
                raise DuplicateEmail(record.program_id)

    def _interfere(self) -> None:
        if self.before_write:
            sneaky = self.before_write.pop(0)
            self.records[sneaky.id] = sneaky

    async def insert(self, record: ProfileRecord) -> bool:
        self._interfere()
        if record.id in self.records:
            return False
        self._check_email(record)
        self.records[record.id] = record
        self.writes += 1
        return True

    async def update(self, record: ProfileRecord, *, expected_version: int) -> bool:
        self._interfere()
        current = self.records.get(record.id)
        if current is None or current.version != expected_version:
            return False
        self._check_email(record)
        outbox = [*current.outbox, record.outbox[-1]]
        self.records[record.id] = record.model_copy(update={"outbox": outbox})
        self.writes += 1
        return True

    async def find(self, query: ProfileQuery, *, limit: int) -> list[ProfileRecord]:
        found = sorted(
            (r for r in self.records.values() if not r.deleted and r.id > (query.after or "")),
            key=lambda r: r.id,
        )
        return [r for r in found if query.program_id in (None, r.program_id)][:limit]

    async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]:
        found = sorted((r for r in self.records.values() if r.outbox), key=lambda r: r.id)
        return [r for r in found if after is None or r.id > after][:limit]

    async def mark(self, published: Mapping[str, Sequence[OutboxEntry]]) -> None:
        for profile_id, entries in published.items():
            self.sent_marks.update((entry.event_id, profile_id) for entry in entries)

    async def marked(self) -> list[str]:
        return list(self.sent_marks)

    async def trim(self, published: Mapping[str, Sequence[OutboxEntry]]) -> int:
        matched = [profile_id for profile_id in published if profile_id in self.records]
        for profile_id in matched:
            gone = {entry.event_id for entry in published[profile_id]}
            record = self.records[profile_id]
            outbox = [entry for entry in record.outbox if entry.event_id not in gone]
            self.records[profile_id] = record.model_copy(update={"outbox": outbox})
        for entries in published.values():
            for entry in entries:
                self.sent_marks.pop(entry.event_id, None)
        return len(matched)

    async def purge(self, published: Sequence[tuple[str, int]]) -> int:
        doomed = [i for i, v in published if self._at(i, v) and self.records[i].deleted]
        for profile_id in doomed:
            del self.records[profile_id]
        return len(doomed)

    def _at(self, profile_id: str, version: int) -> bool:
        record = self.records.get(profile_id)
        return record is not None and record.version == version


class FakeHints:
    """Hints kept in a list, oldest first."""

    def __init__(self) -> None:
        self.hints: list[Hint] = []
        self.stored: dict[str, list[ProfileRecord]] = {}  # hint id -> records written with it
        self.added = 0

    async def add(self, profile_ids: Sequence[str], records: Sequence[ProfileRecord] = ()) -> None:
        hint = Hint(f"h{self.added}", list(profile_ids))
        self.added += 1
        if records:
            self.stored[hint.id] = list(records)
        self.hints.append(hint)

    async def oldest(self, *, limit: int) -> list[Hint]:
        return self.hints[:limit]

    async def records(self, hint_id: str) -> list[ProfileRecord] | None:
        return self.stored.get(hint_id)

    async def remove(self, hint_ids: Sequence[str]) -> None:
        self.hints = [hint for hint in self.hints if hint.id not in hint_ids]
        for hint_id in hint_ids:
            self.stored.pop(hint_id, None)


@dataclass(frozen=True)
class Sent:
    key: str
    value: bytes | None
    headers: dict[str, str]


class FakeSink:
    """A `Publisher` that records what the relay publishes; `fail_after` makes every later send
    fail."""

    def __init__(self, *, fail_after: int | None = None) -> None:
        self.sent: list[Sent] = []
        self.fail_after = fail_after

    async def publish(self, message: Message) -> None:
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise ConnectionError("the broker is down")
        self.sent.append(Sent(message.key.decode(), message.value, dict(message.headers)))


class RecordingObserver:
    """Records the ids of the records it is told about, in `ids`."""

    def __init__(self, ids: list[str] | None = None) -> None:
        self.ids: list[str] = [] if ids is None else ids

    def written(self, record: ProfileRecord) -> None:
        self.ids.append(record.id)


# Each fake stands in for a port: these lines make mypy check that it still fits.
_store: ProfileStore = FakeProfileStore()
_outbox: OutboxStore = FakeProfileStore()
_publisher: Publisher = FakeSink()
_hints: HintStore = FakeHints()
_observer: WriteObserver = RecordingObserver()
