"""Existing pairs (locked): they use capacity and are never broken to raise the total. Kept by
person, so a change only re-checks the locks it can break."""

from collections import Counter, defaultdict
from collections.abc import Iterable

Pair = frozenset[str]


class Locks:
    def __init__(self) -> None:
        self.pairs: dict[Pair, tuple[str, str]] = {}
        """Pair -> (younger, older) as the caller locked it."""
        self.held: Counter[str] = Counter()
        self.suspect: set[Pair] = set()
        """Locks whose constraints a change may have broken, checked by `broken_locks`."""
        self._of: defaultdict[str, set[Pair]] = defaultdict(set)

    def add(self, younger_id: str, older_id: str) -> bool:
        key = frozenset((younger_id, older_id))
        if key in self.pairs:
            return False
        self.pairs[key] = (younger_id, older_id)
        for person_id in key:
            self._of[person_id].add(key)
            self.held[person_id] += 1
        self.suspect.add(key)
        return True

    def remove(self, a_id: str, b_id: str) -> bool:
        key = frozenset((a_id, b_id))
        self.suspect.discard(key)
        if self.pairs.pop(key, None) is None:
            return False
        for person_id in key:
            self._of[person_id].discard(key)
            self.held[person_id] -= 1
        return True

    def check_again(self, people: Iterable[str]) -> None:
        for person_id in people:
            self.suspect |= self._of.get(person_id, set())
