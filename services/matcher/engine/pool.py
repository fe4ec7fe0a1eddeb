"""The people of one program as numeric columns, one row per person, for vectorised scoring.

Rows are reused after removal. Skills and languages become bits in multi-word masks (the
vocabulary grows as new free-text skills appear); windows are kept padded per row. People who
opted out keep a row (inactive) so that management chains through them still count.
"""

from collections.abc import Iterable

import numpy as np

from services.matcher.core.features import Person
from services.matcher.solver.arrays import Ints
from shared.vocabulary import Skill

_SKILLS = [skill.value for skill in Skill]
_WORD = (1 << 64) - 1


class Vocabulary:
    """Stable small integer ids for strings, in order of first sight."""

    def __init__(self, initial: list[str] | None = None) -> None:
        self.ids: dict[str, int] = {}
        for word in initial or []:
            self.id(word)

    def id(self, word: str) -> int:
        return self.ids.setdefault(word, len(self.ids))

    @property
    def words(self) -> int:
        """64-bit words a mask over this vocabulary needs."""
        return max(1, -(-len(self.ids) // 64))


class Pool:
    def __init__(self, size: int = 1024) -> None:
        self.skills, self.languages, self.departments = (
            Vocabulary(_SKILLS),
            Vocabulary(),
            Vocabulary(),
        )
        self.row_of: dict[str, int] = {}
        self.people: list[Person | None] = [None] * size
        self._spare: list[int] = []
        self.used = 0
        self.active = np.zeros(size, bool)
        self.birth = np.zeros(size, np.int64)
        self.capacity = np.zeros(size, np.int64)
        self.department = np.full(size, -1, np.int64)
        self.langs = np.zeros((size, 1), np.uint64)
        self.offers = np.zeros((size, self.skills.words), np.uint64)
        self.wants = np.zeros((size, self.skills.words), np.uint64)
        self.want_count = np.zeros(size, np.int64)
        self.held = np.zeros(size, np.int64)  # locked pairs, kept by the engine
        self.win_start = np.zeros((size, 1), np.int64)
        self.win_end = np.zeros((size, 1), np.int64)
        self.win_count = np.zeros(size, np.int64)
        self._ranks: Ints | None = None

    def put(self, person: Person) -> int:
        """Store (or replace) a person; returns the row."""
        row = self.row_of.get(person.id)
        if row is None:
            row = self._new_row(person.id)
        elif (known := self.people[row]) is not None and known.email != person.email:
            self._ranks = None  # the order is by email first
        self.people[row] = person
        self.active[row] = person.opted_in
        self.birth[row], self.capacity[row] = person.birth_year, person.capacity
        dept = person.department
        self.department[row] = -1 if dept is None else self.departments.id(dept)
        self.langs[row] = self._mask(self.languages, person.languages, "langs")
        self.offers[row] = self._mask(self.skills, person.offers, "offers")
        self.wants[row] = self._mask(self.skills, person.wants, "wants")
        self.want_count[row] = len(person.wants)
        self._put_windows(row, person)
        return row

    def drop(self, person_id: str) -> int | None:
        row = self.row_of.pop(person_id, None)
        if row is not None:
            self._ranks = None
            self.people[row] = None
            self.active[row] = False
            self.held[row] = 0
            self._spare.append(row)
        return row

    def free(self) -> Ints:
        """Unlocked capacity per row (0 for people not in the pool)."""
        n = self.used
        return np.where(self.active[:n], np.maximum(self.capacity[:n] - self.held[:n], 0), 0)

    def ranks(self) -> Ints:
        """Each row's place in the order of emails, then person ids (-1 for a row without a
        person). Ties between rows break by it, never by row: rows follow arrival order. Email
        first: unique in a program, and the same when a cohort is enrolled again under new ids.
        Kept until someone joins, leaves or changes email."""
        if self._ranks is None:
            ids = sorted(self.row_of, key=self._email_then_id)
            ranks = np.full(len(self.people), -1, np.int64)
            ranks[np.fromiter((self.row_of[i] for i in ids), np.int64, len(ids))] = np.arange(
                len(ids)
            )
            self._ranks = ranks
        return self._ranks

    def _email_then_id(self, person_id: str) -> tuple[str, str]:
        person = self.people[self.row_of[person_id]]
        return (person.email if person is not None else "", person_id)

    def _new_row(self, person_id: str) -> int:
        self._ranks = None
        if self._spare:
            row = self._spare.pop()
        else:
            if self.used == len(self.people):
                self._grow(rows=2 * len(self.people))
            row, self.used = self.used, self.used + 1
        self.row_of[person_id] = row
        return row

    def _mask(self, vocabulary: Vocabulary, words: Iterable[str], column: str) -> list[int]:
        bits = 0
        for word in words:
            bits |= 1 << vocabulary.id(word)
        if vocabulary.words > getattr(self, column).shape[1]:
            self._widen(column, vocabulary.words)
        return [(bits >> (64 * w)) & _WORD for w in range(getattr(self, column).shape[1])]

    def _put_windows(self, row: int, person: Person) -> None:
        n = len(person.windows)
        if n > self.win_start.shape[1]:
            self._widen("win_start", n)
            self._widen("win_end", n)
        self.win_count[row] = n
        self.win_start[row], self.win_end[row] = 0, 0
        for k, (start, end) in enumerate(person.windows):
            self.win_start[row, k], self.win_end[row, k] = start, end

    def _widen(self, column: str, width: int) -> None:
        old = getattr(self, column)
        new = np.zeros((old.shape[0], width), old.dtype)
        new[:, : old.shape[1]] = old
        setattr(self, column, new)

    def _grow(self, rows: int) -> None:
        self.people.extend([None] * (rows - len(self.people)))
        for name, old in list(vars(self).items()):
            if isinstance(old, np.ndarray):
                new = np.full((rows, *old.shape[1:]), -1 if name == "department" else 0, old.dtype)
                new[: old.shape[0]] = old
                setattr(self, name, new)
