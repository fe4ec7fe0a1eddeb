"""A person answers from their email: the link's claims, judged against the stored pairing.

Opening a link only looks (`open_link`): mail gateways fetch links to scan them, so a visit must
change nothing. Pressing the page's button (`answer_link`) sends the answer through the same use
case as the API, and only when the link is current: for this person, for the pairing's current
phase, and for a decision that still fits its state.
"""

from dataclasses import dataclass
from enum import StrEnum

from services.matcher.core.lifecycle import ANSWERABLE, PairingState, decided, phase_sequence
from services.matcher.usecases.answers import SendAnswer, answer_pairing, find_pairing
from services.matcher.usecases.ports import PairingRecord, PairingStore
from shared.answer_links import AnswerClaims
from shared.commands import PairingAnswer


class Standing(StrEnum):
    """Where a link stands against its pairing."""

    OPEN = "open"  # the answer can be given
    SENT = "sent"  # it was just given
    RECORDED = "recorded"  # this person's answer is already what the pairing records
    CLOSED = "closed"  # the pairing moved on (answered by the partner, expired, cancelled)
    FOREIGN = "foreign"  # not a link this pairing issued: another person, a later sequence


@dataclass(frozen=True)
class LinkView:
    claims: AnswerClaims
    record: PairingRecord
    standing: Standing


def judge(record: PairingRecord, claims: AnswerClaims) -> Standing:
    status = record.status
    if claims.person_id not in (record.younger.id, record.older.id):
        return Standing.FOREIGN
    if claims.sequence > status.sequence:
        return Standing.FOREIGN
    if claims.action == "checkin":
        return Standing.OPEN if checkin_open(record) else Standing.CLOSED
    if decided(status, claims.person_id, claims.action):
        return Standing.RECORDED
    if status.state not in ANSWERABLE[claims.action] or claims.sequence != phase_sequence(status):
        return Standing.CLOSED
    return Standing.OPEN


def checkin_open(record: PairingRecord) -> bool:
    """Check-ins are answered while the pairing is active, and after the program ended it (the
    final check-in; until the link expires); not after it ended otherwise."""
    return record.state is PairingState.ACTIVE or record.reason_code == "program_ended"


async def open_link(pairings: PairingStore, claims: AnswerClaims) -> LinkView:
    record = await find_pairing(pairings, claims.pairing_id)
    return LinkView(claims, record, judge(record, claims))


async def answer_link(
    pairings: PairingStore, send: SendAnswer, claims: AnswerClaims, *, reason: str | None
) -> LinkView:
    """Send the link's answer if it is open; otherwise change nothing and say why."""
    view = await open_link(pairings, claims)
    if view.standing is not Standing.OPEN or claims.action == "checkin":
        return view  # a check-in answer is a form, not a decision (`usecases.checkin_links`)
    answer = PairingAnswer(
        pairing_id=claims.pairing_id,
        person_id=claims.person_id,
        decision=claims.action,
        reason=reason if claims.action == "decline" else None,
    )
    await answer_pairing(pairings, send, answer)
    return LinkView(claims, view.record, Standing.SENT)
