"""What the system acknowledged to the driver: the checker's record of the API door."""

from dataclasses import dataclass, field

from bench.faults.history import Expected


@dataclass
class Record:
    """What the system acknowledged, by workload person key."""

    ids: dict[str, str] = field(default_factory=dict)  # person key -> profile id
    versions: dict[str, list[int]] = field(default_factory=dict)  # profile id -> acked versions
    api_finals: dict[str, Expected] = field(default_factory=dict)
    command_ids: dict[int, str] = field(default_factory=dict)  # op index -> event id
    problems: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)  # op kind -> how many
