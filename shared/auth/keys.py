"""API keys and their scopes: which scopes a presented key holds, compared in constant time.

Pure, with no web framework: the settings validate keys with it, and it is tested alone.
"""

import hashlib
import hmac
from collections.abc import Mapping
from enum import StrEnum

MIN_KEY_LENGTH = 8


class Scope(StrEnum):
    """What a key may do. `admin` implies the others and alone sees contact data."""

    READ = "read"  # read records (the matcher's pairings without contact data)
    WRITE = "write"  # create, change and delete profiles
    RESPOND = "respond"  # answer pairings on people's behalf (a trusted portal, an operator)
    ADMIN = "admin"  # everything, including exports and contact data


ApiKeys = Mapping[str, frozenset[Scope]]
"""Each configured key with its scopes."""


def scopes_of(keys: ApiKeys, presented: str | None) -> frozenset[Scope] | None:
    """The scopes of the presented key, or None if it is not a configured key."""
    if not presented:
        return None
    found = None
    given = _digest(presented)
    for key, scopes in keys.items():  # no early exit: the time taken says nothing about the keys
        if hmac.compare_digest(_digest(key), given):
            found = scopes
    return found


def _digest(key: str) -> bytes:
    """Compared as digests of equal length, so not even a key's length shows in the timing."""
    return hashlib.sha256(key.encode()).digest()


def permits(scopes: frozenset[Scope], needed: Scope) -> bool:
    return needed in scopes or Scope.ADMIN in scopes
