"""One check's result: what it looked at, and what it found lost, doubled or wrong, by id."""

from dataclasses import dataclass, field


@dataclass
class Check:
    name: str
    checked: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    """Doubles inside a window the README names (with its cause and bound): counted, shown,
    and not failing the run."""
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not (self.lost or self.doubled or self.wrong)
