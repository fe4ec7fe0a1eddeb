"""What a run left behind, as plain values: the checker reads only these (so its tests build
histories by hand), and `collect` fills them from the topics, the stores and the mail folder."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shared.events import PairingEvent


@dataclass(frozen=True)
class Canonical:
    """One record of the canonical profile topic (tombstones are left out)."""

    profile_id: str
    version: int
    event_id: str
    deleted: bool
    name: str | None = None
    capacity: int = 1


@dataclass(frozen=True)
class Email:
    """One delivered email, as the sink wrote it; `order` is the delivery order."""

    file: str
    recipient: str
    message_id: str
    order: int
    at: float = 0.0  # seconds after the run started
    method: str | None = None  # the invite's METHOD (REQUEST, CANCEL), None without an invite
    uid: str | None = None
    sequence: int | None = None


@dataclass(frozen=True)
class Outcome:
    """A notification event: the notifier's record that an email was sent (or failed)."""

    key: str  # "<pairing>:<state>:<recipient>"
    sent: bool
    event_id: str
    message_id: str | None


@dataclass(frozen=True)
class Letter:
    """A record of a source topic (a malformed input) or a dead letter of one: where the source
    record was, and its bytes."""

    partition: int
    offset: int
    value: bytes


@dataclass(frozen=True)
class Expected:
    """What the workload says a profile must end as: deleted, or with this name."""

    deleted: bool
    name: str | None


@dataclass
class History:
    canonical: Sequence[Canonical] = ()
    pairings: Mapping[str, Sequence[PairingEvent]] = field(default_factory=dict)
    stored_states: Mapping[str, str] = field(default_factory=dict)  # pairing id -> store state
    emails: Sequence[Email] = ()
    outcomes: Sequence[Outcome] = ()
    message_ids: Mapping[str, str] = field(default_factory=dict)  # Message-ID uuid -> key
    expected: Mapping[str, Expected] = field(default_factory=dict)  # profile id -> final
    stored_profiles: Mapping[str, Expected] = field(default_factory=dict)  # as the API shows
    acked_versions: Mapping[str, Sequence[int]] = field(default_factory=dict)
    malformed: Mapping[str, Sequence[Letter]] = field(default_factory=dict)  # topic -> inputs
    dead_letters: Mapping[str, Sequence[Letter]] = field(default_factory=dict)  # by source topic
    lag: Mapping[str, int] = field(default_factory=dict)  # group -> total lag
    notifier_kills: Sequence[float] = ()  # seconds after the run started
