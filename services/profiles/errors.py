"""The profiles service's exceptions. Only the edges turn them into transport behaviour: an HTTP
status in `routes.py`, a dead letter or a redelivery in `handlers.py`.

    ProfileError
    ├── ProfileNotFound        404; ingress: dead letter (a patch of nobody)
    ├── VersionMismatch        412 (If-Match); ingress: dead letter (expected_version)
    ├── ProfileExists          409 (create of an id that is taken)
    ├── DuplicateEmail         409; ingress: dead letter
    ├── InvalidChange          422 (a patch that leaves an invalid profile; a program too)
    ├── WriteConflict          409 after retries: others kept changing the profile
    └── ProgramNotFound        404 (a program record)
    StoreUnavailable           (shared.errors) 503; ingress: redelivered after a back-off
"""

from pydantic_core import ErrorDetails

from shared.errors import StoreUnavailable

__all__ = [
    "REJECTED",
    "DuplicateEmail",
    "InvalidChange",
    "ProfileError",
    "ProfileExists",
    "ProfileNotFound",
    "ProgramNotFound",
    "StoreUnavailable",
    "VersionMismatch",
    "WriteConflict",
]


class ProfileError(Exception):
    """A change that cannot be applied as asked. Messages never contain an email address."""


class ProfileNotFound(ProfileError):
    def __init__(self, profile_id: str) -> None:
        super().__init__(f"profile {profile_id!r} not found")


class VersionMismatch(ProfileError):
    def __init__(self, *, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, but the stored version is {actual}")
        self.expected = expected
        self.actual = actual


class ProfileExists(ProfileError):
    def __init__(self, profile_id: str) -> None:
        super().__init__(f"profile {profile_id!r} already exists")


class DuplicateEmail(ProfileError):
    def __init__(self, program_id: str) -> None:
        super().__init__(f"another profile in program {program_id!r} has this email address")


class InvalidChange(ProfileError):
    """The change is well-formed but the resulting profile would be invalid."""

    def __init__(self, errors: list[ErrorDetails]) -> None:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        super().__init__(f"the resulting profile is invalid: {reasons}")
        self.errors = errors


class WriteConflict(ProfileError):
    def __init__(self, profile_id: str) -> None:
        super().__init__(f"profile {profile_id!r} kept changing while we wrote it; retry")


class ProgramNotFound(ProfileError):
    def __init__(self, program_id: str) -> None:
        super().__init__(f"program {program_id!r} not found")


# Errors that no retry can fix: ingress dead-letters the request instead of redelivering it.
REJECTED = (ProfileNotFound, VersionMismatch, ProfileExists, DuplicateEmail, InvalidChange)
