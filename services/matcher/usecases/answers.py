"""A person answers a pairing over HTTP: checked against the stored pairing, then sent on as a
`RespondToPairing` command, which the program's owner applies shortly after."""

from collections.abc import Awaitable, Callable

from services.matcher.core.errors import NotAnswerable, NotAParticipant, PairingNotFound
from services.matcher.core.lifecycle import ANSWERABLE
from services.matcher.usecases.ports import PairingRecord, PairingStore
from shared.commands import PairingAnswer, RespondToPairing

SendAnswer = Callable[[RespondToPairing], Awaitable[None]]
PRODUCER = "matcher-api"


async def find_pairing(pairings: PairingStore, pairing_id: str) -> PairingRecord:
    record = await pairings.get(pairing_id)
    if record is None:
        raise PairingNotFound(pairing_id)
    return record


async def answer_pairing(
    pairings: PairingStore, send: SendAnswer, answer: PairingAnswer
) -> RespondToPairing:
    """Send `answer` on if its person is part of the pairing and the decision fits its state;
    returns the command sent."""
    record = await find_pairing(pairings, answer.pairing_id)
    if answer.person_id not in (record.younger.id, record.older.id):
        raise NotAParticipant(answer.person_id)
    if record.state not in ANSWERABLE[answer.decision]:
        raise NotAnswerable(record.state.value)
    command = RespondToPairing(producer=PRODUCER, data=answer)
    await send(command)
    return command
