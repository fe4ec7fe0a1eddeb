"""The one store-error translation and the store's retry policy, with a fake collection.

Each transient error class is retried in place and, once the tries are spent, surfaces as
`StoreUnavailable`; an error that is not transient goes up at once, untranslated."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    ConnectionFailure,
    CursorNotFound,
    DuplicateKeyError,
    NetworkTimeout,
    NotPrimaryError,
    OperationFailure,
    WriteError,
)

from shared import retry
from shared.errors import StoreUnavailable
from shared.mongo import idempotent, insert_markers, is_transient, retried, store_errors
from shared.retry import STORE_ATTEMPTS


def stepdown() -> OperationFailure:
    error = OperationFailure("Primary stepped down", 189, {"errorLabels": ["RetryableWriteError"]})
    assert error.has_error_label("RetryableWriteError")
    return error


def busy_bulk() -> BulkWriteError:
    errors = [
        {"index": 0, "code": 11000, "errmsg": "E11000 duplicate key"},
        {"index": 1, "code": 1, "errmsg": "database is locked (5) (SQLITE_BUSY)"},
    ]
    return BulkWriteError({"writeErrors": errors, "writeConcernErrors": []})


TRANSIENT = {
    "sqlite busy (FerretDB v1)": lambda: OperationFailure(
        "database is locked (5) (SQLITE_BUSY)", 1
    ),
    "sqlite busy in a write": lambda: WriteError("database is locked", 1),
    "sqlite busy in a bulk write": busy_bulk,
    "connection reset": lambda: AutoReconnect("connection reset by peer"),
    "network timeout": lambda: NetworkTimeout("timed out"),
    "connection failure": lambda: ConnectionFailure("connection refused"),
    "not primary": lambda: NotPrimaryError("not primary", {"code": 10107}),
    "stepdown labelled retryable": stepdown,
    "cursor lost mid-read": lambda: CursorNotFound("cursor id 7 not found", 43),
}
LASTING = {
    "duplicate key": lambda: DuplicateKeyError("E11000 duplicate key", 11000),
    "bad query": lambda: OperationFailure("unknown operator: $nope", 2),
    "a duplicate in a bulk write": lambda: BulkWriteError(
        {"writeErrors": [{"index": 0, "code": 11000, "errmsg": "dup"}], "writeConcernErrors": []}
    ),
}


@dataclass
class FlakyCollection:
    """Raises the queued errors, one per call, then answers."""

    errors: list[Exception] = field(default_factory=list)
    calls: int = 0

    async def find_one(self, query: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"_id": query["_id"]}


@pytest.mark.parametrize("make", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_errors_are_classified_and_translated(make: Any) -> None:
    error = make()
    assert is_transient(error)
    with pytest.raises(StoreUnavailable) as raised, store_errors():
        raise error
    assert raised.value.__cause__ is error


@pytest.mark.parametrize("make", LASTING.values(), ids=LASTING.keys())
def test_other_errors_pass_unchanged(make: Any) -> None:
    error = make()
    assert not is_transient(error)
    with pytest.raises(type(error)) as raised, store_errors():
        raise error
    assert raised.value is error


@pytest.mark.parametrize("make", TRANSIENT.values(), ids=TRANSIENT.keys())
async def test_a_transient_error_is_retried_in_place_and_the_answer_comes_back(make: Any) -> None:
    collection = FlakyCollection([make(), make()])

    found = await retried(lambda: collection.find_one({"_id": "a"}))

    assert found == {"_id": "a"}
    assert collection.calls == 3


async def test_a_first_try_that_succeeds_builds_no_retry_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_policy(**_: Any) -> None:
        raise AssertionError("a retry policy was built for a call that needed none")

    monkeypatch.setattr(retry, "store_calls", no_policy)
    collection = FlakyCollection()

    assert await retried(lambda: collection.find_one({"_id": "a"})) == {"_id": "a"}
    assert collection.calls == 1


@pytest.mark.parametrize("make", TRANSIENT.values(), ids=TRANSIENT.keys())
async def test_a_lasting_outage_surfaces_with_the_last_store_error_as_its_cause(
    make: Any,
) -> None:
    errors = [make() for _ in range(STORE_ATTEMPTS)]
    collection = FlakyCollection(list(errors))

    with pytest.raises(StoreUnavailable) as raised:
        await retried(lambda: collection.find_one({"_id": "a"}))

    assert raised.value.__cause__ is errors[-1]


@pytest.mark.parametrize("make", TRANSIENT.values(), ids=TRANSIENT.keys())
async def test_a_lasting_outage_surfaces_as_store_unavailable_after_the_tries(make: Any) -> None:
    collection = FlakyCollection([make() for _ in range(STORE_ATTEMPTS + 1)])

    with pytest.raises(StoreUnavailable):
        await retried(lambda: collection.find_one({"_id": "a"}))

    assert collection.calls == STORE_ATTEMPTS


@pytest.mark.parametrize("make", LASTING.values(), ids=LASTING.keys())
async def test_an_error_that_is_not_transient_is_not_retried(make: Any) -> None:
    error = make()
    collection = FlakyCollection([error])

    with pytest.raises(type(error)):
        await retried(lambda: collection.find_one({"_id": "a"}))

    assert collection.calls == 1


async def test_an_idempotent_store_method_is_retried_as_a_whole() -> None:
    class Store:
        def __init__(self) -> None:
            self.people = FlakyCollection([AutoReconnect("reset"), NetworkTimeout("slow")])

        @idempotent
        async def get(self, person_id: str) -> dict[str, Any]:
            """A read."""
            return await self.people.find_one({"_id": person_id})

    store = Store()

    assert await store.get("p-1") == {"_id": "p-1"}
    assert store.people.calls == 3
    assert Store.get.__doc__ == "A read."


async def test_markers_are_retried_and_those_stored_by_the_lost_try_count_as_done() -> None:
    class Markers:
        def __init__(self) -> None:
            self.stored: set[str] = set()
            self.calls = 0

        async def insert_many(self, docs: list[dict[str, Any]], *, ordered: bool) -> None:
            self.calls += 1
            fresh = [doc["_id"] for doc in docs if doc["_id"] not in self.stored]
            self.stored |= set(fresh)
            if self.calls == 1:
                raise AutoReconnect("connection reset after the write")
            if len(fresh) < len(docs):
                errors = [{"index": 0, "code": 11000, "errmsg": "E11000 duplicate key"}]
                raise BulkWriteError({"writeErrors": errors, "writeConcernErrors": []})

    markers = Markers()

    await insert_markers(markers, ["p-1:1", "p-2:1"])  # type: ignore[arg-type]

    assert markers.stored == {"p-1:1", "p-2:1"} and markers.calls == 2
