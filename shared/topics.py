"""Every topic name, in one place.

Keys: the profile id on profile topics, the pairing id on pairing and notification topics, the
program id on the program topic and the matcher's internal work topic. Values are UTF-8 JSON. A prefix lets several
deployments (or tests) share one cluster without seeing each other's data.
"""

from dataclasses import dataclass

DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topics:
    prefix: str = ""

    @property
    def profile_updates(self) -> str:
        """Ingress: `UpdateProfile` commands from other internal services."""
        return f"{self.prefix}profiles.updates.v1"

    @property
    def profile_changes(self) -> str:
        """Canonical, compacted: `ProfileChanged` / `ProfileDeleted`, then a tombstone on delete."""
        return f"{self.prefix}profiles.changes.v1"

    @property
    def program_changes(self) -> str:
        """Canonical, compacted: `ProgramChanged`, the whole record of a program on every change."""
        return f"{self.prefix}programs.changes.v1"

    @property
    def pairings(self) -> str:
        """`PairingProposed`, `PairingCancelled`, `PairingActivated`, and the follow-ups:
        `PairingReminded`, `CheckinOpened`, `CheckinNudged`, `CheckinAnswered`, `PairingFlagged`."""
        return f"{self.prefix}pairings.events.v1"

    @property
    def pairing_responses(self) -> str:
        """`RespondToPairing` commands: a person accepts or declines."""
        return f"{self.prefix}pairings.responses.v1"

    @property
    def notifications(self) -> str:
        """`NotificationSent` / `NotificationFailed`."""
        return f"{self.prefix}notifications.events.v1"

    @property
    def match_work(self) -> str:
        """Matcher-internal, keyed by program id so one replica owns one program at a time."""
        return f"{self.prefix}matcher.work.v1"

    @staticmethod
    def dead_letter(source: str) -> str:
        """Where messages from `source` go when they cannot be processed."""
        return f"{source}{DEAD_LETTER_SUFFIX}"

    def all(self) -> list[str]:
        base = [
            self.profile_updates,
            self.profile_changes,
            self.program_changes,
            self.pairings,
            self.pairing_responses,
            self.notifications,
            self.match_work,
        ]
        return base + [self.dead_letter(t) for t in base]

    def compacted(self) -> set[str]:
        return {self.profile_changes, self.program_changes}
