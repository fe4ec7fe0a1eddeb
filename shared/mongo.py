"""MongoDB access through PyMongo's async API, limited to what real MongoDB and FerretDB share.

Store errors are translated in one place (`store_errors`): the transient ones become
`StoreUnavailable`. An operation that is idempotent is retried in place (`retried`, or the
`idempotent` decorator for a store method that is idempotent as a whole) before that surfaces: in
a consumer as a redelivery, in the API as a 503. Only idempotent operations are retried, because
a transient error may hide a write that was done: a point insert with a unique `_id` (a duplicate
after a retry is an earlier try of this very call, which the caller must treat as done), a point
`$set` (doing it twice stores the same), and reads. Say in the method's docstring why it is safe.
"""

import functools
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    CursorNotFound,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)

from shared import retry
from shared.errors import StoreUnavailable

Document = dict[str, Any]
DUPLICATE_KEY = 11000
UPDATES_PER_COMMAND = 32
"""Point updates per `bulk_write`. FerretDB v1 takes longer per statement as an update command
grows (2 ms each up to about 30, 4 ms each at 96), and an update command of 100 statements or
more never answers at all (measured on v1.24.2: 99 work, 100 hang). Inserts and deletes do not
have this limit."""
BUSY = ("database is locked", "SQLITE_BUSY")
"""How FerretDB v1 reports a SQLite write lock it waited for in vain (an OperationFailure)."""
T = TypeVar("T")
P = ParamSpec("P")


def is_transient(exc: BaseException) -> bool:
    """Worth another try soon: a lost, reset or timed-out connection, no primary to talk to
    (`ConnectionFailure` covers `AutoReconnect`, `NetworkTimeout`, `NotPrimaryError` and a failed
    server selection), an error MongoDB labels `RetryableWriteError` (a stepdown during a write),
    or a busy SQLite behind FerretDB, also inside a bulk write that failed for nothing else; or a
    cursor the store lost in the middle of a read (FerretDB v1 closes a cursor with the
    connection that opened it): only reads use cursors, so the read is simply done again."""
    if isinstance(exc, ConnectionFailure | CursorNotFound):
        return True
    if isinstance(exc, PyMongoError) and exc.has_error_label("RetryableWriteError"):
        return True
    if isinstance(exc, BulkWriteError):
        errors = exc.details.get("writeErrors", [])
        others = [error for error in errors if error.get("code") != DUPLICATE_KEY]
        return bool(others) and all(_busy(str(error.get("errmsg"))) for error in others)
    return isinstance(exc, OperationFailure) and _busy(str(exc))


def _busy(message: str) -> bool:
    return any(sign in message for sign in BUSY)


@contextmanager
def store_errors() -> Iterator[None]:
    """The one translation of foreign store errors, used by every store at its boundary: a
    transient one (`is_transient`) becomes `StoreUnavailable` (retry later); others pass unchanged."""
    try:
        yield
    except PyMongoError as exc:
        if not is_transient(exc):
            raise
        raise StoreUnavailable(f"the store is unavailable: {type(exc).__name__}: {exc}") from exc


async def retried(operation: Callable[[], Awaitable[T]]) -> T:
    """Run one idempotent store operation (see the module docstring), translated by
    `store_errors` and retried in place under `retry.store_calls` while it is unavailable; then
    `StoreUnavailable` goes up. Other errors go up at once.

    The first try runs bare, outside tenacity (whose machinery, built per call, cost more CPU
    than the store call itself on a bulk import): the policy is built only once a try failed,
    and its first attempt is that failure, so tries, pauses and budget are as before."""
    since = time.monotonic()
    try:
        with store_errors():
            return await operation()
    except StoreUnavailable as exc:
        failed = [exc]

    async def attempt() -> T:
        if failed:
            raise failed.pop()
        with store_errors():
            return await operation()

    retrying = retry.store_calls(
        on=StoreUnavailable, before_sleep=retry.logged("store_retrying"), since=since
    )
    answer: T = await retrying(attempt)
    return answer


def idempotent(
    method: Callable[P, Awaitable[T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """`retried` for a whole store method: for methods whose every step may be repeated, as
    their docstrings say. Helpers below such a method only translate (retries never nest)."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> T:
        return await retried(lambda: method(*args, **kwargs))

    return call


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
    earlier attempt) are fine, which is also why it is retried in place (`retried`). An insert
    costs the same at any collection size, also on FerretDB v1, where an update reads the whole
    collection."""
    markers = [{"_id": marker_id} for marker_id in ids]
    if not markers:
        return
    try:
        await retried(lambda: collection.insert_many(markers, ordered=False))
    except BulkWriteError as exc:
        if any(error.get("code") != DUPLICATE_KEY for error in exc.details["writeErrors"]):
            raise


async def answers_filters_by_index(collection: AsyncCollection[Document]) -> bool:
    """Whether the server answers a filter on `_id` and another field from an index, at the
    cost of a point read: real MongoDB does; FerretDB v1 (which names itself in `buildInfo`)
    reads and decodes the whole collection for any filter but a lone `_id`."""
    info = await collection.database.client.admin.command("buildInfo")
    return "ferretdbVersion" not in info


async def update_points(collection: AsyncCollection[Document], updates: Sequence[UpdateOne]) -> int:
    """Send point updates in commands of `UPDATES_PER_COMMAND`; return how many matched.
    Translated by `store_errors`; the caller says whether repeating them is safe."""
    matched = 0
    for start in range(0, len(updates), UPDATES_PER_COMMAND):
        with store_errors():
            chunk = updates[start : start + UPDATES_PER_COMMAND]
            result = await collection.bulk_write(list(chunk), ordered=False)
        matched += result.matched_count
    return matched
