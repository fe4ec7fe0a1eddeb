"""`Inserts`: concurrent point inserts share one `insert_many`, and each caller gets its own
answer (stored, already stored, or its own error), with a fake collection."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from pymongo.errors import AutoReconnect, BulkWriteError, WriteError

from shared.errors import StoreUnavailable
from shared.inserts import Inserts


@dataclass
class FakeCollection:
    """Keeps documents by `_id` like a unique index; records each `insert_many`. A document
    whose `_id` is in `refuse` fails with that message; `down` fails the whole call."""

    stored: dict[str, Any] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    down: Exception | None = None

    async def insert_many(self, documents: list[dict[str, Any]], *, ordered: bool) -> None:
        assert ordered is False
        await asyncio.sleep(0)  # a round trip: others may queue meanwhile
        self.calls.append([doc["_id"] for doc in documents])
        if self.down is not None:
            raise self.down
        errors = []
        for index, doc in enumerate(documents):
            if doc["_id"] in self.refuse:
                errors.append({"index": index, "code": 2, "errmsg": self.refuse[doc["_id"]]})
            elif doc["_id"] in self.stored:
                errors.append({"index": index, "code": 11000, "errmsg": "E11000 duplicate"})
            else:
                self.stored[doc["_id"]] = doc
        if errors:
            raise BulkWriteError({"writeErrors": errors, "writeConcernErrors": []})


def inserts(collection: FakeCollection, **kwargs: Any) -> Inserts:
    return Inserts(collection, **kwargs)  # type: ignore[arg-type]


async def test_concurrent_inserts_go_out_as_one_insert_many() -> None:
    collection = FakeCollection()
    batch = inserts(collection)

    answers = await asyncio.gather(*(batch.insert({"_id": f"m{i}"}) for i in range(40)))

    assert answers == [True] * 40
    assert collection.calls == [[f"m{i}" for i in range(40)]]


async def test_inserts_arriving_during_a_send_go_out_together_in_the_next() -> None:
    collection = FakeCollection()
    batch = inserts(collection)
    first = asyncio.create_task(batch.insert({"_id": "a"}))
    await asyncio.sleep(0)  # the first send is under way

    later = await asyncio.gather(batch.insert({"_id": "b"}), batch.insert({"_id": "c"}))

    assert await first is True and later == [True, True]
    assert collection.calls == [["a"], ["b", "c"]]


async def test_a_duplicate_is_no_error_and_is_answered_false() -> None:
    collection = FakeCollection(stored={"old": {"_id": "old"}})
    batch = inserts(collection)

    answers = await asyncio.gather(
        batch.insert({"_id": "old"}),
        batch.insert({"_id": "new"}),
        batch.insert({"_id": "new"}),  # the same id twice in one batch
    )

    assert answers == [False, True, False]
    assert len(collection.calls) == 1


async def test_a_write_error_reaches_only_the_caller_whose_document_failed() -> None:
    collection = FakeCollection(refuse={"bad": "document too large"})
    batch = inserts(collection)

    answers = await asyncio.gather(
        batch.insert({"_id": "bad"}), batch.insert({"_id": "good"}), return_exceptions=True
    )

    assert isinstance(answers[0], WriteError) and "too large" in str(answers[0])
    assert answers[1] is True


async def test_a_failed_batch_reaches_every_caller_translated_and_the_next_batch_is_sent() -> None:
    collection = FakeCollection(down=AutoReconnect("connection reset"))
    batch = inserts(collection, limit=2)

    answers = await asyncio.gather(
        *(batch.insert({"_id": f"m{i}"}) for i in range(3)), return_exceptions=True
    )
    collection.down = None

    assert all(isinstance(answer, StoreUnavailable) for answer in answers)
    assert collection.calls == [["m0", "m1"], ["m2"]]
    assert await batch.insert({"_id": "m0"}) is True


async def test_a_cancelled_caller_does_not_stop_the_others() -> None:
    collection = FakeCollection()
    batch = inserts(collection)
    gone = asyncio.create_task(batch.insert({"_id": "gone"}))
    kept = asyncio.create_task(batch.insert({"_id": "kept"}))
    await asyncio.sleep(0)
    gone.cancel()

    assert await kept is True
    with pytest.raises(asyncio.CancelledError):
        await gone
