"""On the real store, a person the read model wrote is read back as the very person written,
by program (a round's load, which reads the next batch while it decodes one) and by id."""

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.mongo_reads import READ_AHEAD, read_ahead
from services.matcher.adapters.people_store import MongoPeople
from shared.mongo import Document
from tests.builders.matcher import PROGRAM
from tests.unit.matcher.test_stored_profiles import everything_set

pytestmark = pytest.mark.integration


async def test_a_stored_person_is_read_back_as_written(mongo: AsyncDatabase[Document]) -> None:
    people = MongoPeople(mongo)
    await people.ensure_indexes()
    person = everything_set()
    assert person.program_id == PROGRAM

    await people.apply(person)

    assert await people.of_program(PROGRAM) == [person]
    assert await people.many([person.id]) == {person.id: person}


async def test_reading_ahead_returns_every_document_once(mongo: AsyncDatabase[Document]) -> None:
    n = 2 * READ_AHEAD + 345
    await mongo["docs"].insert_many([{"_id": i, "n": i} for i in range(n)])

    found = await read_ahead(mongo["docs"].find({}), lambda doc: int(doc["n"]))

    assert sorted(found) == list(range(n))


async def test_a_decoding_error_while_reading_ahead_is_raised(
    mongo: AsyncDatabase[Document],
) -> None:
    await mongo["docs"].insert_many([{"_id": i} for i in range(READ_AHEAD + 10)])

    def decode(doc: Document) -> int:
        if doc["_id"] == READ_AHEAD // 2:
            raise ValueError("not a document this store wrote")
        return int(doc["_id"])

    with pytest.raises(ValueError, match="not a document"):
        await read_ahead(mongo["docs"].find({}), decode)
