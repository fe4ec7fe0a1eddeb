"""On the real store, a person the read model wrote is read back as the very person written,
by program (a round's load) and by id."""

import pytest
from pymongo.asynchronous.database import AsyncDatabase

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
