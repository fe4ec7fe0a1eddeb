"""Foreign store errors translated at the boundary."""

from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.errors import ConnectionFailure, DuplicateKeyError, OperationFailure

from shared.mongo import StoreUnavailable


@contextmanager
def translated() -> Iterator[None]:
    """Turn "the store cannot be reached" into `StoreUnavailable`; other errors pass unchanged."""
    try:
        yield
    except ConnectionFailure as exc:
        raise StoreUnavailable(f"the profile store is unreachable: {type(exc).__name__}") from exc


def is_unique_violation(exc: OperationFailure) -> bool:
    """MongoDB reports code 11000; FerretDB v1 reports a failed SQLite UNIQUE constraint."""
    return isinstance(exc, DuplicateKeyError) or "UNIQUE constraint failed" in str(exc)
