"""MongoDB access through PyMongo's async API, limited to what real MongoDB and FerretDB share."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)

from shared.errors import StoreUnavailable

Document = dict[str, Any]
DUPLICATE_KEY = 11000


@contextmanager
def store_errors() -> Iterator[None]:
    """The one translation of foreign store errors, used by every store at its boundary: a lost
    connection becomes `StoreUnavailable` (transient: retry later); other errors pass unchanged."""
    try:
        yield
    except ConnectionFailure as exc:
        raise StoreUnavailable(f"the store is unreachable: {type(exc).__name__}: {exc}") from exc


def is_unique_violation(exc: OperationFailure) -> bool:
    """MongoDB reports code 11000; FerretDB v1 reports a failed SQLite UNIQUE constraint."""
    return isinstance(exc, DuplicateKeyError) or "UNIQUE constraint failed" in str(exc)


def mongo_client(uri: str, *, timeout_ms: int = 5000) -> AsyncMongoClient[Document]:
    """A client that does not connect until first used (so nothing connects at import)."""
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
    )


async def ping(client: AsyncMongoClient[Document]) -> bool:
    """True when the store answers; used by readiness checks."""
    try:
        await client.admin.command("ping")
    except PyMongoError:
        return False
    return True


async def insert_markers(collection: AsyncCollection[Document], ids: Iterable[str]) -> None:
    """Insert one `{"_id": id}` document per id in one round trip; ids stored already (by an
    earlier attempt) are fine. An insert costs the same at any collection size, also on FerretDB
    v1, where an update reads the whole collection."""
    markers = [{"_id": marker_id} for marker_id in ids]
    if not markers:
        return
    try:
        await collection.insert_many(markers, ordered=False)
    except BulkWriteError as exc:
        if any(error.get("code") != DUPLICATE_KEY for error in exc.details["writeErrors"]):
            raise
