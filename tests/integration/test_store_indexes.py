"""The store answers a point operation by `_id` from an index at any collection size.

On the local stack, FerretDB v1 on SQLite reports SQLite's own query plan through `explain`; on
MongoDB the plan names its `_id` fast path. Either way a whole-collection scan is a failure. The
speed itself is measured in `bench/`, not here.
"""

import re

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.mongo import Document

pytestmark = pytest.mark.integration

_PAD = "x" * 1400  # documents of about 1.5 KB, like a profile


def _plan_words(explained: Document) -> str:
    """The plan of an explained find as one string, on FerretDB (SQLite's plan) or MongoDB."""
    planner = explained.get("queryPlanner", {})
    if "Plan" in planner:  # FerretDB with SQLite: EXPLAIN QUERY PLAN rows
        return " ".join(planner["Plan"])
    return str(planner.get("winningPlan", {}))


async def test_a_point_read_by_id_uses_an_index_in_a_large_collection(
    mongo: AsyncDatabase[Document],
) -> None:
    people = mongo["people"]
    for start in range(0, 20_000, 2_000):
        await people.insert_many(
            [{"_id": f"p{i:05d}", "n": i, "pad": _PAD} for i in range(start, start + 2_000)]
        )

    explained = await mongo.command("explain", {"find": "people", "filter": {"_id": "p12345"}})
    plan = _plan_words(explained)

    assert not re.search(r"\b(COLLSCAN|SCAN)\b", plan), plan
    assert any(word in plan for word in ("USING INDEX", "IDHACK", "EXPRESS_IXSCAN", "IXSCAN"))
    assert (await people.find_one({"_id": "p12345"}) or {}).get("n") == 12345


async def test_unique_indexes_are_still_enforced_beside_the_added_index(
    mongo: AsyncDatabase[Document],
) -> None:
    things = mongo["things"]
    await things.create_index("email", unique=True)
    await things.insert_one({"_id": "a", "email": "a@example.org"})

    with pytest.raises(DuplicateKeyError):
        await things.insert_one({"_id": "a", "email": "b@example.org"})
    with pytest.raises(DuplicateKeyError):
        await things.insert_one({"_id": "b", "email": "a@example.org"})
    assert await things.count_documents({}) == 1
