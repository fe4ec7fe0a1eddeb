"""The matcher's subscribers. They only record and route: matching happens in the owner of the
program (see `coordinator`), so every change becomes a work item keyed by program id. They get
the runtime from FastStream's context (`adapters.context`).
"""

from faststream import Context
from faststream.kafka import KafkaBroker

from services.matcher.adapters.context import Runtime
from services.matcher.usecases.directory import ProgramRecords
from services.matcher.usecases.ports import PairingStore, PeopleStore
from services.matcher.usecases.work import (
    AnswerGiven,
    Forward,
    MatchWork,
    PersonChanged,
    SettingsChanged,
    Work,
)
from shared.commands import RespondToPairing
from shared.consumer import BATCH_RECORDS, Delivery, subscribe_batches
from shared.events import ProfileChanged, ProfileEvent, ProgramChanged
from shared.kafka import CONSUMER_DEFAULTS, InvalidMessage
from shared.logging import bind_correlation
from shared.topics import Topics

READ_MODEL_KEYS = BATCH_RECORDS
"""Every key of a poll of the profile stream at once: a new person is an insert, which the
poll's people share (`shared.inserts`), and a work item, which the producer sends in batches;
32 at a time made a burst's poll wait for a round of both per 32 people."""


async def record_profile_change(
    event: ProfileEvent | None, *, key: str | None, people: PeopleStore, forward: Forward
) -> list[str]:
    """Store the change in the read model, then tell the programs it touches. A tombstone (no
    value) deletes whatever is stored under its key."""
    if event is None:
        person_id, programs = key, await people.remove(key, version=None) if key else []
    elif isinstance(event, ProfileChanged):
        person_id, programs = event.data.id, await people.apply(event.data)
    else:
        person_id, programs = (
            event.data.id,
            await people.remove(event.data.id, version=event.data.version),
        )
    caused = event.caused(producer="matcher") if event else {"producer": "matcher"}
    for program_id in programs:
        item = PersonChanged(person_id=person_id or "")
        await forward(MatchWork(**caused, data=Work(program_id=program_id, item=item)))
    return programs


async def record_program_change(
    event: ProgramChanged, *, programs: ProgramRecords, forward: Forward
) -> bool:
    """Store the record in the read model, then tell the program's owner to read its settings
    again. A replay of the stored version is forwarded again (the owner's re-read is harmless)."""
    if not await programs.apply(event.data):
        return False  # a newer record is stored; its own event told the owner
    work = Work(program_id=event.data.id, item=SettingsChanged(version=event.data.version))
    await forward(MatchWork(**event.caused(producer="matcher"), data=work))
    return True


async def route_answer(
    command: RespondToPairing, *, pairings: PairingStore, forward: Forward
) -> str:
    """Send an answer to the owner of the pairing's program; an answer nobody could give is
    dead-lettered."""
    answer = command.data
    record = await pairings.get(answer.pairing_id)
    if record is None:
        raise InvalidMessage(f"no pairing {answer.pairing_id}")
    if answer.person_id not in (record.younger.id, record.older.id):
        raise InvalidMessage(f"{answer.person_id} is not part of pairing {answer.pairing_id}")
    work = Work(program_id=record.program_id, item=AnswerGiven(answer=answer))
    await forward(MatchWork(**command.caused(producer="matcher"), data=work))
    return record.program_id


async def on_profile_changes(delivery: Delivery[ProfileEvent], runtime: Runtime) -> None:
    event = delivery.value
    bind_correlation(event.correlation_id or str(event.event_id) if event else None)
    await record_profile_change(
        event, key=delivery.key, people=runtime.people, forward=runtime.forward
    )


async def on_program_changes(event: ProgramChanged, runtime: Runtime = Context()) -> None:
    bind_correlation(event.correlation_id or str(event.event_id))
    await record_program_change(event, programs=runtime.programs, forward=runtime.forward)


async def on_pairing_responses(command: RespondToPairing, runtime: Runtime = Context()) -> None:
    bind_correlation(command.correlation_id or str(command.event_id))
    await route_answer(command, pairings=runtime.pairings, forward=runtime.forward)


def register(
    broker: KafkaBroker,
    topics: Topics,
    *,
    people_group: str,
    programs_group: str,
    responses_group: str,
    retry_seconds: float,
) -> None:
    """Subscribe the handlers (they run once the runtime is handed over and the broker starts)."""
    subscribe_batches(
        broker,
        topics.profile_changes,
        ProfileEvent,
        on_profile_changes,
        group_id=people_group,
        description="ProfileChanged / ProfileDeleted (and tombstones) into the people read model.",
        retry_seconds=retry_seconds,
        tombstones=True,
        concurrent_keys=READ_MODEL_KEYS,
    )
    broker.subscriber(
        topics.program_changes,
        group_id=programs_group,
        description="ProgramChanged into the programs read model.",
        **CONSUMER_DEFAULTS,
    )(on_program_changes)
    broker.subscriber(
        topics.pairing_responses,
        group_id=responses_group,
        description="RespondToPairing, routed to the owner of the pairing's program.",
        **CONSUMER_DEFAULTS,
    )(on_pairing_responses)
